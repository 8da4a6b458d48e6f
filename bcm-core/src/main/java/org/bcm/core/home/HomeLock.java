package org.bcm.core.home;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * The lock that serializes commands changing one bcm home: an exclusive {@code fcntl} lock on
 * {@code <home>/.lock} (mode 0600), which the kernel releases when the holder exits, however it
 * exits. A home that does not exist yet is not locked (the command creating it is the first). The holder writes its pid, command and start time into the file, so a second command
 * says whom it waits for. Within one JVM (tests run several commands in one process) a lock per
 * home comes first, since the JVM refuses to lock one file twice; the thread that holds it may take
 * it again (a nested command), and any thread may close a handle.
 *
 * <pre>{@code
 * try (HomeLock lock = HomeLock.acquire(home, "bcm project deploy", message -> err.println(message))) {
 *     ...
 * }
 * }</pre>
 */
public final class HomeLock implements AutoCloseable {

    /** The lock file's name in the home. */
    public static final String FILE = ".lock";
    private static final Map<Path, InProcess> IN_PROCESS = new ConcurrentHashMap<>();

    private final InProcess inProcess;
    private final FileChannel channel;
    private final FileLock lock;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private HomeLock(InProcess inProcess, FileChannel channel, FileLock lock) {
        this.inProcess = inProcess;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code home}, waiting as long as another command holds it.
     *
     * @param command what the holder is doing, e.g. {@code bcm project deploy --project-name=x}
     * @param waiting told once, before waiting, who holds the lock
     * @throws BcmException INTERNAL when the lock file cannot be created or locked; when interrupted
     */
    public static HomeLock acquire(BcmHome home, String command, Consumer<String> waiting) {
        Path root = home.root();
        InProcess inProcess = IN_PROCESS.computeIfAbsent(root, r -> new InProcess());
        if (inProcess.enter(() -> waiting.accept("waiting for another command of this process to finish with " + root))) {
            return new HomeLock(inProcess, null, null);
        }
        FileChannel channel = null;
        try {
            if (!Files.isDirectory(root)) {
                // nothing to protect yet, and a command refused for bad input must not leave a home behind
                return new HomeLock(inProcess, null, null);
            }
            Path file = root.resolve(FILE);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            FileLock lock = channel.tryLock();
            if (lock == null) {
                waiting.accept("waiting for the lock of " + root + ", held by " + holder(channel));
                lock = channel.lock();
            }
            String me = "pid " + ProcessHandle.current().pid() + " (" + command + ") since "
                    + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n";
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
            return new HomeLock(inProcess, channel, lock);
        } catch (IOException e) {
            close(channel);
            inProcess.exit();
            if (e instanceof java.nio.channels.ClosedByInterruptException) {
                throw new BcmException(Kind.INTERNAL, "interrupted while waiting for the lock of " + root, null, e);
            }
            throw new BcmException(Kind.INTERNAL, "cannot lock " + root.resolve(FILE) + ": " + e.getMessage(),
                    "check the permissions of " + root, e);
        } catch (RuntimeException e) {
            close(channel);
            inProcess.exit();
            throw e;
        }
    }

    /** Who holds the lock, as the holder wrote it; "another process" when it wrote nothing (yet). */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(512);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "another process" : text;
    }

    /** Releases the lock (the file stays: deleting it would let two processes lock two files). Idempotent. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            if (channel != null) {
                try {
                    channel.truncate(0);
                } catch (IOException e) {
                    // the next holder overwrites it anyway
                }
                try {
                    lock.release();
                } catch (IOException e) {
                    // closing the channel releases it too
                }
                close(channel);
            }
        } finally {
            inProcess.exit();
        }
    }

    private static void close(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }

    /** The lock of one home among the threads of this JVM: reentrant for its owner, released by any thread. */
    private static final class InProcess {
        private Thread owner;
        private int holds;

        /**
         * Takes it, waiting while another thread holds it (telling {@code waiting} once).
         *
         * @return true when the current thread held it already (a nested hold: the file is locked)
         */
        synchronized boolean enter(Runnable waiting) {
            Thread me = Thread.currentThread();
            if (owner == me) {
                holds++;
                return true;
            }
            if (owner != null) {
                waiting.run();
            }
            while (owner != null) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BcmException(Kind.INTERNAL, "interrupted while waiting for the lock of the bcm home", null, e);
                }
            }
            owner = me;
            holds = 1;
            return false;
        }

        synchronized void exit() {
            if (--holds == 0) {
                owner = null;
                notifyAll();
            }
        }
    }
}
