package org.bcm.rpcproxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.x client over one socket, so tests control exactly what is sent (keep-alive,
 * HTTP/1.0, pipelining, partial requests) and see exactly what comes back (status, headers, body
 * bytes, chunked or not).
 */
final class Http implements AutoCloseable {

    /** One answer. Header names are lower case. */
    record Response(int status, String reason, Map<String, List<String>> headers, byte[] body, boolean chunked) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final int port;

    Http(int port) throws IOException {
        this.port = port;
        this.socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        this.in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
        this.out = socket.getOutputStream();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The Basic credentials a client reads from a cookie file ({@code __cookie__:<hex>}), as bitcoin-cli does. */
    static String cookie(java.nio.file.Path file) {
        try {
            return "Basic " + Base64.getEncoder().encodeToString(java.nio.file.Files.readAllBytes(file));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The credentials of a proxy that runs with its own cookie, read from its cookie file. */
    static String cookie(RpcProxy proxy) {
        return cookie(proxy.cookieFile().orElseThrow());
    }

    /** One POST on a new connection. */
    static Response post(int port, String authorization, String body) throws IOException {
        try (Http h = new Http(port)) {
            return h.post("/", authorization, body);
        }
    }

    Response post(String path, String authorization, String body) throws IOException {
        return request("POST", path, "HTTP/1.1", authorization, Map.of("Content-Type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8));
    }

    Response request(String method, String path, String version, String authorization, Map<String, String> headers,
            byte[] body) throws IOException {
        sendRequest(method, path, version, authorization, headers, body);
        return read(method.equals("HEAD"));
    }

    void sendRequest(String method, String path, String version, String authorization, Map<String, String> headers,
            byte[] body) throws IOException {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(path).append(' ').append(version).append("\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        if (authorization != null) head.append("Authorization: ").append(authorization).append("\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) out.write(body);
        out.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Socket socket() {
        return socket;
    }

    /** Reads one answer. */
    Response read(boolean headRequest) throws IOException {
        String status = line();
        if (status == null) throw new IOException("connection closed before an answer");
        String[] parts = status.split(" ", 3);
        int code = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String l;
        while (!(l = line()).isEmpty()) {
            int colon = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean chunked = headers.containsKey("transfer-encoding")
                && headers.get("transfer-encoding").get(0).equalsIgnoreCase("chunked");
        if (headRequest || code == 204 || code == 304 || code < 200) {
            // no body
        } else if (chunked) {
            while (true) {
                int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) { /* trailers */ }
                    break;
                }
                body.write(in.readNBytes(size));
                line();
            }
        } else if (headers.containsKey("content-length")) {
            int n = Integer.parseInt(headers.get("content-length").get(0));
            byte[] b = in.readNBytes(n);
            if (b.length != n) throw new IOException("body cut short: " + b.length + " of " + n);
            body.write(b);
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(code, parts.length > 2 ? parts[2] : "", headers, body.toByteArray(), chunked);
    }

    /** True when the server closed the connection (reads EOF). */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (c != '\r') b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
