package org.bcm.trezor.transport;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.bcm.trezor.TrezorException;

/**
 * The emulator's UDP link (trezorlib {@code transport/udp.py}): one datagram is one 64-byte chunk;
 * the normal link on a port (21324 by default), the debug link on the next one. {@link #ping}
 * checks liveness with {@code PINGPING} / {@code PONGPONG}.
 */
public final class UdpLink implements ChunkLink {

    /** The emulator's default port for the normal link. */
    public static final int DEFAULT_PORT = 21324;
    private static final byte[] PING = "PINGPING".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "PONGPONG".getBytes(StandardCharsets.US_ASCII);

    private final String host;
    private final int port;
    private final DatagramSocket socket;

    /**
     * Connects a UDP socket to {@code host:port} (no packet is sent).
     *
     * @throws TrezorException.TransportFailed when no socket can be made
     */
    public UdpLink(String host, int port) {
        this.host = host;
        this.port = port;
        try {
            socket = new DatagramSocket();
            socket.connect(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new TrezorException.TransportFailed("cannot open a UDP socket to " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String path() {
        return "udp:" + host + ":" + port;
    }

    /**
     * Sends {@code PINGPING} and waits up to {@code timeout} for {@code PONGPONG}.
     *
     * @return true when the device answered
     */
    public boolean ping(Duration timeout) {
        try {
            socket.send(new DatagramPacket(PING, PING.length));
            byte[] answer = receive(timeout);
            return answer != null && Arrays.equals(answer, PONG);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void writeChunk(byte[] chunk) {
        if (chunk.length != CHUNK_SIZE) {
            throw new IllegalArgumentException("a chunk has 64 bytes");
        }
        try {
            socket.send(new DatagramPacket(chunk, chunk.length));
        } catch (PortUnreachableException e) {
            throw gone(e);
        } catch (IOException e) {
            throw new TrezorException.TransportFailed("cannot send to " + path() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] readChunk(Duration timeout) {
        byte[] chunk;
        try {
            chunk = receive(timeout);
        } catch (PortUnreachableException e) {
            throw gone(e);
        } catch (IOException e) {
            throw new TrezorException.TransportFailed("cannot receive from " + path() + ": " + e.getMessage(), e);
        }
        if (chunk == null) {
            throw new TrezorException.Timeout("the device at " + path() + " did not answer within " + timeout.toSeconds() + " s");
        }
        return chunk;
    }

    /** One datagram, or null at the timeout. */
    private byte[] receive(Duration timeout) throws IOException {
        byte[] buffer = new byte[CHUNK_SIZE + 1];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return Arrays.copyOf(buffer, packet.getLength());
    }

    private TrezorException gone(Exception e) {
        return new TrezorException.DeviceGone("nothing listens at " + path() + " any more: the emulator or development device stopped", e);
    }

    @Override
    public void close() {
        socket.close();
    }
}
