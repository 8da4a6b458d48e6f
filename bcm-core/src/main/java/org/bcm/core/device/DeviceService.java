package org.bcm.core.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.trezor.Interaction;
import org.bcm.trezor.TrezorClient;
import org.bcm.trezor.TrezorDevices;
import org.bcm.trezor.TrezorException;
import org.bcm.trezor.device.DevelopmentDevice;
import org.bcm.trezor.device.MnemonicFile;
import org.bcm.trezor.device.UdpDeviceServer;

/**
 * The Trezor as the rest of bcm reaches it: finds and opens the device the operator chose
 * ({@code --device}, else {@code BCM_TREZOR}, else the one hardware device {@link TrezorDevices}
 * finds, never a software device that was not chosen), runs key
 * operations in a session, and turns every {@link TrezorException} into a {@link BcmException}
 * with a hint and its exit code. Also runs the development device.
 */
public final class DeviceService {

    /** The environment variable that chooses the device, in {@code --device}'s syntax. */
    public static final String DEVICE_VARIABLE = "BCM_TREZOR";

    private final BcmHome home;
    private final Map<String, String> environment;
    private final TrezorDevices devices;

    public DeviceService(BcmHome home, Map<String, String> environment, TrezorDevices devices) {
        this.home = home;
        this.environment = environment;
        this.devices = devices;
    }

    /** Every device found, hardware first. */
    public List<TrezorDevices.Found> list() {
        return devices.enumerate();
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
     * @throws BcmException with kind DEVICE_UNAVAILABLE, DEVICE_CANCELLED, WRONG_PIN, DEVICE_FAILED,
     *                      TIMEOUT or INVALID_INPUT (a bad selector)
     */
    public <T> T withDevice(String deviceOption, Interaction interaction, Function<TrezorClient, T> work) {
        String selector = selector(deviceOption);
        try (TrezorClient client = TrezorClient.open(devices.open(selector), interaction, TrezorClient.Timeouts.DEFAULT)) {
            return work.apply(client);
        } catch (IllegalArgumentException e) {
            throw new BcmException(Kind.INVALID_INPUT, e.getMessage(), "see `bcm device list` for the devices found");
        } catch (TrezorException e) {
            throw translate(e);
        }
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

    /** Where the development device keeps its mnemonic by default: {@code <bcm home>/trezor/development-device.mnemonic}. */
    public Path developmentMnemonicFile() {
        return home.root().resolve("trezor").resolve("development-device.mnemonic");
    }

    /**
     * Reads the mnemonic in {@code file}, or creates the file with {@code newMnemonic}'s words through
     * {@link BcmHome#createNew} (mode 0600, fsynced, hard-linked into place, the directory fsynced; the
     * directory is created 0700 when missing). A file that appears meanwhile, made by another
     * {@code bcm device serve}, is never replaced: it is read and used instead.
     *
     * @throws IOException as {@link MnemonicFile#read}, or when the file cannot be created
     */
    static String readOrCreateMnemonic(Path file, Supplier<String> newMnemonic) throws IOException {
        if (Files.exists(file)) {
            return MnemonicFile.read(file);
        }
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String mnemonic = newMnemonic.get();
        try {
            BcmHome.createNew(file, true, out -> MnemonicFile.write(out, mnemonic));
            return mnemonic;
        } catch (FileAlreadyExistsException e) {
            return MnemonicFile.read(file);
        }
    }

    /**
     * What {@code bcm device serve} asks for.
     *
     * @param port         the normal link's UDP port on 127.0.0.1 (0: a free one)
     * @param mnemonicFile the mnemonic, or null for {@link #developmentMnemonicFile()} (created when missing)
     * @param pinFile      a file holding the PIN the device asks for, or null for none
     * @param confirmation how requests are confirmed
     * @param debugLink    serve the debug link on {@code port + 1} (always with {@link DevelopmentDevice.Confirmation#DEBUG_LINK})
     * @param screen       where the device shows its PIN matrix (a terminal), or null for nowhere
     */
    public record DevelopmentDeviceSpec(int port, Path mnemonicFile, Path pinFile, DevelopmentDevice.Confirmation confirmation,
                                        boolean debugLink, Consumer<String> screen) {
        public DevelopmentDeviceSpec {
            Objects.requireNonNull(confirmation, "confirmation");
        }

        /** True when the debug link is served: asked for, or needed by the confirmation. */
        public boolean servesDebugLink() {
            return debugLink || confirmation == DevelopmentDevice.Confirmation.DEBUG_LINK;
        }
    }

    /**
     * Starts the development device on 127.0.0.1:{@code spec.port()} (and the debug link on the next
     * port when {@link DevelopmentDeviceSpec#servesDebugLink()}).
     *
     * @throws BcmException INVALID_INPUT for an unreadable or malformed file, CONFLICT when the ports are taken
     */
    public UdpDeviceServer serveDevelopmentDevice(DevelopmentDeviceSpec spec) {
        DevelopmentDevice.Settings settings;
        try {
            String mnemonic = spec.mnemonicFile() == null ? readOrCreateMnemonic(developmentMnemonicFile(), MnemonicFile::generate)
                    : MnemonicFile.read(spec.mnemonicFile());
            String pin = spec.pinFile() == null ? null : Files.readString(spec.pinFile(), StandardCharsets.UTF_8).strip();
            settings = new DevelopmentDevice.Settings(mnemonic, pin, false, spec.confirmation(), spec.servesDebugLink(), spec.screen());
        } catch (IOException | IllegalArgumentException e) {
            throw new BcmException(Kind.INVALID_INPUT, "cannot set up the development device: " + e.getMessage(),
                    "give a file with one line of BIP-39 words, mode 0600 (--mnemonic-file), and a PIN of digits 1-9 (--pin-file)", e);
        }
        try {
            return UdpDeviceServer.start(new DevelopmentDevice(settings), spec.port());
        } catch (IOException e) {
            throw new BcmException(Kind.CONFLICT, e.getMessage(), "another emulator or development device runs there: stop it or choose --port", e);
        }
    }
}
