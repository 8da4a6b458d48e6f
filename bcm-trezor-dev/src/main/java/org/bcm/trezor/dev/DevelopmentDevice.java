package org.bcm.trezor.dev;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.DeviceFeatures;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PublicNode;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.SignedIdentity;
import org.bcm.trezor.transport.WireMessage;
import org.bcm.trezor.wire.Messages;
import org.bcm.trezor.wire.TrezorMessages;
import org.bcm.trezor.wire.TrezorMessages.Failure.FailureType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * bcm's development device: a software Trezor that holds a BIP-39 mnemonic and answers the
 * protocol the way Trezor One firmware 1.14.1 does (trezor-firmware {@code legacy/firmware/fsm_msg_*.h}):
 * the same messages, the same order of confirmation, PIN and passphrase requests, the same Failure
 * codes, and the same keys and signatures ({@link DeviceCrypto}). It has no buttons: a confirmation
 * is either given automatically ({@link Confirmation#AUTO}, logged) or waits for a
 * DebugLinkDecision on the debug link ({@link Confirmation#DEBUG_LINK}), as the emulator's does.
 *
 * <p>It has no screen of its own either: what a Trezor shows that the user needs (the scrambled PIN
 * matrix) goes to the {@link Settings#screen() screen} it is given, and nowhere else; it is never
 * logged. A debug link exists only when {@link Settings#debugLink()} says so, as only debug builds
 * of the firmware have one (trezor-firmware {@code DEBUG_LINK}): through it whoever can reach it
 * confirms or refuses requests and reads the PIN and its matrix (DebugLinkGetState).
 *
 * <p>It announces itself in Features: device id {@value DeviceFeatures#DEVELOPMENT_DEVICE_ID_PREFIX}...,
 * label {@value #LABEL}. Vendor and version are the firmware's it imitates, because Trezor's own
 * client refuses other vendors.
 *
 * <p>Thread-safe: the normal link and the debug link may call in from different threads.
 * Answers on the normal link go to the sink given to {@link #receive}; they may be sent later,
 * when a debug-link decision arrives.
 */
public final class DevelopmentDevice {

    /** The label in Features. */
    public static final String LABEL = "bcm development device";
    /** What {@code bcm device serve} says when it starts, besides {@link DeviceFeatures#DEVELOPMENT_WARNING}. */
    public static final String SERVE_WARNING = "this is a SOFTWARE device for tests and demos, not a Trezor: its mnemonic is in a file"
            + " that any program running as you can read. Never give it the mnemonic of a real wallet.";
    private static final Logger LOG = LoggerFactory.getLogger(DevelopmentDevice.class);
    private static final String CANCELLED = "Action cancelled by user";

    /** How confirmations on the device are given. */
    public enum Confirmation {
        /** Confirm every request at once and log it (a demo or CI device). */
        AUTO,
        /** Wait for DebugLinkDecision on the debug link (tests of cancel and timeouts); needs the debug link. */
        DEBUG_LINK
    }

    /**
     * How the device is set up.
     *
     * @param mnemonic             BIP-39 mnemonic (checked)
     * @param pin                  digits 1-9 the device asks for, or null for no PIN
     * @param passphraseProtection ask for a passphrase (BIP-39) before deriving keys
     * @param confirmation         how confirmations are given
     * @param debugLink            answer the debug link (DebugLinkDecision, DebugLinkGetState with the PIN
     *                             and the matrix); required by {@link Confirmation#DEBUG_LINK}
     * @param screen               where the device shows what a Trezor shows on its display (the scrambled
     *                             PIN matrix, laid out as {@link #matrixPicture}), or null for no screen
     * @throws IllegalArgumentException for a mnemonic that is not BIP-39, a PIN not of digits 1-9, or
     *                                  confirmation on the debug link without one
     */
    public record Settings(String mnemonic, String pin, boolean passphraseProtection, Confirmation confirmation,
                           boolean debugLink, Consumer<String> screen) {
        public Settings {
            Bip39.check(mnemonic);
            if (pin != null && !pin.matches("[1-9]{1,50}")) {
                throw new IllegalArgumentException("a PIN is 1 to 50 digits 1-9");
            }
            Objects.requireNonNull(confirmation, "confirmation");
            if (confirmation == Confirmation.DEBUG_LINK && !debugLink) {
                throw new IllegalArgumentException("confirmation on the debug link needs the debug link");
            }
        }

        /** No screen; the debug link exactly when {@code confirmation} needs it. */
        public Settings(String mnemonic, String pin, boolean passphraseProtection, Confirmation confirmation) {
            this(mnemonic, pin, passphraseProtection, confirmation, confirmation == Confirmation.DEBUG_LINK, null);
        }

        /** No PIN, no passphrase, automatic confirmation, no debug link, no screen. */
        public static Settings of(String mnemonic) {
            return new Settings(mnemonic, null, false, Confirmation.AUTO);
        }

        /** These settings with the debug link served or not. */
        public Settings withDebugLink(boolean served) {
            return new Settings(mnemonic, pin, passphraseProtection, confirmation, served, screen);
        }

        /** These settings with {@code display} (null: none) as the device's screen. */
        public Settings withScreen(Consumer<String> display) {
            return new Settings(mnemonic, pin, passphraseProtection, confirmation, debugLink, display);
        }

        /** Without the mnemonic and the PIN, so that logging the settings never logs a secret. */
        @Override
        public String toString() {
            return "Settings[mnemonic=(" + mnemonic.split(" ").length + " words), pin=" + (pin == null ? "none" : "(set)")
                    + ", passphraseProtection=" + passphraseProtection + ", confirmation=" + confirmation + ", debugLink=" + debugLink
                    + ", screen=" + (screen == null ? "none" : "(set)") + "]";
        }
    }

    private enum Gate { BUTTON, PIN, PASSPHRASE }

    private enum Waiting { NOTHING, BUTTON_ACK, DECISION, PIN, PASSPHRASE }

    /** A request the device works on: what it still needs, then how to answer. */
    private record Operation(String what, Deque<Gate> gates, Supplier<Message> finish) { }

    private final Settings settings;
    private final String deviceId;
    private final SecureRandom random = new SecureRandom();
    private final byte[] standardSeed;
    private byte[] sessionSeed;
    private byte[] sessionId;
    private boolean unlocked;
    private String matrix = "";
    private Operation operation;
    private Waiting waiting = Waiting.NOTHING;
    private Consumer<WireMessage> sink = message -> { };

    public DevelopmentDevice(Settings settings) {
        this.settings = settings;
        this.standardSeed = Bip39.seed(settings.mnemonic(), "");
        this.deviceId = DeviceFeatures.DEVELOPMENT_DEVICE_ID_PREFIX + HexFormat.of().formatHex(sha256(standardSeed), 0, 6).toUpperCase();
        this.unlocked = settings.pin() == null;
        newSession();
    }

    /**
     * Takes one message from the normal link; answers go to {@code out}, now or when a debug-link
     * decision arrives.
     */
    public synchronized void receive(WireMessage wire, Consumer<WireMessage> out) {
        this.sink = out;
        Message request;
        try {
            request = Messages.decode(wire);
        } catch (RuntimeException e) {
            fail(FailureType.Failure_UnexpectedMessage, "Unexpected message");
            return;
        }
        String name = request.getDescriptorForType().getName();
        switch (name) {
            case "Initialize" -> initialize((TrezorMessages.Initialize) request);
            case "GetFeatures" -> send(features());
            case "EndSession" -> {
                abandon();
                newSession();
                send(TrezorMessages.Success.newBuilder().setMessage("Session ended").build());
            }
            case "Cancel" -> cancel();
            case "ButtonAck" -> buttonAck();
            case "PinMatrixAck" -> pinAck((TrezorMessages.PinMatrixAck) request);
            case "PassphraseAck" -> passphraseAck((TrezorMessages.PassphraseAck) request);
            case "Ping" -> start(() -> ping((TrezorMessages.Ping) request));
            case "GetPublicKey" -> start(() -> getPublicKey((TrezorMessages.GetPublicKey) request));
            case "SignIdentity" -> start(() -> signIdentity((TrezorMessages.SignIdentity) request));
            case "GetECDHSessionKey" -> start(() -> ecdh((TrezorMessages.GetECDHSessionKey) request));
            case "CipherKeyValue" -> start(() -> cipherKeyValue((TrezorMessages.CipherKeyValue) request));
            default -> {
                abandon();
                fail(FailureType.Failure_UnexpectedMessage, "Unexpected message");
            }
        }
    }

    /**
     * Takes one message from the debug link and returns its answer, if it has one
     * (DebugLinkGetState -> DebugLinkState; DebugLinkDecision has none). Without a debug link
     * ({@link Settings#debugLink()} false) every message is ignored.
     */
    public synchronized List<WireMessage> receiveDebug(WireMessage wire) {
        if (!settings.debugLink()) {
            return List.of();
        }
        Message request;
        try {
            request = Messages.decode(wire);
        } catch (RuntimeException e) {
            return List.of();
        }
        if (request instanceof TrezorMessages.DebugLinkDecision decision) {
            if (waiting != Waiting.DECISION) {
                LOG.warn("development device: a debug-link decision arrived while nothing waits for one");
            } else if (decision.getButton() == TrezorMessages.DebugLinkDecision.DebugButton.YES) {
                LOG.info("development device: {} confirmed on the debug link", operation.what());
                operation.gates().pop();
                advance();
            } else {
                LOG.info("development device: {} refused on the debug link", operation.what());
                abandon();
                fail(FailureType.Failure_ActionCancelled, CANCELLED);
            }
            return List.of();
        }
        if (request instanceof TrezorMessages.DebugLinkGetState) {
            TrezorMessages.DebugLinkState.Builder state = TrezorMessages.DebugLinkState.newBuilder().setMatrix(matrix);
            if (settings.pin() != null) {
                state.setPin(settings.pin());
            }
            return List.of(Messages.encode(state.build()));
        }
        return List.of();
    }

    /** The scrambled PIN matrix now shown, as DebugLinkState.matrix gives it ({@code ""} when none). */
    public synchronized String matrix() {
        return matrix;
    }

    /** True when the device answers a debug link ({@link Settings#debugLink()}). */
    public boolean debugLink() {
        return settings.debugLink();
    }

    /** The id in Features, {@value DeviceFeatures#DEVELOPMENT_DEVICE_ID_PREFIX} and 12 hex digits of the seed's hash. */
    public String deviceId() {
        return deviceId;
    }

    // --- session ---

    private void initialize(TrezorMessages.Initialize init) {
        abandon();
        if (!init.hasSessionId() || !init.getSessionId().equals(ByteString.copyFrom(sessionId))) {
            newSession();
        }
        send(features());
    }

    private void newSession() {
        sessionId = new byte[32];
        random.nextBytes(sessionId);
        sessionSeed = settings.passphraseProtection() ? null : standardSeed;
    }

    private TrezorMessages.Features features() {
        return TrezorMessages.Features.newBuilder()
                .setVendor("trezor.io").setMajorVersion(1).setMinorVersion(14).setPatchVersion(1)
                .setModel("1").setDeviceId(deviceId).setLabel(LABEL).setInitialized(true)
                .setPinProtection(settings.pin() != null).setPassphraseProtection(settings.passphraseProtection())
                .setUnlocked(unlocked).setSessionId(ByteString.copyFrom(sessionId))
                .build();
    }

    // --- operations: the gates in the firmware's order, then the answer ---

    private Operation ping(TrezorMessages.Ping ping) {
        List<Gate> gates = ping.getButtonProtection() ? List.of(Gate.BUTTON) : List.of();
        return operation("Ping", gates, () -> TrezorMessages.Success.newBuilder().setMessage(ping.getMessage()).build());
    }

    private Operation getPublicKey(TrezorMessages.GetPublicKey request) {
        DerivationPath path = new DerivationPath(request.getAddressNList());
        Curve curve = curve(request.hasEcdsaCurveName() ? request.getEcdsaCurveName() : null);
        List<Gate> gates = new ArrayList<>(List.of(Gate.PIN, Gate.PASSPHRASE));
        if (request.getShowDisplay()) {
            gates.add(Gate.BUTTON);
        }
        return operation("GetPublicKey " + path + " (" + curve + ")", gates, () -> {
            PublicNode node = DeviceCrypto.publicNode(sessionSeed, path, curve);
            TrezorMessages.PublicKey.Builder answer = TrezorMessages.PublicKey.newBuilder().setNode(
                    TrezorMessages.HDNodeType.newBuilder().setDepth(node.depth()).setFingerprint(node.parentFingerprint())
                            .setChildNum(node.childNumber()).setChainCode(ByteString.copyFrom(node.chainCode()))
                            .setPublicKey(ByteString.copyFrom(node.publicKey().bytes())));
            node.xpub().ifPresent(answer::setXpub);
            return answer.build();
        });
    }

    private Operation signIdentity(TrezorMessages.SignIdentity request) {
        Identity identity = identity(request.getIdentity());
        Curve curve = curve(request.hasEcdsaCurveName() ? request.getEcdsaCurveName() : null);
        byte[] hidden = request.getChallengeHidden().toByteArray();
        return operation("SignIdentity " + identity + " (" + curve + ")", List.of(Gate.BUTTON, Gate.PIN, Gate.PASSPHRASE), () -> {
            SignedIdentity signed = DeviceCrypto.signIdentity(sessionSeed, identity, hidden, request.getChallengeVisual(), curve);
            TrezorMessages.SignedIdentity.Builder answer = TrezorMessages.SignedIdentity.newBuilder()
                    .setPublicKey(ByteString.copyFrom(signed.publicKey().bytes()))
                    .setSignature(ByteString.copyFrom(signed.signature().bytes()));
            signed.address().ifPresent(answer::setAddress);
            return answer.build();
        });
    }

    private Operation ecdh(TrezorMessages.GetECDHSessionKey request) {
        Identity identity = identity(request.getIdentity());
        Curve curve = curve(request.hasEcdsaCurveName() ? request.getEcdsaCurveName() : null);
        byte[] peer = request.getPeerPublicKey().toByteArray();
        return operation("GetECDHSessionKey " + identity + " (" + curve + ")", List.of(Gate.BUTTON, Gate.PIN, Gate.PASSPHRASE), () -> {
            SessionKey key = DeviceCrypto.ecdhSessionKey(sessionSeed, identity, peer, curve);
            return TrezorMessages.ECDHSessionKey.newBuilder()
                    .setSessionKey(ByteString.copyFrom(key.bytes()))
                    .setPublicKey(ByteString.copyFrom(key.ownPublicKey().bytes()))
                    .build();
        });
    }

    private Operation cipherKeyValue(TrezorMessages.CipherKeyValue request) {
        int length = request.getValue().size();
        if (length == 0 || length % 16 != 0 || length > 1024) {
            throw new IllegalArgumentException("Value length must be a multiple of 16");
        }
        DerivationPath path = new DerivationPath(request.getAddressNList());
        boolean encrypt = request.getEncrypt();
        List<Gate> gates = new ArrayList<>(List.of(Gate.PIN, Gate.PASSPHRASE));
        if (encrypt ? request.getAskOnEncrypt() : request.getAskOnDecrypt()) {
            gates.add(Gate.BUTTON);
        }
        return operation((encrypt ? "Encrypt" : "Decrypt") + " value '" + request.getKey() + "' at " + path, gates, () -> {
            byte[] result = DeviceCrypto.cipherKeyValue(sessionSeed, path, request.getKey(), request.getValue().toByteArray(), encrypt,
                    request.getAskOnEncrypt(), request.getAskOnDecrypt(), request.hasIv() ? request.getIv().toByteArray() : null);
            return TrezorMessages.CipheredKeyValue.newBuilder().setValue(ByteString.copyFrom(result)).build();
        });
    }

    private static Operation operation(String what, List<Gate> gates, Supplier<Message> finish) {
        return new Operation(what, new ArrayDeque<>(gates), finish);
    }

    // --- the conversation ---

    /** Starts a new request, abandoning one that was waiting (as the firmware does). */
    private void start(Supplier<Operation> make) {
        abandon();
        try {
            operation = make.get();
        } catch (IllegalArgumentException e) {
            fail(FailureType.Failure_DataError, e.getMessage());
            return;
        }
        LOG.warn("development device: {} (no hardware protection: this is not a Trezor)", operation.what());
        advance();
    }

    private void advance() {
        while (!operation.gates().isEmpty()) {
            switch (operation.gates().peek()) {
                case BUTTON -> {
                    waiting = Waiting.BUTTON_ACK;
                    send(TrezorMessages.ButtonRequest.newBuilder()
                            .setCode(TrezorMessages.ButtonRequest.ButtonRequestType.ButtonRequest_ProtectCall).build());
                    return;
                }
                case PIN -> {
                    if (unlocked) {
                        operation.gates().pop();
                    } else {
                        matrix = scrambledMatrix();
                        waiting = Waiting.PIN;
                        LOG.info("development device: {} asks for the PIN", operation.what());
                        show("Please enter current PIN:\n" + matrixPicture(matrix));
                        send(TrezorMessages.PinMatrixRequest.newBuilder()
                                .setType(TrezorMessages.PinMatrixRequest.PinMatrixRequestType.PinMatrixRequestType_Current).build());
                        return;
                    }
                }
                case PASSPHRASE -> {
                    if (sessionSeed != null) {
                        operation.gates().pop();
                    } else {
                        waiting = Waiting.PASSPHRASE;
                        send(TrezorMessages.PassphraseRequest.getDefaultInstance());
                        return;
                    }
                }
            }
        }
        Operation done = operation;
        abandon();
        Message answer;
        try {
            answer = done.finish().get();
        } catch (IllegalArgumentException e) {
            fail(FailureType.Failure_DataError, e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.error("development device: {} failed", done.what(), e);
            fail(FailureType.Failure_FirmwareError, "Internal error: " + e.getMessage());
            return;
        }
        send(answer);
    }

    private void buttonAck() {
        if (waiting != Waiting.BUTTON_ACK) {
            unexpected();
            return;
        }
        if (settings.confirmation() == Confirmation.AUTO) {
            LOG.warn("development device: {} confirmed automatically", operation.what());
            operation.gates().pop();
            advance();
        } else {
            waiting = Waiting.DECISION;
            LOG.info("development device: {} waits for a decision on the debug link", operation.what());
        }
    }

    private void pinAck(TrezorMessages.PinMatrixAck ack) {
        if (waiting != Waiting.PIN) {
            unexpected();
            return;
        }
        String entered = decodePin(ack.getPin(), matrix);
        matrix = "";
        if (!MessageDigest.isEqual(entered.getBytes(), settings.pin().getBytes())) {
            abandon();
            fail(FailureType.Failure_PinInvalid, "Invalid PIN");
            return;
        }
        unlocked = true;
        operation.gates().pop();
        advance();
    }

    private void passphraseAck(TrezorMessages.PassphraseAck ack) {
        if (waiting != Waiting.PASSPHRASE) {
            unexpected();
            return;
        }
        if (ack.getOnDevice()) {
            abandon();
            fail(FailureType.Failure_DataError, "The development device has no keyboard: enter the passphrase on the host");
            return;
        }
        sessionSeed = Bip39.seed(settings.mnemonic(), ack.getPassphrase());
        operation.gates().pop();
        advance();
    }

    private void cancel() {
        Waiting was = waiting;
        abandon();
        if (was == Waiting.PIN) {
            fail(FailureType.Failure_PinCancelled, "PIN Cancelled");
        } else {
            fail(FailureType.Failure_ActionCancelled, CANCELLED);
        }
    }

    private void unexpected() {
        abandon();
        fail(FailureType.Failure_UnexpectedMessage, "Unexpected message");
    }

    private void abandon() {
        operation = null;
        waiting = Waiting.NOTHING;
        matrix = "";
    }

    private void fail(FailureType code, String message) {
        send(TrezorMessages.Failure.newBuilder().setCode(code).setMessage(message).build());
    }

    /** Shows {@code text} on the screen, if there is one; never in a log. */
    private void show(String text) {
        if (settings.screen() == null) {
            return;
        }
        try {
            settings.screen().accept(text);
        } catch (RuntimeException e) {
            LOG.warn("development device: the screen failed: {}", e.getClass().getSimpleName());
        }
    }

    private void send(Message message) {
        sink.accept(Messages.encode(message));
    }

    // --- helpers ---

    private static Curve curve(String name) {
        if (name == null || name.isEmpty()) {
            return Curve.SECP256K1;
        }
        try {
            return Curve.fromFirmwareName(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unsupported curve");
        }
    }

    private static Identity identity(TrezorMessages.IdentityType id) {
        if (!id.hasHost() || id.getHost().isEmpty()) {
            throw new IllegalArgumentException("Identity has no host");
        }
        return new Identity(id.hasProto() ? id.getProto() : null, id.hasUser() ? id.getUser() : null, id.getHost(),
                id.hasPort() ? id.getPort() : null, id.hasPath() ? id.getPath() : null, id.getIndex());
    }

    /** A random permutation of the digits 1-9 (trezor-firmware {@code pinmatrix_start}). */
    private String scrambledMatrix() {
        List<Character> digits = new ArrayList<>(List.of('1', '2', '3', '4', '5', '6', '7', '8', '9'));
        Collections.shuffle(digits, random);
        StringBuilder out = new StringBuilder();
        digits.forEach(out::append);
        return out.toString();
    }

    /**
     * The PIN the positions stand for: position {@code k} (1-9, numeric keypad) shows
     * {@code matrix[k-1]} (trezor-firmware {@code pinmatrix_done}).
     */
    static String decodePin(String positions, String matrix) {
        StringBuilder pin = new StringBuilder();
        for (char c : positions.toCharArray()) {
            if (c < '1' || c > '9' || matrix.length() != 9) {
                return "";
            }
            pin.append(matrix.charAt(c - '1'));
        }
        return pin.toString();
    }

    /** The matrix as the device's screen lays it out: positions 7 8 9 on top, 1 2 3 at the bottom. */
    public static String matrixPicture(String matrix) {
        if (matrix.length() != 9) {
            return "";
        }
        return "  " + matrix.charAt(6) + " " + matrix.charAt(7) + " " + matrix.charAt(8) + "\n"
                + "  " + matrix.charAt(3) + " " + matrix.charAt(4) + " " + matrix.charAt(5) + "\n"
                + "  " + matrix.charAt(0) + " " + matrix.charAt(1) + " " + matrix.charAt(2);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
