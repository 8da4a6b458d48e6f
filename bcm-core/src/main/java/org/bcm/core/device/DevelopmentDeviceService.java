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
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.trezor.DeviceFeatures;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bcm.trezor.dev.MnemonicFile;
import org.bcm.trezor.dev.UdpDeviceServer;

/**
 * {@code bcm device serve}: runs the development device (bcm-trezor-dev), a software Trezor for tests
 * and demos, with its mnemonic kept outside the bcm home. The only class of bcm-core that reaches
 * bcm-trezor-dev; the device client ({@link DeviceService}) never does.
 */
public final class DevelopmentDeviceService {

    private final BcmHome home;
    private final Map<String, String> environment;

    /**
     * @param home        the bcm home, inside which no mnemonic may lie
     * @param environment where XDG_DATA_HOME and HOME are read (the default mnemonic file's place)
     */
    public DevelopmentDeviceService(BcmHome home, Map<String, String> environment) {
        this.home = home;
        this.environment = environment;
    }

    /**
     * Where the development device keeps its mnemonic by default, outside the bcm home (whose password
     * store and identity the mnemonic unlocks): {@code $XDG_DATA_HOME/bcm-development-device/mnemonic},
     * or {@code ~/.local/share/bcm-development-device/mnemonic} when XDG_DATA_HOME is unset or not an
     * absolute path (XDG Base Directory Specification). {@code ~} is {@code HOME}, else the JVM's
     * {@code user.home}.
     */
    public Path defaultMnemonicFile() {
        String xdg = environment.get("XDG_DATA_HOME");
        Path data = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : userHome().resolve(".local").resolve("share");
        return data.resolve("bcm-development-device").resolve("mnemonic").toAbsolutePath().normalize();
    }

    /** Where bcm kept the development device's mnemonic before, inside the bcm home; it is no longer read. */
    public Path formerMnemonicFile() {
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
     * The mnemonic file {@code serve} uses: {@code given}, else {@link #defaultMnemonicFile()};
     * never one inside the bcm home, and never the default while a mnemonic still lies at the former
     * place (it would silently be another device). Secrets are never moved: the messages say how.
     *
     * @param warnings what the operator should know, appended
     * @throws BcmException INVALID_INPUT for a file inside the bcm home, or a mnemonic only at the former place
     */
    private Path mnemonicFileToUse(Path given, List<String> warnings) {
        Path file = given != null ? given.toAbsolutePath().normalize() : defaultMnemonicFile();
        Path former = formerMnemonicFile();
        if (inside(file, home.root())) {
            throw new BcmException(Kind.INVALID_INPUT, (given != null ? "--mnemonic-file " + file : "the development device's default mnemonic file "
                    + file) + " is inside the bcm home " + home.root()
                    + ": a mnemonic must not lie next to the password store and identity it unlocks",
                    given != null ? "keep it outside the bcm home, e.g. " + defaultMnemonicFile() + " (the default), and give that"
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
     * @param port              the normal link's UDP port on 127.0.0.1 (0: a free one)
     * @param mnemonicFile      the mnemonic, or null for {@link #defaultMnemonicFile()} (created when missing)
     * @param pinFile           a file holding the PIN the device asks for, or null for none
     * @param debugLinkConfirms requests wait for a DebugLinkDecision on the debug link, as on the emulator
     *                          ({@code --confirm=debug-link}: tests that refuse or time out); false: each is
     *                          confirmed at once and logged ({@code --confirm=auto})
     * @param debugLink         serve the debug link on {@code port + 1} (always when {@code debugLinkConfirms})
     * @param screen            where the device shows its PIN matrix (a terminal), or null for nowhere
     */
    public record DevelopmentDeviceSpec(int port, Path mnemonicFile, Path pinFile, boolean debugLinkConfirms, boolean debugLink,
                                        Consumer<String> screen) {

        /** True when the debug link is served: asked for, or needed by the confirmation. */
        public boolean servesDebugLink() {
            return debugLink || debugLinkConfirms;
        }
    }

    /** A development device being served, until {@link #close()}. */
    public static final class ServedDevice implements AutoCloseable {
        private final UdpDeviceServer server;
        private final Path mnemonicFile;
        private final List<String> warnings;

        ServedDevice(UdpDeviceServer server, Path mnemonicFile, List<String> warnings) {
            this.server = server;
            this.mnemonicFile = mnemonicFile;
            this.warnings = List.copyOf(warnings);
        }

        /** The UDP port of the normal link on 127.0.0.1. */
        public int port() {
            return server.port();
        }

        /** The UDP port of the debug link on 127.0.0.1, when it is served. */
        public OptionalInt debugLinkPort() {
            return server.debugLinkPort();
        }

        /** The mnemonic file it was started with. */
        public Path mnemonicFile() {
            return mnemonicFile;
        }

        /**
         * What the operator must know, one sentence each: that this is the development device, whose keys have
         * no hardware protection; that a real wallet's mnemonic must never be given to it; then what concerns
         * this start (e.g. a mnemonic left at {@link DevelopmentDeviceService#formerMnemonicFile() the former place}).
         */
        public List<String> warnings() {
            return warnings;
        }

        /** Waits until the device is stopped ({@link #close()}, from another thread or a shutdown hook). */
        public void awaitClose() throws InterruptedException {
            server.awaitClose();
        }

        /** Stops the device and frees its ports. */
        @Override
        public void close() {
            server.close();
        }
    }

    /**
     * Starts the development device on 127.0.0.1:{@code spec.port()} (and the debug link on the next
     * port when {@link DevelopmentDeviceSpec#servesDebugLink()}), with the mnemonic in
     * {@code spec.mnemonicFile()}, else in {@link #defaultMnemonicFile()} (created when missing).
     *
     * @throws BcmException INVALID_INPUT for a mnemonic file inside the bcm home, a mnemonic left only at
     *                      the former place ({@link #formerMnemonicFile()}), an unreadable or
     *                      malformed file; CONFLICT when the ports are taken
     */
    public ServedDevice serve(DevelopmentDeviceSpec spec) {
        List<String> warnings = new ArrayList<>(List.of(DeviceFeatures.DEVELOPMENT_WARNING, DevelopmentDevice.SERVE_WARNING));
        Path mnemonicFile = mnemonicFileToUse(spec.mnemonicFile(), warnings);
        DevelopmentDevice.Settings settings;
        try {
            String mnemonic = spec.mnemonicFile() == null ? readOrCreateMnemonic(mnemonicFile, MnemonicFile::generate)
                    : MnemonicFile.read(mnemonicFile);
            String pin = spec.pinFile() == null ? null : Files.readString(spec.pinFile(), StandardCharsets.UTF_8).strip();
            DevelopmentDevice.Confirmation confirmation = spec.debugLinkConfirms() ? DevelopmentDevice.Confirmation.DEBUG_LINK
                    : DevelopmentDevice.Confirmation.AUTO;
            settings = new DevelopmentDevice.Settings(mnemonic, pin, false, confirmation, spec.servesDebugLink(), spec.screen());
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
