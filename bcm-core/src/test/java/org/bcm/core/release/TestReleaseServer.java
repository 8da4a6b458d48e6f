package org.bcm.core.release;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves a directory (a {@link TestRelease#dir()}) over HTTP on 127.0.0.1, for tests of the
 * release step's downloads: GET of a file by its name, with single {@code Range: bytes=N-} requests
 * (206 with Content-Range); it records every request, and can cut the next response of a file
 * after a number of bytes (to test resumed downloads).
 */
public final class TestReleaseServer implements AutoCloseable {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final Path dir;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong cutAfter = new AtomicLong(-1);

    private TestReleaseServer(Path dir) throws IOException {
        this.dir = dir;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Serves {@code dir} on an ephemeral port of 127.0.0.1. */
    public static TestReleaseServer serve(Path dir) {
        try {
            return new TestReleaseServer(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:PORT/}: give it to {@link TestRelease.Builder#baseUrl(String)}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** Every request so far: {@code "GET /name"} or {@code "GET /name bytes=N-"}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** The next response with a body longer than {@code bytes} sends only that many bytes and closes the connection. */
    public void cutNextResponseAfter(long bytes) {
        cutAfter.set(bytes);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String name = exchange.getRequestURI().getPath().substring(1);
            String range = exchange.getRequestHeaders().getFirst("Range");
            requests.add(exchange.getRequestMethod() + " /" + name + (range == null ? "" : " " + range));
            Path file = dir.resolve(name).normalize();
            if (!file.startsWith(dir) || name.isEmpty() || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] content = Files.readAllBytes(file);
            int from = 0;
            Matcher m = range == null ? null : RANGE.matcher(range);
            if (m != null && m.matches()) {
                from = Integer.parseInt(m.group(1));
                if (from >= content.length) {
                    exchange.getResponseHeaders().add("Content-Range", "bytes */" + content.length);
                    exchange.sendResponseHeaders(416, -1);
                    return;
                }
                exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
                exchange.sendResponseHeaders(206, content.length - from);
            } else {
                exchange.sendResponseHeaders(200, content.length);
            }
            long cut = cutAfter.get();
            OutputStream out = exchange.getResponseBody();
            if (cut >= 0 && content.length - from > cut && cutAfter.compareAndSet(cut, -1)) {
                out.write(content, from, (int) cut);
                out.flush();
                throw new IOException("cut after " + cut + " bytes");   // the JDK server closes the connection
            }
            out.write(content, from, content.length - from);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
