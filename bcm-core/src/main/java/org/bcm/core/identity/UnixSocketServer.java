package org.bcm.core.identity;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AF_UNIX stream socket an agent (ssh-agent, gpg-agent) listens on, and the life of its
 * connections: {@link #listen} makes the socket file (mode 0600, in a directory of mode 0700 that
 * must not be open to other users; a stale socket file there is replaced), {@link #serve} accepts
 * clients and serves each on a thread of its own, {@link #close()} ends every connection and removes
 * the socket file if it is still this server's. Requests that must not overlap (one device request
 * at a time) go through {@link #oneAtATime}.
 *
 * <p>Errors and log lines (SLF4J) name the agent as its {@link Naming} says, e.g.
 * {@code ssh-agent: accept on PATH failed: ...} or "a gpg-agent already listens on PATH".
 */
public final class UnixSocketServer implements AutoCloseable {

    /**
     * How an agent is named in errors and log lines, and what its errors advise.
     *
     * @param name     the agent, e.g. {@code ssh-agent}: log lines start with {@code name:}, threads are
     *                 named {@code name-accept} and {@code name-N}
     * @param article  {@code a} or {@code an}, as the name is spoken ("an ssh-agent", "a gpg-agent")
     * @param liveHint the hint of the CONFLICT when an agent already answers on the socket given
     * @param home     the setting that places the socket (e.g. {@code BCM_HOME}, {@code GNUPGHOME}),
     *                 named in the hint when the socket's path is too long
     */
    public record Naming(String name, String article, Function<Path, String> liveHint, String home) {
        public Naming {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(article, "article");
            Objects.requireNonNull(liveHint, "liveHint");
            Objects.requireNonNull(home, "home");
        }
    }

    /** Serves one client. */
    @FunctionalInterface
    public interface Connection {
        /**
         * Answers {@code client} until it hangs up, breaks the protocol or the agent stops; the server
         * closes the channel afterwards.
         *
         * @throws IOException when the connection fails: logged (DEBUG) unless the server is closing
         */
        void serve(SocketChannel client) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketServer.class);
    private static final Map<String, AtomicInteger> CONNECTIONS = new ConcurrentHashMap<>();

    private final Path socket;
    private final Naming naming;
    private final ServerSocketChannel server;
    private final Object fileKey;
    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean serving = new AtomicBoolean();
    private final Object lock = new Object();

    private UnixSocketServer(Path socket, Naming naming, ServerSocketChannel server, Object fileKey) {
        this.socket = socket;
        this.naming = naming;
        this.server = server;
        this.fileKey = fileKey;
    }

    /**
     * Listens on {@code socket}; clients wait in the backlog until {@link #serve}.
     *
     * @param socket where the socket file goes; its directory is created with mode 0700 when missing
     *               and must not be open to other users; a stale socket file there is replaced
     * @param naming how errors and log lines name the agent
     * @throws BcmException CONFLICT when an agent already answers on {@code socket} ("an ssh-agent
     *                      already listens on PATH", with {@link Naming#liveHint}) or the path is taken
     *                      by something else than a socket, INVALID_INPUT when the directory is open to
     *                      other users, INTERNAL when it cannot listen (e.g. a path longer than a unix
     *                      socket's ~100 bytes, then the hint names {@link Naming#home}) or for other
     *                      I/O failures
     */
    public static UnixSocketServer listen(Path socket, Naming naming) {
        Objects.requireNonNull(naming, "naming");
        Path path = socket.toAbsolutePath();
        privateDirectory(path.getParent());
        removeStale(path, naming);
        ServerSocketChannel server = null;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            Object fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return new UnixSocketServer(path, naming, server, fileKey);
        } catch (IOException | RuntimeException e) {
            closeQuietly(server, naming.name());
            throw new BcmException(BcmException.Kind.INTERNAL, "cannot listen on " + path + ": " + e.getMessage(),
                    path.toString().length() > 100 ? "unix socket paths are limited to about 100 bytes: choose a shorter " + naming.home() : null, e);
        }
    }

    /**
     * Accepts clients until {@link #close()}, each served by {@code connection} on a thread of its own
     * (a daemon). A failure to accept is logged (WARN) and closes the server.
     *
     * @throws IllegalStateException when this server serves already
     */
    public void serve(Connection connection) {
        Objects.requireNonNull(connection, "connection");
        if (!serving.compareAndSet(false, true)) {
            throw new IllegalStateException(naming.name() + " on " + socket + " is served already");
        }
        Thread acceptor = new Thread(() -> accept(connection), naming.name() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The socket file, absolute. */
    public Path socket() {
        return socket;
    }

    /** Whether {@link #close()} has begun. */
    public boolean isClosed() {
        return stopping.get();
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    /**
     * Runs {@code request} while no other request of this server runs (device requests are made one
     * at a time), and returns what it returns; what it throws goes to the caller.
     */
    public <T> T oneAtATime(Supplier<T> request) {
        synchronized (lock) {
            return request.get();
        }
    }

    /**
     * Stops listening, ends every connection and deletes the socket file if it is still this server's
     * (not replaced by another agent's); idempotent.
     */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(server, naming.name());
        clients.forEach(c -> closeQuietly(c, naming.name()));
        try {
            Object current = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (fileKey == null || fileKey.equals(current)) {
                Files.deleteIfExists(socket);
            }
        } catch (NoSuchFileException gone) {
            // removed already
        } catch (IOException e) {
            LOG.warn("{}: cannot remove {}: {}", naming.name(), socket, e.getMessage());
        }
        closed.countDown();
    }

    private void accept(Connection connection) {
        AtomicInteger connections = CONNECTIONS.computeIfAbsent(naming.name(), n -> new AtomicInteger());
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.warn("{}: accept on {} failed: {}", naming.name(), socket, e.getMessage());
                close();
                return;
            }
            clients.add(client);
            if (stopping.get()) {  // close() may have passed the clients before this one was added
                closeQuietly(client, naming.name());
                return;
            }
            Thread thread = new Thread(() -> serve(client, connection), naming.name() + "-" + connections.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void serve(SocketChannel client, Connection connection) {
        try (client) {
            connection.serve(client);
        } catch (IOException e) {
            if (!isClosed()) {
                LOG.debug("{}: connection ended: {}", naming.name(), e.getMessage());
            }
        } finally {
            clients.remove(client);
        }
    }

    private static void privateDirectory(Path dir) {
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));  // whatever the umask
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
            if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT,
                        "the agent socket's directory " + dir + " is open to other users (" + PosixFilePermissions.toString(mode) + ")",
                        "chmod 700 " + dir);
            }
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "cannot prepare " + dir + ": " + e.getMessage(), null, e);
        }
    }

    /** Deletes a socket file nobody answers on; refuses when an agent answers or the path is no socket. */
    private static void removeStale(Path path, Naming naming) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new BcmException(BcmException.Kind.CONFLICT, path + " exists and is not a socket", "move it away");
        }
        boolean answers;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            answers = probe.isConnected();
        } catch (IOException stale) {
            answers = false;
        }
        if (answers) {
            throw new BcmException(BcmException.Kind.CONFLICT, naming.article() + " " + naming.name() + " already listens on " + path,
                    naming.liveHint().apply(path));
        }
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "cannot remove the stale socket " + path + ": " + e.getMessage(), null, e);
        }
    }

    private static void closeQuietly(Closeable closeable, String name) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException e) {
            LOG.debug("{}: close: {}", name, e.getMessage());
        }
    }
}
