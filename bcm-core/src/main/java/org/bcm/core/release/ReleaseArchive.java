package org.bcm.core.release;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * Installs files of a verified release archive into an unpacked root filesystem: the entries a
 * {@link ReleaseSpec#install()} names, each as a regular file of mode 0755 at its image path; a
 * directory ({@code usr/libexec/c-lightning/: /usr/libexec/c-lightning/}) brings every regular file
 * below it, at the same relative path, mode 0755 when the archive gives it an execute bit, else 0644
 * (its links and other entries are not installed). The
 * archive is read with Apache Commons Compress (tar, in gzip, bzip2 or xz by its file name); nothing
 * else of it is unpacked, so its other entries (links, absolute or {@code ..} names) cannot reach the
 * root filesystem.
 */
public final class ReleaseArchive {

    private ReleaseArchive() {
    }

    /**
     * Installs the release's files.
     *
     * @param archive the verified archive (from {@link Releases#require})
     * @param rootfs  the unpacked root filesystem
     * @throws BcmException INVALID_INPUT when an install path is not a regular file of the archive (the
     *     message names it and some entries of the archive), or an image path's directory leads out of
     *     {@code rootfs} through a symbolic link; INTERNAL when the archive cannot be read
     */
    public static void install(ReleaseSpec spec, Path archive, Path rootfs) {
        Map<String, String> wanted = new LinkedHashMap<>(spec.install());
        List<String> seen = new ArrayList<>();
        java.util.Set<String> directories = new java.util.HashSet<>();
        try (InputStream file = Files.newInputStream(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(decompress(spec.archiveName(), new BufferedInputStream(file)))) {
            Path root = rootfs.toRealPath();
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                if (seen.size() < 12 && !entry.isDirectory()) {
                    seen.add(name);
                }
                String target = name.endsWith("/") ? null : wanted.remove(name);
                int mode = 0755;
                if (target == null) {
                    target = inDirectory(spec.install(), name, entry, directories);
                    if (target == null) {
                        continue;
                    }
                    mode = (entry.getMode() & 0111) != 0 ? 0755 : 0644;
                }
                if (!entry.isFile()) {
                    throw new BcmException(Kind.INVALID_INPUT, "Image recipe " + spec.origin() + ": " + name + " in " + spec.archiveName()
                            + " is " + (entry.isSymbolicLink() ? "a symbolic link to " + entry.getLinkName() : "not a regular file"),
                            "install the file it points to instead (release.install)");
                }
                Path path = root.resolve(target.substring(1));
                Files.createDirectories(path.getParent());
                if (!path.getParent().toRealPath().startsWith(root)) {
                    throw new BcmException(Kind.INVALID_INPUT, "Image recipe " + spec.origin() + ": the image path " + target
                            + " leads out of the image through a symbolic link", "install it to another path (release.install)");
                }
                if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    throw new BcmException(Kind.INVALID_INPUT, "Image recipe " + spec.origin() + ": the image path " + target
                            + " is a directory in the image", "name a file path (release.install)");
                }
                Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode == 0755 ? "rwxr-xr-x" : "rw-r--r--"));
            }
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed installing the files of " + spec.archiveName() + " (" + spec.title() + "): "
                    + e.getMessage(), "the cached archive was verified; check the free space of the build directory", e);
        }
        wanted.keySet().removeAll(directories);
        if (!wanted.isEmpty()) {
            throw new BcmException(Kind.INVALID_INPUT, "Image recipe " + spec.origin() + ": " + spec.archiveName() + " holds no file "
                    + String.join(", ", wanted.keySet()), "fix release.install; the archive holds e.g. " + String.join(", ", seen));
        }
    }

    /**
     * The image path of a regular file {@code name} below a directory the spec installs (removing that
     * directory from {@code wanted}, as found), or null.
     */
    private static String inDirectory(Map<String, String> install, String name, TarArchiveEntry entry, java.util.Set<String> found) {
        if (!entry.isFile()) {
            return null;
        }
        for (var dir : install.entrySet()) {
            String relative = dir.getKey().endsWith("/") && name.startsWith(dir.getKey()) ? name.substring(dir.getKey().length()) : "";
            if (!relative.isEmpty() && !List.of(relative.split("/")).contains("..") && !relative.startsWith("/")) {
                found.add(dir.getKey());
                return dir.getValue() + relative;
            }
        }
        return null;
    }

    private static InputStream decompress(String name, InputStream in) throws IOException {
        if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
            return new GzipCompressorInputStream(in, true);
        }
        if (name.endsWith(".tar.bz2")) {
            return new BZip2CompressorInputStream(in, true);
        }
        if (name.endsWith(".tar.xz")) {
            return new XZCompressorInputStream(in, true);
        }
        return in;
    }
}
