package org.bcm.monitoring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/**
 * Serves a collector's metrics as Prometheus text (format 0.0.4) on {@code GET /metrics}, collecting at
 * each request (what Prometheus scrapes is what the source says at that moment). The JDK's HTTP server,
 * one thread: Prometheus scrapes one target at a time.
 */
final class MetricsEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final PrometheusRegistry registry = new PrometheusRegistry();

    /**
     * @throws IOException when the address cannot be bound
     */
    MetricsEndpoint(InetSocketAddress listen, MultiCollector collector) throws IOException {
        registry.register(collector);
        server = HttpServer.create(listen, 16);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** The bound port (for tests that listen on port 0). */
    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
            writer.write(body, registry.scrape());
            exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(200, head ? -1 : body.size());
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    body.writeTo(out);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
