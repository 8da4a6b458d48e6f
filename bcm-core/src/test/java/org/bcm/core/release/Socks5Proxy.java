package org.bcm.core.release;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal SOCKS5 proxy (RFC 1928: no authentication, CONNECT only) on 127.0.0.1 for tests: it
 * records the destinations asked for (a domain name as the client sent it, or an address) and relays
 * the bytes. It connects only to loopback destinations.
 */
final class Socks5Proxy implements AutoCloseable {

    private final ServerSocket server;
    private final List<String> destinations = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    Socks5Proxy() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "socks5-test-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    /** {@code host:port} of every CONNECT so far. */
    List<String> destinations() {
        return List.copyOf(destinations);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "socks5-test-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            DataInputStream in = new DataInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            if (in.readUnsignedByte() != 5) {
                return;
            }
            in.readNBytes(in.readUnsignedByte());   // the methods offered
            out.write(new byte[] {5, 0});
            out.flush();
            int version = in.read();
            int command = in.read();
            in.read();
            int type = in.read();
            String host;
            if (version != 5 || command != 1) {
                return;
            }
            if (type == 1) {
                host = InetAddress.getByAddress(in.readNBytes(4)).getHostAddress();
            } else if (type == 3) {
                host = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.US_ASCII);
            } else {
                return;
            }
            int port = in.readUnsignedShort();
            destinations.add(host + ":" + port);
            if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
                out.write(new byte[] {5, 2, 0, 1, 0, 0, 0, 0, 0, 0});   // not allowed: loopback only
                return;
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), port)) {
                out.write(new byte[] {5, 0, 0, 1, 127, 0, 0, 1, 0, 0});
                out.flush();
                Thread back = new Thread(() -> relay(upstream, client), "socks5-test-relay");
                back.setDaemon(true);
                back.start();
                relay(client, upstream);
                back.join(5000);
            }
        } catch (IOException | InterruptedException e) {
            // the test's client went away
        }
    }

    private static void relay(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
