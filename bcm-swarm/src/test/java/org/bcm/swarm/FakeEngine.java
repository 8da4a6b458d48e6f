package org.bcm.swarm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A stand-in for dockerd on a UNIX socket: answers each HTTP/1.1 request with what the handler
 * returns (one request per connection), or never answers when the handler returns {@code null}.
 */
final class FakeEngine implements AutoCloseable {

    record Request(String method, String target, String body, java.util.Map<String, String> headers) {
        String path() {
            int query = target.indexOf('?');
            return query < 0 ? target : target.substring(0, query);
        }
    }

    record Reply(int status, String body) {
        static Reply json(String body) {
            return new Reply(200, body);
        }

        static Reply error(int status, String message) {
            return new Reply(status, "{\"message\":\"" + message.replace("\"", "\\\"") + "\"}\n");
        }
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final ServerSocketChannel server;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Reply> handler;

    FakeEngine(Path socket, Function<Request, Reply> handler) throws IOException {
        this.handler = handler;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread acceptor = new Thread(this::acceptLoop, "fake-engine-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    void handler(Function<Request, Reply> handler) {
        this.handler = handler;
    }

    List<String> targets() {
        return requests.stream().map(r -> r.method() + " " + r.target()).toList();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel channel = server.accept();
                open.add(channel);
                Thread worker = new Thread(() -> serve(channel), "fake-engine-conn");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel channel) {
        try {
            InputStream in = Channels.newInputStream(channel);
            String requestLine = readLine(in);
            if (requestLine == null) {
                return;
            }
            int length = 0;
            java.util.Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String header = readLine(in); header != null && !header.isEmpty(); header = readLine(in)) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring("content-length:".length()).strip());
                }
                int colon = header.indexOf(':');
                if (colon > 0) {
                    headers.put(header.substring(0, colon).strip(), header.substring(colon + 1).strip());
                }
            }
            String body = "chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))
                    ? new String(readChunked(in), StandardCharsets.UTF_8) : new String(in.readNBytes(length), StandardCharsets.UTF_8);
            String[] parts = requestLine.split(" ");
            Request request = new Request(parts[0], parts[1], body, headers);
            requests.add(request);
            Reply reply = handler.apply(request);
            if (reply == null) {
                return; // stay silent; the connection is closed by close()
            }
            byte[] payload = reply.body().getBytes(StandardCharsets.UTF_8);
            OutputStream out = Channels.newOutputStream(channel);
            out.write(("HTTP/1.1 " + reply.status() + " X\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: " + payload.length + "\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            channel.close();
        } catch (IOException e) {
            // client went away
        }
    }

    /** A body in HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1), as Apache's client streams one. */
    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String size = readLine(in); size != null; size = readLine(in)) {
            int length = Integer.parseInt(size.split(";")[0].strip(), 16);
            if (length == 0) {
                readLine(in);
                break;
            }
            body.write(in.readNBytes(length));
            readLine(in);
        }
        return body.toByteArray();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.US_ASCII);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel channel : open) {
            channel.close();
        }
    }
}
