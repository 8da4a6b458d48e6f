package org.bcm.rpcproxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.DoubleSupplier;

/**
 * The proxy's Prometheus metrics, in their own registry (several proxies may run in one JVM), served
 * as Prometheus text by {@code GET /metrics} on {@code metrics-listen}:
 *
 * <ul>
 *   <li>{@code rpcproxy_requests_total} HTTP requests received from clients;
 *   <li>{@code rpcproxy_responses_total{code}} answers sent, by HTTP status;
 *   <li>{@code rpcproxy_request_duration_seconds} histogram, request received to answer sent;
 *   <li>{@code rpcproxy_upstream_errors_total{reason}} calls to bitcoind without a complete answer
 *       (connect, timeout, closed, protocol, auth, credentials, queue_full, shutdown);
 *   <li>{@code rpcproxy_pruned_answers_total} getblock answers "Block not available (pruned data)" seen;
 *   <li>{@code rpcproxy_block_fetches_started_total}, {@code _succeeded_total}, {@code _failed_total};
 *   <li>{@code rpcproxy_block_cache_hits_total} pruned blocks served from the on-disk cache;
 *   <li>{@code rpcproxy_auth_failures_total} requests with wrong credentials, {@code
 *       rpcproxy_auth_blocked_total} connections and requests refused unchecked because their address
 *       sent too many ({@link AuthFailures});
 *   <li>gauges {@code rpcproxy_client_connections}, {@code rpcproxy_upstream_connections}, {@code
 *       rpcproxy_upstream_queued_requests}, {@code
 *       rpcproxy_block_fetches_in_flight}, {@code rpcproxy_block_cache_bytes}, {@code
 *       rpcproxy_block_cache_blocks}, {@code rpcproxy_netty_direct_memory_bytes};
 *   <li>the JVM's standard metrics ({@code jvm_memory_used_bytes} and the rest).
 * </ul>
 */
final class ProxyMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final CounterDataPoint requests;
    private final Counter responses;
    /** The responses counter's data point per status (100..599), made on first use. */
    private final AtomicReferenceArray<CounterDataPoint> byCode = new AtomicReferenceArray<>(600);
    private final Histogram duration;
    private final Map<UpstreamFailure.Kind, CounterDataPoint> upstreamErrors = new EnumMap<>(UpstreamFailure.Kind.class);
    private final CounterDataPoint prunedAnswers;
    private final CounterDataPoint fetchesStarted;
    private final CounterDataPoint fetchesSucceeded;
    private final CounterDataPoint fetchesFailed;
    private final CounterDataPoint cacheHits;
    private final CounterDataPoint authFailures;
    private final CounterDataPoint authBlocked;

    ProxyMetrics() {
        // no exemplars: there is no trace context to take them from, and sampling is work on every request
        requests = Counter.builder().name("rpcproxy_requests_total").help("HTTP requests received from clients")
                .withoutExemplars().register(registry);
        responses = Counter.builder().name("rpcproxy_responses_total").help("Answers sent to clients, by HTTP status")
                .labelNames("code").withoutExemplars().register(registry);
        duration = Histogram.builder().name("rpcproxy_request_duration_seconds")
                .help("Time from a request's arrival to the end of its answer")
                .classicOnly()
                .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                        1, 2.5, 5, 10, 30)
                .withoutExemplars()
                .register(registry);
        Counter errors = Counter.builder().name("rpcproxy_upstream_errors_total")
                .help("Calls to bitcoind that got no complete answer, by reason").labelNames("reason").register(registry);
        for (UpstreamFailure.Kind k : UpstreamFailure.Kind.values()) {
            upstreamErrors.put(k, errors.labelValues(k.label));
        }
        prunedAnswers = Counter.builder().name("rpcproxy_pruned_answers_total")
                .help("getblock answers 'Block not available (pruned data)' received from bitcoind").register(registry);
        fetchesStarted = Counter.builder().name("rpcproxy_block_fetches_started_total")
                .help("Fetches of pruned blocks from peers started (one per block however many clients ask)")
                .register(registry);
        fetchesSucceeded = Counter.builder().name("rpcproxy_block_fetches_succeeded_total")
                .help("Fetches that ended with the block available in bitcoind").register(registry);
        fetchesFailed = Counter.builder().name("rpcproxy_block_fetches_failed_total")
                .help("Fetches given up (no suitable peer, no delivery, errors)").register(registry);
        cacheHits = Counter.builder().name("rpcproxy_block_cache_hits_total")
                .help("Pruned blocks served from the proxy's on-disk cache").register(registry);
        authFailures = Counter.builder().name("rpcproxy_auth_failures_total")
                .help("Requests with wrong credentials (each one, whether logged or not)").register(registry);
        authBlocked = Counter.builder().name("rpcproxy_auth_blocked_total")
                .help("Connections and requests refused unchecked: their address had too many wrong credentials")
                .register(registry);
        JvmMetrics.builder().register(registry);
    }

    /** Registers a gauge read at scrape time. */
    void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
    }

    void nettyGauges() {
        gauge("rpcproxy_netty_direct_memory_bytes", "Direct memory used by Netty's buffer allocator", () -> {
            ByteBufAllocator a = ByteBufAllocator.DEFAULT;
            return a instanceof ByteBufAllocatorMetricProvider p ? p.metric().usedDirectMemory() : -1;
        });
    }

    void request() {
        requests.inc();
    }

    void response(int code, long startNanos) {
        CounterDataPoint c = code >= 0 && code < byCode.length() ? byCode.get(code) : null;
        if (c == null) {
            // labelValues gives the same data point for the same label, so a race here is harmless
            c = responses.labelValues(Integer.toString(code));
            if (code >= 0 && code < byCode.length()) byCode.set(code, c);
        }
        c.inc();
        duration.observe((System.nanoTime() - startNanos) / 1e9);
    }

    void upstreamError(UpstreamFailure.Kind kind) {
        upstreamErrors.get(kind).inc();
    }

    void prunedAnswer() {
        prunedAnswers.inc();
    }

    void fetchStarted() {
        fetchesStarted.inc();
    }

    void fetchSucceeded() {
        fetchesSucceeded.inc();
    }

    void fetchFailed() {
        fetchesFailed.inc();
    }

    void cacheHit() {
        cacheHits.inc();
    }

    void authFailure() {
        authFailures.inc();
    }

    void authBlocked() {
        authBlocked.inc();
    }

    /** The current values as Prometheus text (format 0.0.4). */
    String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    String contentType() {
        return writer.getContentType();
    }
}
