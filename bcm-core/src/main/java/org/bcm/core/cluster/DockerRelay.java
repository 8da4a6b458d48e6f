package org.bcm.core.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.port.InstanceServer;
import org.bcm.lxd.ExecStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tier host's Docker API on a remote endpoint, served on a unix socket of the controller for as
 * long as this process needs it: each connection to the socket starts {@code docker system
 * dial-stdio} (Docker CLI 18.09+) in the tier host through LXD's exec websockets, over the
 * endpoint's HTTPS API with bcm's client certificate, and copies bytes both ways. So dockerd listens
 * on no TCP port, nothing new is opened on the endpoint, and the one credential is the one LXD
 * already checks. The socket is mode 0600 in a directory of mode 0700 that belongs to this process
 * ({@link TierHostEngines}).
 */
final class DockerRelay implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DockerRelay.class);
    static final List<String> DIAL_STDIO = List.of("docker", "system", "dial-stdio");

    private final InstanceServer inProject;
    private final String instance;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private DockerRelay(InstanceServer inProject, String instance, Path socket, ServerSocketChannel server) {
        this.inProject = inProject;
        this.instance = instance;
        this.socket = socket;
        this.server = server;
    }

    /**
     * Binds {@code socket} (replacing a stale file) and starts accepting.
     *
     * @param inProject the endpoint's LXD, in the cluster's LXD project; must stay open while the relay runs
     * @throws BcmException INTERNAL when the socket cannot be bound
     */
    static DockerRelay serve(InstanceServer inProject, String instance, Path socket) {
        try {
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            DockerRelay relay = new DockerRelay(inProject, instance, socket, server);
            Thread accepting = new Thread(relay::accept, "docker-relay " + instance);
            accepting.setDaemon(true);
            accepting.start();
            return relay;
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Cannot serve the Docker socket of " + instance + " at " + socket + ": " + e.getMessage(),
                    "check the permissions of " + socket.getParent(), e);
        }
    }

    private void accept() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("Docker relay of {} stopped accepting: {}", instance, e.toString());
                }
                return;
            }
            Thread connection = new Thread(() -> relay(client), "docker-relay " + instance + " connection");
            connection.setDaemon(true);
            connection.start();
        }
    }

    private void relay(SocketChannel client) {
        open.add(client);
        ExecStream exec;
        try {
            if (closed) {
                throw new IllegalStateException("the relay is closed");
            }
            exec = inProject.execStream(instance, DIAL_STDIO);
        } catch (RuntimeException e) {
            LOG.warn("Docker relay of {}: {}", instance, e.getMessage());
            closeQuietly(client);
            open.remove(client);
            return;
        }
        open.add(exec);
        if (closed) {
            closeQuietly(exec);
            closeQuietly(client);
            return;
        }
        // The channel is read and written directly: Channels.newInputStream/newOutputStream of one
        // SocketChannel share its blocking lock, so a blocked read would stall every write.
        Thread upstream = new Thread(() -> {
            try (OutputStream out = exec.stdin()) {
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                while (client.read(buffer) >= 0) {
                    out.write(buffer.array(), 0, buffer.position());
                    buffer.clear();
                }
            } catch (IOException e) {
                LOG.debug("Docker relay of {}: client to dockerd ended: {}", instance, e.toString());
            }
        }, "docker-relay " + instance + " upstream");
        upstream.setDaemon(true);
        upstream.start();
        try {
            InputStream in = exec.stdout();
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    client.write(chunk);
                }
            }
            client.shutdownOutput();
            upstream.join(10_000);
        } catch (IOException e) {
            LOG.debug("Docker relay of {}: dockerd to client ended: {}", instance, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exec.close();
            closeQuietly(client);
            open.remove(exec);
            open.remove(client);
        }
    }

    /** Closes, logging a failure at debug level: for cleanup where the caller has nothing left to do about one. */
    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("closing {}: {}", closeable, e.toString());
        }
    }

    /** Stops accepting, ends every relayed connection and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        open.forEach(DockerRelay::closeQuietly);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.debug("removing {}: {}", socket, e.toString());
        }
    }
}
