package org.bcm.core.home;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The layout of bcm's home directory on the controller: {@code $BCM_HOME}, or {@code ~/.bcm}.
 *
 * <pre>
 * config.yml                  the active cluster
 * clusters/NAME/cluster.yml   a cluster definition (what the operator asked for)
 * clusters/NAME/docker/       the Docker sockets LXD proxies out of the tier containers
 * cache/images/               base image tarballs, by recipe hash
 * </pre>
 *
 * Files are written atomically and durably (a temporary file in the same directory, fsynced, then a
 * rename, and the directory fsynced), so a bcm killed mid-write, or a power loss, leaves either the
 * old or the new content, never half of one. Commands that change the home hold its lock
 * ({@link HomeLock}).
 */
public final class BcmHome {

    private final Path root;
    private final Path cacheDir;

    /** A home at {@code root} whose cache is {@code root/cache}. */
    public BcmHome(Path root) {
        this(root, root.resolve("cache"));
    }

    /**
     * @param root     the home directory
     * @param cacheDir where built images are cached (rebuildable, may be shared by several homes)
     */
    public BcmHome(Path root, Path cacheDir) {
        this.root = root.toAbsolutePath().normalize();
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
    }

    /**
     * The home named by {@code BCM_HOME} in {@code environment}, else {@code ~/.bcm}; its cache is
     * {@code BCM_CACHE_DIR} when set, else {@code <home>/cache}.
     */
    public static BcmHome fromEnvironment(Map<String, String> environment) {
        String configured = environment.get("BCM_HOME");
        Path root = configured != null && !configured.isBlank()
                ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".bcm");
        String cache = environment.get("BCM_CACHE_DIR");
        return new BcmHome(root, cache != null && !cache.isBlank() ? Path.of(cache) : root.resolve("cache"));
    }

    public Path root() {
        return root;
    }

    public Path configFile() {
        return root.resolve("config.yml");
    }

    public Path clustersDir() {
        return root.resolve("clusters");
    }

    public Path clusterDir(String clusterName) {
        return clustersDir().resolve(clusterName);
    }

    /** The controller's own identity towards remote LXD endpoints: {@code lxd-client.crt}, {@code lxd-client.key} (0600). */
    public Path controllerDir() {
        return root.resolve("controller");
    }

    /** Cache of built images: rebuildable, so deleting it loses nothing but time. */
    public Path cacheDir() {
        return cacheDir;
    }

    /** Cache of the LXD base image tarballs. */
    public Path imageCacheDir() {
        return cacheDir.resolve("images");
    }

    /** Project definitions, one directory per project. */
    public Path projectsDir() {
        return root.resolve("projects");
    }

    public Path projectDir(String projectName) {
        return projectsDir().resolve(projectName);
    }

    /** The operator's own stacks, beside (and overriding) the ones shipped with bcm. */
    public Path stacksDir() {
        return root.resolve("stacks");
    }

    /** The operator's ssh identities ({@code identities}) and the agent's socket ({@code S.ssh-agent}); mode 0700. */
    public Path sshDir() {
        return root.resolve("ssh");
    }

    /**
     * The names of the directories in {@code dir} that hold a file {@code marker} (the stored
     * clusters, the stored projects), sorted; empty when {@code dir} does not exist.
     *
     * @throws org.bcm.core.BcmException INTERNAL when {@code dir} cannot be listed
     */
    public static List<String> namesHolding(Path dir, String marker) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var entries = Files.list(dir)) {
            return entries.filter(p -> Files.exists(p.resolve(marker))).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new org.bcm.core.BcmException(org.bcm.core.BcmException.Kind.INTERNAL,
                    "Failed listing " + dir + ": " + e.getMessage(), null, e);
        }
    }

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code content} to {@code file} atomically and durably, creating parent directories: a
     * temporary file beside it is written and fsynced, the directory is fsynced, the temporary file is
     * renamed over {@code file}, and the directory is fsynced again. A crash at any point leaves the
     * old content or the new one, never half of one, and once this returns the new content survives a
     * power loss.
     *
     * @param privateFile when true the file gets mode 0600 before any content is written to it
     * @throws UncheckedIOException when the file cannot be written
     */
    public static void writeAtomically(Path file, byte[] content, boolean privateFile) {
        try {
            Path tmp = writeTemporary(file, privateFile, out -> out.write(content));
            try {
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
                syncDirectory(tmp.getParent());
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Failed writing " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates {@code file} with the content {@code content} writes, atomically and durably as {@link
     * #writeAtomically}, but never over a file that exists, even one that appeared while the content
     * was being written (the temporary file is hard-linked to the name, which fails when the name is
     * taken). When {@code content} fails nothing is left behind.
     *
     * @param privateFile when true the file gets mode 0600 before any content is written to it
     * @throws java.nio.file.FileAlreadyExistsException when {@code file} exists
     * @throws java.nio.file.NoSuchFileException when its directory does not exist (it is not created)
     * @throws IOException when the file cannot be written, or {@code content} fails
     */
    public static void createNew(Path file, boolean privateFile, Content content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "the folder does not exist");
        }
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.FileAlreadyExistsException(file.toString());
        }
        Path tmp = writeTemporary(file, privateFile, content);
        try {
            try {
                Files.createLink(file, tmp);
            } catch (UnsupportedOperationException e) {
                // no hard links on this file system: a rename that refuses an existing target
                Files.move(tmp, file);
            }
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A temporary file beside {@code file} holding the content, its mode set before, fsynced after. */
    private static Path writeTemporary(Path file, boolean privateFile, Content content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(privateFile ? "rw-------" : "rw-r--r--")));
        try {
            // createTempFile's attribute is filtered by the umask: set the mode again
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(privateFile ? "rw-------" : "rw-r--r--"));
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(channel)) {
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            syncDirectory(dir);
            return tmp;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** fsync of a directory, so that the names created or renamed in it are on disk. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** The content of {@code file}, or empty when it does not exist. */
    public static Optional<byte[]> read(Path file) {
        try {
            return Files.exists(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed reading " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds {@code line} at the end of a text file (UTF-8; created when missing) unless one of its lines
     * already matches {@code present}; the whole file is rewritten through {@link #writeAtomically}, so a
     * reader (sshd, git) never sees half of it.
     *
     * @return whether the line was added
     * @throws UncheckedIOException when the file cannot be read or written
     */
    public static boolean appendLineOnce(Path file, String line, java.util.function.Predicate<String> present, boolean privateFile) {
        String existing = new String(read(file).orElse(new byte[0]), java.nio.charset.StandardCharsets.UTF_8);
        if (existing.lines().anyMatch(present)) {
            return false;
        }
        String text = existing + (existing.isEmpty() || existing.endsWith("\n") ? "" : "\n") + line + "\n";
        writeAtomically(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), privateFile);
        return true;
    }

    /** Deletes {@code dir} and everything below it; nothing happens when it does not exist. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Failed deleting " + dir + ": " + e.getMessage(), e);
        }
    }
}
