package org.bcm.core.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
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
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bcm.trezor.dev.MnemonicFile;
import org.bcm.trezor.dev.UdpDeviceServer;

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

    /**
     * Where the development device keeps its mnemonic by default, outside the bcm home (whose password
     * store and identity the mnemonic unlocks): {@code $XDG_DATA_HOME/bcm-development-device/mnemonic},
     * or {@code ~/.local/share/bcm-development-device/mnemonic} when XDG_DATA_HOME is unset or not an
     * absolute path (XDG Base Directory Specification). {@code ~} is {@code HOME}, else the JVM's
     * {@code user.home}.
     */
    public Path developmentMnemonicFile() {
        String xdg = environment.get("XDG_DATA_HOME");
        Path data = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : userHome().resolve(".local").resolve("share");
        return data.resolve("bcm-development-device").resolve("mnemonic").toAbsolutePath().normalize();
    }

    /** Where bcm kept the development device's mnemonic before, inside the bcm home; it is no longer read. */
    public Path formerDevelopmentMnemonicFile() {
        return home.root().resolve("trezor").resolve("development-device.mnemonic");
    }

    private Path userHome() {
        String configured = environment.get("HOME");
        return configured != null && !configured.isBlank() && Path.of(configured).isAbsolute()
                ? Path.of(configured) : Path.of(System.getProperty("user.home"));
    }

    /**
     * True when {@code file} is {@code dir} or below it, by its name or once symbolic links are
     * resolved (as far as the path exists).
     */
    static boolean inside(Path file, Path dir) {
        Path f = file.toAbsolutePath().normalize();
        Path d = dir.toAbsolutePath().normalize();
        return f.startsWith(d) || resolved(f).startsWith(resolved(d));
    }

    /** {@code path} with the symbolic links of its longest existing part resolved. */
    private static Path resolved(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(path)).normalize();
        } catch (IOException e) {
            return path;
        }
    }

    /**
     * The mnemonic file {@code serve} uses: {@code given}, else {@link #developmentMnemonicFile()};
     * never one inside the bcm home, and never the default while a mnemonic still lies at the former
     * place (it would silently be another device). Secrets are never moved: the messages say how.
     *
     * @param warnings what the operator should know, appended
     * @throws BcmException INVALID_INPUT for a file inside the bcm home, or a mnemonic only at the former place
     */
    private Path mnemonicFileToUse(Path given, List<String> warnings) {
        Path file = given != null ? given.toAbsolutePath().normalize() : developmentMnemonicFile();
        Path former = formerDevelopmentMnemonicFile();
        if (inside(file, home.root())) {
            throw new BcmException(Kind.INVALID_INPUT, (given != null ? "--mnemonic-file " + file : "the development device's default mnemonic file "
                    + file) + " is inside the bcm home " + home.root()
                    + ": a mnemonic must not lie next to the password store and identity it unlocks",
                    given != null ? "keep it outside the bcm home, e.g. " + developmentMnemonicFile() + " (the default), and give that"
                            : "set XDG_DATA_HOME (or HOME) to a directory outside " + home.root() + ", or give --mnemonic-file=FILE outside it");
        }
        if (Files.exists(former)) {
            if (given == null && !Files.exists(file)) {
                throw new BcmException(Kind.INVALID_INPUT, "the development device's mnemonic is at its former place, " + former
                        + ", inside the bcm home next to the password store it unlocks; bcm no longer reads it there",
                        "to keep its keys (and what was made with them), move it out: mkdir -m 700 -p " + file.getParent() + " && mv "
                                + former + " " + file + "; or give it elsewhere with --mnemonic-file; or delete it to start over with a"
                                + " new mnemonic");
            }
            warnings.add(former + " is a development device mnemonic at its former place, inside the bcm home; it is not used"
                    + " (the device uses " + file + "): delete it once nothing needs it");
        }
        return file;
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
     * A development device being served.
     *
     * @param server       the UDP server; {@link UdpDeviceServer#close()} stops it
     * @param mnemonicFile the mnemonic file it was started with
     * @param warnings     what the operator should know (e.g. a mnemonic left at the former place), one sentence each
     */
    public record ServedDevice(UdpDeviceServer server, Path mnemonicFile, List<String> warnings) {
        public ServedDevice {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * Starts the development device on 127.0.0.1:{@code spec.port()} (and the debug link on the next
     * port when {@link DevelopmentDeviceSpec#servesDebugLink()}), with the mnemonic in
     * {@code spec.mnemonicFile()}, else in {@link #developmentMnemonicFile()} (created when missing).
     *
     * @throws BcmException INVALID_INPUT for a mnemonic file inside the bcm home, a mnemonic left only at
     *                      the former place ({@link #formerDevelopmentMnemonicFile()}), an unreadable or
     *                      malformed file; CONFLICT when the ports are taken
     */
    public ServedDevice serveDevelopmentDevice(DevelopmentDeviceSpec spec) {
        List<String> warnings = new ArrayList<>();
        Path mnemonicFile = mnemonicFileToUse(spec.mnemonicFile(), warnings);
        DevelopmentDevice.Settings settings;
        try {
            String mnemonic = spec.mnemonicFile() == null ? readOrCreateMnemonic(mnemonicFile, MnemonicFile::generate)
                    : MnemonicFile.read(mnemonicFile);
            String pin = spec.pinFile() == null ? null : Files.readString(spec.pinFile(), StandardCharsets.UTF_8).strip();
            settings = new DevelopmentDevice.Settings(mnemonic, pin, false, spec.confirmation(), spec.servesDebugLink(), spec.screen());
        } catch (IOException | IllegalArgumentException e) {
            throw new BcmException(Kind.INVALID_INPUT, "cannot set up the development device: " + e.getMessage(),
                    "give a file with one line of BIP-39 words, mode 0600 (--mnemonic-file), and a PIN of digits 1-9 (--pin-file)", e);
        }
        try {
            return new ServedDevice(UdpDeviceServer.start(new DevelopmentDevice(settings), spec.port()), mnemonicFile, warnings);
        } catch (IOException e) {
            throw new BcmException(Kind.CONFLICT, e.getMessage(), "another emulator or development device runs there: stop it or choose --port", e);
        }
    }
}
