package org.bcm.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * bitcoind's state as Prometheus metrics, read at each scrape with four JSON-RPC calls of Bitcoin Core
 * ({@code getblockchaininfo}, {@code getnetworkinfo}, {@code getmempoolinfo}, {@code getnettotals}:
 * Core's src/rpc/blockchain.cpp, net.cpp, mempool.cpp) as the exporter's own rpcauth user:
 *
 * <ul>
 *   <li>{@code bitcoind_up} 1 when every call answered, else 0 (and nothing else is reported);
 *   <li>{@code bitcoind_info{chain, version}} 1;
 *   <li>{@code bitcoind_blocks}, {@code bitcoind_headers} heights; {@code bitcoind_verification_progress}
 *       0 to 1; {@code bitcoind_initial_block_download} 0 or 1; {@code bitcoind_best_block_time_seconds}
 *       the tip's header time (Unix seconds); {@code bitcoind_size_on_disk_bytes};
 *   <li>{@code bitcoind_pruned} 0 or 1, {@code bitcoind_prune_height} the lowest height with a full
 *       block (0 on an unpruned node);
 *   <li>{@code bitcoind_peers{direction="in"|"out"}};
 *   <li>{@code bitcoind_mempool_transactions}, {@code bitcoind_mempool_bytes} (virtual size),
 *       {@code bitcoind_mempool_usage_bytes} (memory), {@code bitcoind_mempool_max_bytes};
 *   <li>{@code bitcoind_network_received_bytes_total}, {@code bitcoind_network_sent_bytes_total};
 *   <li>{@code bitcoind_warnings} how many warnings the node reports (a string before Core 28, a list since).
 * </ul>
 */
final class BitcoindCollector implements MultiCollector {

    private static final Logger LOG = LoggerFactory.getLogger(BitcoindCollector.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI rpc;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile boolean wasUp = true;

    /**
     * @param rpc      bitcoind's JSON-RPC URL, e.g. {@code http://bitcoind:18443/}
     * @param user     the exporter's rpcauth user
     * @param password its password (never logged)
     */
    BitcoindCollector(URI rpc, String user, String password) {
        this.rpc = rpc;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> metrics = new ArrayList<>();
        try {
            JsonNode chain = call("getblockchaininfo");
            JsonNode network = call("getnetworkinfo");
            JsonNode mempool = call("getmempoolinfo");
            JsonNode totals = call("getnettotals");
            metrics.add(Gauges.of("bitcoind_info", "the node's chain and version (value 1)", 1,
                    Labels.of("chain", chain.path("chain").asText(), "version", network.path("subversion").asText())));
            metrics.add(Gauges.of("bitcoind_blocks", "height of the most-work fully validated chain", chain.path("blocks").asDouble()));
            metrics.add(Gauges.of("bitcoind_headers", "height of the most-work header chain", chain.path("headers").asDouble()));
            metrics.add(Gauges.of("bitcoind_verification_progress", "estimate of verification progress, 0 to 1",
                    chain.path("verificationprogress").asDouble()));
            metrics.add(Gauges.of("bitcoind_initial_block_download", "1 while the node is in initial block download",
                    chain.path("initialblockdownload").asBoolean() ? 1 : 0));
            metrics.add(Gauges.of("bitcoind_best_block_time_seconds", "the tip's block header time, Unix seconds", chain.path("time").asDouble()));
            metrics.add(Gauges.of("bitcoind_size_on_disk_bytes", "the block and undo files on disk", chain.path("size_on_disk").asDouble()));
            boolean pruned = chain.path("pruned").asBoolean();
            metrics.add(Gauges.of("bitcoind_pruned", "1 when the node prunes its blocks", pruned ? 1 : 0));
            metrics.add(Gauges.of("bitcoind_prune_height", "lowest height with a complete block (0 when not pruned)",
                    pruned ? chain.path("pruneheight").asDouble() : 0));
            metrics.add(GaugeSnapshot.builder().name("bitcoind_peers").help("connected peers, by direction")
                    .dataPoint(Gauges.point(network.path("connections_in").asDouble(), Labels.of("direction", "in")))
                    .dataPoint(Gauges.point(network.path("connections_out").asDouble(), Labels.of("direction", "out"))).build());
            metrics.add(Gauges.of("bitcoind_mempool_transactions", "transactions in the mempool", mempool.path("size").asDouble()));
            metrics.add(Gauges.of("bitcoind_mempool_bytes", "virtual size of the mempool's transactions", mempool.path("bytes").asDouble()));
            metrics.add(Gauges.of("bitcoind_mempool_usage_bytes", "memory the mempool uses", mempool.path("usage").asDouble()));
            metrics.add(Gauges.of("bitcoind_mempool_max_bytes", "the mempool's memory limit", mempool.path("maxmempool").asDouble()));
            metrics.add(counter("bitcoind_network_received_bytes", "bytes received from peers", totals.path("totalbytesrecv").asDouble()));
            metrics.add(counter("bitcoind_network_sent_bytes", "bytes sent to peers", totals.path("totalbytessent").asDouble()));
            JsonNode warnings = network.path("warnings");
            int count = warnings.isArray() ? warnings.size() : warnings.asText("").isBlank() ? 0 : 1;
            metrics.add(Gauges.of("bitcoind_warnings", "warnings the node reports (getnetworkinfo)", count));
            metrics.add(Gauges.of("bitcoind_up", "1 when bitcoind answered every call of this scrape", 1));
            if (!wasUp) {
                LOG.info("bitcoind answers again at {}", rpc);
            }
            wasUp = true;
        } catch (IOException e) {
            if (wasUp) {
                LOG.warn("bitcoind at {} did not answer: {}", rpc, e.getMessage());
            }
            wasUp = false;
            return MetricSnapshots.of(Gauges.of("bitcoind_up", "1 when bitcoind answered every call of this scrape", 0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return MetricSnapshots.of(Gauges.of("bitcoind_up", "1 when bitcoind answered every call of this scrape", 0));
        }
        return new MetricSnapshots(metrics);
    }

    /** A JSON-RPC 1.0 call without parameters (Bitcoin Core's), with basic authentication; its {@code result}. */
    private JsonNode call(String method) throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode();
        request.put("jsonrpc", "1.0");
        request.put("id", "bcm-monitoring");
        request.put("method", method);
        request.putArray("params");
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(rpc).timeout(Duration.ofSeconds(10))
                    .header("Authorization", authorization).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(request.toString())).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException(method + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        JsonNode answer = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        if (response.statusCode() != 200 || !answer.path("error").isNull() && !answer.path("error").isMissingNode()) {
            throw new IOException(method + " answered HTTP " + response.statusCode() + ": " + answer.path("error"));
        }
        return answer.path("result");
    }

    /** A counter; Prometheus's text format adds {@code _total} to the name. */
    private static CounterSnapshot counter(String name, String help, double value) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build();
    }
}
