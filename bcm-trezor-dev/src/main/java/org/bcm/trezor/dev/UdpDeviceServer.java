package org.bcm.trezor.dev;

import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.bcm.trezor.TrezorException;
import org.bcm.trezor.transport.ChunkLink;
import org.bcm.trezor.transport.ChunkTransport;
import org.bcm.trezor.transport.WireMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link DevelopmentDevice} on 127.0.0.1 with the emulator's UDP protocol (trezorlib
 * {@code transport/udp.py}; trezor-firmware {@code legacy/emulator/udp.c}): the normal link on
 * {@code port}, and the debug link on {@code port + 1} only when the device has one
 * ({@link DevelopmentDevice.Settings#debugLink()}), because any local process that reaches it can
 * confirm requests and read the PIN. One datagram is one 64-byte codec v1 chunk; {@code PINGPING}
 * is answered {@code PONGPONG}. Chunks that do not make a message are dropped, as the firmware
 * drops them. Answers go to whoever sent the last message.
 */
public final class UdpDeviceServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(UdpDeviceServer.class);
    private static final byte[] PING = "PINGPING".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "PONGPONG".getBytes(StandardCharsets.US_ASCII);

    private final DatagramSocket main;
    private final DatagramSocket debug;
    private final Thread mainThread;
    private final Thread debugThread;

    private UdpDeviceServer(DevelopmentDevice device, DatagramSocket main, DatagramSocket debug) {
        this.main = main;
        this.debug = debug;
        this.mainThread = new Thread(() -> serve(main, (message, reply) -> device.receive(message, reply)), "dev-device-udp");
        mainThread.setDaemon(true);
        if (debug == null) {
            this.debugThread = null;
        } else {
            this.debugThread = new Thread(() -> serve(debug, (message, reply) -> device.receiveDebug(message).forEach(reply)),
                    "dev-device-debuglink");
            debugThread.setDaemon(true);
        }
    }

    /**
     * Binds 127.0.0.1:{@code port}, and 127.0.0.1:{@code port + 1} when the device has a debug link,
     * and starts serving.
     *
     * @param port the normal link's port; 0 picks a free one (a free pair with a debug link)
     * @throws IOException when the ports are taken
     */
    public static UdpDeviceServer start(DevelopmentDevice device, int port) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; ; attempt++) {
            int wanted = port == 0 ? 30000 + (int) (Math.random() * 30000) : port;
            DatagramSocket main = null;
            try {
                main = new DatagramSocket(new InetSocketAddress(loopback, wanted));
                DatagramSocket debug = device.debugLink() ? new DatagramSocket(new InetSocketAddress(loopback, wanted + 1)) : null;
                UdpDeviceServer server = new UdpDeviceServer(device, main, debug);
                server.mainThread.start();
                if (server.debugThread != null) {
                    server.debugThread.start();
                }
                return server;
            } catch (IOException e) {
                if (main != null) {
                    main.close();
                }
                if (port != 0 || attempt > 20) {
                    throw new IOException("cannot bind UDP 127.0.0.1:" + wanted + (device.debugLink() ? " and :" + (wanted + 1) : "")
                            + " for the development device: " + e.getMessage(), e);
                }
            }
        }
    }

    /** The normal link's port. */
    public int port() {
        return main.getLocalPort();
    }

    /** The debug link's port ({@link #port()} + 1), or empty when the device has no debug link. */
    public OptionalInt debugLinkPort() {
        return debug == null ? OptionalInt.empty() : OptionalInt.of(debug.getLocalPort());
    }

    private interface Handler {
        void handle(WireMessage message, Consumer<WireMessage> reply);
    }

    private void serve(DatagramSocket socket, Handler handler) {
        byte[] buffer = new byte[ChunkLink.CHUNK_SIZE + 1];
        ChunkTransport.Decoder decoder = null;
        SocketAddress peer = null;
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    LOG.warn("development device: receiving failed: {}", e.getMessage());
                }
                continue;
            }
            byte[] data = Arrays.copyOf(packet.getData(), packet.getLength());
            SocketAddress from = packet.getSocketAddress();
            if (Arrays.equals(data, PING)) {
                sendRaw(socket, PONG, from);
                continue;
            }
            if (!from.equals(peer)) {
                decoder = null;
                peer = from;
            }
            try {
                if (decoder == null) {
                    decoder = new ChunkTransport.Decoder();
                }
                decoder.accept(data);
            } catch (TrezorException.Protocol e) {
                LOG.debug("development device: dropped a chunk: {}", e.getMessage());
                decoder = null;
                continue;
            }
            if (decoder.complete()) {
                WireMessage message = decoder.message();
                decoder = null;
                SocketAddress replyTo = from;
                try {
                    handler.handle(message, answer -> ChunkTransport.encode(answer).forEach(chunk -> sendRaw(socket, chunk, replyTo)));
                } catch (RuntimeException e) {
                    LOG.error("development device: handling message {} failed", message.type(), e);
                }
            }
        }
    }

    private static void sendRaw(DatagramSocket socket, byte[] data, SocketAddress to) {
        try {
            socket.send(new DatagramPacket(data, data.length, to));
        } catch (IOException e) {
            LOG.debug("development device: cannot answer {}: {}", to, e.getMessage());
        }
    }

    /** Waits until {@link #close()} is called from another thread. */
    public void awaitClose() throws InterruptedException {
        mainThread.join();
        if (debugThread != null) {
            debugThread.join();
        }
    }

    @Override
    public void close() {
        main.close();
        if (debug != null) {
            debug.close();
        }
    }

}
