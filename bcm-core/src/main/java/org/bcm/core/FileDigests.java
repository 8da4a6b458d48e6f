package org.bcm.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import org.bcm.core.home.BcmHome;

/**
 * The {@link Sha256} of files, remembered by path, inode, size, modification and change time (as
 * git's index remembers what it hashed), so that a file that did not change is not read again: bcm
 * hashes the jars of its own distribution for the images that carry them at every command that reads
 * the stacks. Replacing or writing a file gives it a new change time (which no program can set back),
 * so a changed file is hashed again.
 *
 * <p>The cache file has one line per file: {@code <sha256> <stat> <absolute path>}, the stat being
 * {@code <inode>:<size>:<mtime ns>:<ctime ns>} (size and mtime only where the file system has no
 * unix attributes). A
 * malformed, missing or unwritable cache only means hashing again: it never fails a command.
 */
public final class FileDigests {

    private final Path cacheFile;
    private final Map<String, String> entries = new TreeMap<>();
    private final Map<String, String> used = new TreeMap<>();
    private boolean changed;

    private FileDigests(Path cacheFile) {
        this.cacheFile = cacheFile;
    }

    /** Digests remembered for this process only. */
    public static FileDigests uncached() {
        return new FileDigests(null);
    }

    /** Digests remembered in {@code cacheFile} (read now if it exists; written by {@link #save}). */
    public static FileDigests cachedIn(Path cacheFile) {
        FileDigests digests = new FileDigests(cacheFile);
        try {
            for (String line : Files.readAllLines(cacheFile, StandardCharsets.UTF_8)) {
                String[] parts = line.split(" ", 3);
                if (parts.length == 3 && parts[0].matches("[0-9a-f]{64}")) {
                    digests.entries.put(parts[1] + " " + parts[2], parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no cache yet, or an unreadable one: hash again
        }
        return digests;
    }

    /**
     * The SHA-256 of the file's content, as 64 hex digits.
     *
     * @throws IOException when the file cannot be read
     */
    public synchronized String sha256(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        String key = stat(absolute) + " " + absolute;
        String digest = entries.get(key);
        if (digest == null) {
            digest = Sha256.hex(absolute);
            entries.put(key, digest);
            changed = true;
        }
        used.put(key, digest);
        return digest;
    }

    private static String stat(Path file) throws IOException {
        try {
            Map<String, Object> unix = Files.readAttributes(file, "unix:ino,size,lastModifiedTime,ctime");
            return unix.get("ino") + ":" + unix.get("size") + ":" + nanos((FileTime) unix.get("lastModifiedTime"))
                    + ":" + nanos((FileTime) unix.get("ctime"));
        } catch (UnsupportedOperationException e) {
            // a file system without unix attributes: size and modification time only
            BasicFileAttributes basic = Files.readAttributes(file, BasicFileAttributes.class);
            return basic.size() + ":" + nanos(basic.lastModifiedTime());
        }
    }

    private static long nanos(FileTime time) {
        return time.toInstant().getEpochSecond() * 1_000_000_000L + time.toInstant().getNano();
    }

    /**
     * Writes the cache file, with the files asked about since it was read, when one was new or one it
     * held was not asked about (a file of an older distribution); atomically, mode 0600; never throws.
     */
    public synchronized void save() {
        if (cacheFile == null || !changed && used.size() == entries.size()) {
            return;
        }
        StringBuilder lines = new StringBuilder();
        used.forEach((key, digest) -> lines.append(digest).append(' ').append(key).append('\n'));
        try {
            Files.createDirectories(cacheFile.getParent());
            BcmHome.writeAtomically(cacheFile, lines.toString().getBytes(StandardCharsets.UTF_8), true);
            changed = false;
        } catch (IOException | RuntimeException e) {
            // a cache: the next command hashes again
        }
    }
}
