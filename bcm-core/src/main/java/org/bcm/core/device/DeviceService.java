package org.bcm.core.device;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.DeviceFeatures;
import org.bcm.trezor.Interaction;
import org.bcm.trezor.KeyOperations;
import org.bcm.trezor.PublicNode;
import org.bcm.trezor.SignedIdentity;
import org.bcm.trezor.TrezorClient;
import org.bcm.trezor.TrezorDevices;
import org.bcm.trezor.TrezorException;

/**
 * The Trezor as the rest of bcm reaches it: finds and opens the device the operator chose
 * ({@code --device}, else {@code BCM_TREZOR}, else the one hardware device {@link TrezorDevices}
 * finds, never a software device that was not chosen), runs key
 * operations in a session, and turns every {@link TrezorException} into a {@link BcmException}
 * with a hint and its exit code. The development device is served by {@link DevelopmentDeviceService}.
 */
public final class DeviceService {

    /** The environment variable that chooses the device, in {@code --device}'s syntax. */
    public static final String DEVICE_VARIABLE = "BCM_TREZOR";

    private final Map<String, String> environment;
    private final TrezorDevices devices;

    /**
     * @param environment where {@value #DEVICE_VARIABLE} is read
     * @param devices     the transports to look on
     */
    public DeviceService(Map<String, String> environment, TrezorDevices devices) {
        this.environment = environment;
        this.devices = devices;
    }

    /** On the standard places: sysfs, Trezor Bridge on 127.0.0.1:21325, UDP 127.0.0.1:21324 (only when chosen). */
    public DeviceService(Map<String, String> environment) {
        this(environment, new TrezorDevices());
    }

    /** Every device found, hardware first. */
    public List<FoundDevice> list() {
        return devices.enumerate().stream().map(found -> new FoundDevice(found.path(), found.transport(), found.description())).toList();
    }

    /**
     * The Trezors plugged in by USB, as sysfs shows them (none is opened), each as {@code KIND at USB
     * BUS-PORT}, e.g. {@code Trezor (WebUSB) at USB 1-2}; empty on a machine without sysfs.
     */
    public List<String> pluggedIn() {
        return devices.connected().stream().map(usb -> usb.kind() + " at USB " + usb.busPath()).toList();
    }

    /**
     * What the chosen device says about itself (Features), in a session of its own.
     *
     * @throws BcmException as {@link #withDevice}
     */
    public DeviceInfo info(String deviceOption, DeviceInteraction interaction) {
        DeviceFeatures f = withDevice(deviceOption, interaction, TrezorClient::features);
        return new DeviceInfo(f.path(), f.vendor(), f.model(), f.firmwareVersion(), f.deviceId(), f.label(), f.initialized(),
                f.pinProtection(), f.passphraseProtection(), f.unlocked(), f.developmentDevice());
    }

    /**
     * The public node at {@code path} on {@code curve} (GetPublicKey).
     *
     * @param path  a derivation path, e.g. {@code m/44'/0'/0'}
     * @param curve secp256k1, nist256p1, ed25519 or curve25519
     * @param show  show the key on the device and wait for the operator's confirmation
     * @throws BcmException INVALID_INPUT for a malformed path or an unknown curve (before the device is
     *                      opened); else as {@link #withDevice}
     */
    public DevicePublicNode publicNode(String deviceOption, DeviceInteraction interaction, String path, String curve, boolean show) {
        DerivationPath derivationPath = input(() -> DerivationPath.parse(path));
        Curve c = input(() -> Curve.fromFirmwareName(curve));
        PublicNode node = withDevice(deviceOption, interaction, client -> KeyOperations.getPublicKey(client, derivationPath, c, show));
        return new DevicePublicNode(node.path().toString(), c.firmwareName(), node.publicKey().hex(), HexFormat.of().formatHex(node.chainCode()),
                node.depth(), String.format("%08x", node.parentFingerprint()), Integer.toUnsignedLong(node.childNumber()),
                node.xpub().orElse(null));
    }

    /**
     * Signs {@code challenge} with {@code key} (SignIdentity); the device asks the operator to confirm.
     *
     * @param challenge the hidden challenge, at most 1024 bytes
     * @param visual    what the device shows while asking, or empty
     * @throws BcmException INVALID_INPUT for a challenge over 1024 bytes (before the device is opened); else
     *                      as {@link #withDevice}
     */
    public IdentitySignature signIdentity(String deviceOption, DeviceInteraction interaction, IdentityKeySpec key, byte[] challenge,
                                          String visual) {
        Challenge c = input(() -> new Challenge(challenge, visual));
        SignedIdentity signed = withDevice(deviceOption, interaction,
                client -> KeyOperations.signIdentity(client, key.identity(), c, key.curve()));
        return new IdentitySignature(key.identity().toString(), key.curve().firmwareName(), signed.publicKey().hex(),
                signed.signature().hex(), signed.address().orElse(null));
    }

    /** The value {@code parse} gives, or INVALID_INPUT with its message when the operator's text is not valid. */
    static <T> T input(Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new BcmException(Kind.INVALID_INPUT, e.getMessage(), null);
        }
    }

    /**
     * The selector in effect: {@code option} when given, else {@code BCM_TREZOR}, else null (the one
     * hardware device connected; never the emulator or development device).
     */
    public String selector(String option) {
        if (option != null && !option.isBlank()) {
            return option;
        }
        String variable = environment.get(DEVICE_VARIABLE);
        return variable == null || variable.isBlank() ? null : variable;
    }

    /**
     * Opens a session with the chosen device, runs {@code work} in it, and ends the session.
     *
     * @param deviceOption {@code --device}, or null
     * @param interaction  the operator's side: confirmations, PIN, passphrase, warnings
     * @throws BcmException with kind DEVICE_UNAVAILABLE, DEVICE_CANCELLED, WRONG_PIN, DEVICE_FAILED,
     *                      TIMEOUT or INVALID_INPUT (a bad selector)
     */
    public <T> T withDevice(String deviceOption, DeviceInteraction interaction, Function<TrezorClient, T> work) {
        String selector = selector(deviceOption);
        try (TrezorClient client = TrezorClient.open(devices.open(selector), toTrezor(interaction), TrezorClient.Timeouts.DEFAULT)) {
            return work.apply(client);
        } catch (IllegalArgumentException e) {
            throw new BcmException(Kind.INVALID_INPUT, e.getMessage(), "see `bcm device list` for the devices found");
        } catch (TrezorException e) {
            throw translate(e);
        }
    }

    /** {@code interaction} as bcm-trezor's client asks its questions. */
    private static Interaction toTrezor(DeviceInteraction interaction) {
        return new Interaction() {
            @Override
            public void confirmOnDevice(String what) {
                interaction.confirmOnDevice(what);
            }

            @Override
            public char[] pin(PinRequest request) {
                return interaction.pin(DeviceInteraction.PinRequest.valueOf(request.name()));
            }

            @Override
            public Passphrase passphrase() {
                DeviceInteraction.Passphrase answer = interaction.passphrase();
                return answer == null ? null : new Passphrase(answer.value(), answer.onDevice());
            }

            @Override
            public void warning(String message) {
                interaction.warning(message);
            }
        };
    }

    /** The BcmException for a device failure: its message, a hint, and the exit code of its kind. */
    public static BcmException translate(TrezorException e) {
        if (e instanceof TrezorException.NoDevice) {
            return new BcmException(Kind.DEVICE_UNAVAILABLE, e.getMessage(), "`bcm device list` shows what bcm can reach", e);
        }
        if (e instanceof TrezorException.DeviceGone || e instanceof TrezorException.TransportFailed) {
            return new BcmException(Kind.DEVICE_UNAVAILABLE, e.getMessage(), "reconnect the device and run the command again", e);
        }
        if (e instanceof TrezorException.Cancelled) {
            return new BcmException(Kind.DEVICE_CANCELLED, e.getMessage(), "run the command again and confirm on the device", e);
        }
        if (e instanceof TrezorException.WrongPin) {
            return new BcmException(Kind.WRONG_PIN, e.getMessage(),
                    "type the positions of your PIN's digits as the device shows them (7 8 9 is the top row)", e);
        }
        if (e instanceof TrezorException.Timeout) {
            return new BcmException(Kind.TIMEOUT, e.getMessage(), "confirm on the device when it asks; check the cable", e);
        }
        if (e instanceof TrezorException.NotInitialized) {
            return new BcmException(Kind.DEVICE_FAILED, e.getMessage(), "set the device up with Trezor Suite, or use the development device", e);
        }
        return new BcmException(Kind.DEVICE_FAILED, e.getMessage(), "check the firmware is up to date; --stacktrace shows details", e);
    }
}
