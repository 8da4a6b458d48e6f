package org.bcm.rpcproxy;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk cache of blocks fetched from peers, so that a block bitcoind prunes again can still be
 * served for {@code getblock <hash> 0}. One file per block, {@code <hash>.block}, holding the block's
 * serialisation (half the size of its hex); least recently used blocks are deleted beyond the size
 * limit. A file is written under a temporary name and renamed into place only after its header hashes
 * to the block hash (SHA-256d of the first 80 bytes, reversed), so a truncated or foreign answer is
 * never served. Thread-safe; an evicted file being read stays readable until closed (POSIX).
 */
final class BlockCache {

    private static final Logger LOG = LoggerFactory.getLogger(BlockCache.class);
    private static final String SUFFIX = ".block";
    private static final int[] HEX_VALUE = new int[256];

    static {
        java.util.Arrays.fill(HEX_VALUE, -1);
        for (int i = 0; i < 10; i++) HEX_VALUE['0' + i] = i;
        for (int i = 0; i < 6; i++) {
            HEX_VALUE['a' + i] = 10 + i;
            HEX_VALUE['A' + i] = 10 + i;
        }
    }

    /** A cached block: its file and size in bytes. */
    record Entry(Path file, long size) {}

    private final Path dir;
    private final long maxBytes;
    private final LinkedHashMap<String, Long> lru = new LinkedHashMap<>(16, 0.75f, true);
    private long totalBytes;

    /**
     * Opens the cache directory, creating missing levels owner-only (0700; the proxy's cookie may live
     * there too), and indexes the blocks already there, oldest first.
     *
     * @throws RpcProxyException (CACHE_UNUSABLE) when the directory cannot be created or listed
     */
    BlockCache(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        if (maxBytes <= 0) {
            return;
        }
        try {
            PrivateDirectory.create(dir);
            if (!Files.isWritable(dir)) {
                throw new IOException("not writable");
            }
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                for (Path p : s) {
                    String name = p.getFileName().toString();
                    if (name.endsWith(".tmp")) {
                        Files.deleteIfExists(p);
                    } else if (name.endsWith(SUFFIX) && isHash(name.substring(0, name.length() - SUFFIX.length()))) {
                        files.add(p);
                    }
                }
            }
            files.sort((a, b) -> {
                try {
                    return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
                } catch (IOException e) {
                    return 0;
                }
            });
            for (Path p : files) {
                String name = p.getFileName().toString();
                long size = Files.size(p);
                lru.put(name.substring(0, name.length() - SUFFIX.length()), size);
                totalBytes += size;
            }
            evict();
        } catch (IOException e) {
            throw new RpcProxyException(RpcProxyException.Reason.CACHE_UNUSABLE,
                    "cannot use the block cache directory " + dir + ": " + e.getMessage()
                            + " (set cache-dir to a writable directory, or cache-size=0 to run without a cache)", e);
        }
    }

    boolean enabled() {
        return maxBytes > 0;
    }

    synchronized long bytes() {
        return totalBytes;
    }

    synchronized int blocks() {
        return lru.size();
    }

    /** The cached block, marked as just used. */
    synchronized Optional<Entry> get(String hash) {
        Long size = lru.get(hash);
        return size == null ? Optional.empty() : Optional.of(new Entry(dir.resolve(hash + SUFFIX), size));
    }

    /** Starts writing {@code hash}; a disabled cache returns a writer that discards. */
    Writer writer(String hash) {
        return new Writer(hash);
    }

    private synchronized void add(String hash, long size) {
        Long old = lru.put(hash, size);
        if (old != null) totalBytes -= old;
        totalBytes += size;
        evict();
    }

    private void evict() {
        Iterator<Map.Entry<String, Long>> it = lru.entrySet().iterator();
        while (totalBytes > maxBytes && it.hasNext()) {
            Map.Entry<String, Long> e = it.next();
            it.remove();
            totalBytes -= e.getValue();
            try {
                Files.deleteIfExists(dir.resolve(e.getKey() + SUFFIX));
            } catch (IOException ex) {
                LOG.warn("cannot delete cached block {}: {}", e.getKey(), ex.getMessage());
            }
        }
    }

    static boolean isHash(String s) {
        return s.length() == 64 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /** Writes one block from its hex, as it streams from bitcoind. Used on one thread. */
    final class Writer {
        private final String hash;
        private Path tmp;
        private FileChannel out;
        private final ByteBuffer buffer = ByteBuffer.allocate(32768);
        private final byte[] header = new byte[80];
        private long written;
        private int pendingNibble = -1;
        private boolean failed;

        private Writer(String hash) {
            this.hash = hash;
            if (!enabled()) {
                failed = true;
                return;
            }
            try {
                tmp = dir.resolve(hash + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (IOException e) {
                LOG.warn("cannot cache block {}: {}", hash, e.getMessage());
                failed = true;
            }
        }

        /** Decodes and writes hex characters (ASCII, lower or upper case). */
        void hex(ByteBuf chars) {
            if (failed) return;
            int end = chars.writerIndex();
            for (int i = chars.readerIndex(); i < end; i++) {
                int v = HEX_VALUE[chars.getByte(i) & 0xff];
                if (v < 0) {
                    abort();
                    return;
                }
                if (pendingNibble < 0) {
                    pendingNibble = v;
                } else {
                    put((byte) (pendingNibble << 4 | v));
                    pendingNibble = -1;
                }
            }
        }

        private void put(byte b) {
            if (written < 80) header[(int) written] = b;
            written++;
            buffer.put(b);
            if (!buffer.hasRemaining()) flush();
        }

        private void flush() {
            buffer.flip();
            try {
                while (buffer.hasRemaining()) out.write(buffer);
            } catch (IOException e) {
                LOG.warn("cannot cache block {}: {}", hash, e.getMessage());
                abort();
            }
            buffer.clear();
        }

        /** Ends the block: kept when complete and its header hashes to {@code hash}. */
        void commit() {
            if (failed) return;
            flush();
            if (failed) return;
            try {
                out.close();
                if (pendingNibble >= 0 || written < 80 || !hash.equals(headerHash())) {
                    LOG.warn("not caching block {}: bitcoind's answer did not hash to it", hash);
                    Files.deleteIfExists(tmp);
                    return;
                }
                Path target = dir.resolve(hash + SUFFIX);
                try {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                add(hash, written);
                LOG.debug("cached block {} ({} bytes)", hash, written);
            } catch (IOException e) {
                LOG.warn("cannot cache block {}: {}", hash, e.getMessage());
                abort();
            }
        }

        /** Drops the partial file. */
        void abort() {
            if (failed) return;
            failed = true;
            try {
                out.close();
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // best effort
            }
        }

        private String headerHash() {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] h = sha.digest(sha.digest(header));
                for (int i = 0; i < 16; i++) {
                    byte t = h[i];
                    h[i] = h[31 - i];
                    h[31 - i] = t;
                }
                return HexFormat.of().formatHex(h);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
