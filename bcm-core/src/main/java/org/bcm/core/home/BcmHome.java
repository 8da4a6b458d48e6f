package org.bcm.core.home;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
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
 * Files are written atomically (a temporary file in the same directory, then a rename), so a bcm
 * killed mid-write leaves either the old or the new content, never half of one.
 */
public final class BcmHome {

    private final Path root;

    public BcmHome(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The home named by {@code BCM_HOME} in {@code environment}, else {@code ~/.bcm}. */
    public static BcmHome fromEnvironment(Map<String, String> environment) {
        String configured = environment.get("BCM_HOME");
        if (configured != null && !configured.isBlank()) {
            return new BcmHome(Path.of(configured));
        }
        return new BcmHome(Path.of(System.getProperty("user.home"), ".bcm"));
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

    public Path imageCacheDir() {
        return root.resolve("cache").resolve("images");
    }

    /**
     * Writes {@code content} to {@code file} atomically, creating parent directories.
     *
     * @param privateFile when true the file gets mode 0600 before any content is written to it
     * @throws UncheckedIOException when the file cannot be written
     */
    public static void writeAtomically(Path file, byte[] content, boolean privateFile) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                if (privateFile) {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } else {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
                }
                Files.write(tmp, content);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Failed writing " + file + ": " + e.getMessage(), e);
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
