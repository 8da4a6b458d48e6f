package org.bcm.rpcproxy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Creates the proxy's own directories (the per-chain directory of the block cache and of the cookie)
 * accessible to their owner only: every missing level is created with mode 0700, whatever the umask. A
 * directory that exists already is left as it is.
 */
final class PrivateDirectory {

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private PrivateDirectory() {}

    /**
     * Creates {@code dir} and its missing parents, each 0700 (on a file system without POSIX permissions,
     * with its defaults).
     *
     * @throws IOException when a level cannot be created, or exists and is not a directory
     */
    static void create(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        if (missing.isEmpty()) {
            return;
        }
        // the file system, not the file store: finding a file store reads the mount table, which a chroot does not match
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        for (Path p : missing) {
            try {
                if (posix) {
                    FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
                    Files.createDirectory(p, mode);
                    Files.setPosixFilePermissions(p, OWNER_ONLY); // the umask may have taken bits away
                } else {
                    Files.createDirectory(p);
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw e;
                }
                // made meanwhile by someone else: left as it is
            }
        }
    }
}
