package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.bcm.fixtures.bitcoind.Delivery;
import org.bcm.fixtures.bitcoind.SimulatedPeer;
import org.junit.jupiter.api.Test;

/** The Prometheus endpoint serves every metric the README names, counting what happened. */
class MetricsTest {

    @Test
    void endpointServesTheCounters() throws IOException {
        BitcoindSimulator.Builder node = BitcoindSimulator.builder().blocks(30).pruned(true)
                .peers(List.of(SimulatedPeer.outboundFullRelay(1, 0.01, Delivery.after(Duration.ZERO))));
        try (ProxyFixture fx = ProxyFixture.start(node, b -> b.metricsListen(new InetSocketAddress("127.0.0.1", 0)))) {
            fx.sim.prune(20);
            String hash = fx.sim.blockHash(5);
            fx.proxied("{\"method\":\"getblock\",\"params\":[\"" + hash + "\",0],\"id\":1}");
            fx.proxied("{\"method\":\"nosuch\",\"id\":1}");
            fx.sim.repruneBlock(hash);
            Await.until(Duration.ofSeconds(5), "cached", () -> Await.metric(fx.proxy, "rpcproxy_block_cache_blocks") == 1);
            fx.proxied("{\"method\":\"getblock\",\"params\":[\"" + hash + "\",0],\"id\":1}");

            int port = fx.proxy.metricsAddress().orElseThrow().getPort();
            Http.Response r;
            try (Http h = new Http(port)) {
                r = h.request("GET", "/metrics", "HTTP/1.1", null, Map.of(), null);
            }
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-type")).startsWith("text/plain; version=0.0.4");
            String text = r.text();
            assertThat(text).contains("rpcproxy_requests_total 3.0", "rpcproxy_responses_total{code=\"200\"} 2.0",
                    "rpcproxy_responses_total{code=\"404\"} 1.0", "rpcproxy_block_fetches_started_total 1.0",
                    "rpcproxy_block_fetches_succeeded_total 1.0", "rpcproxy_block_fetches_failed_total 0.0",
                    "rpcproxy_block_cache_hits_total 1.0", "rpcproxy_pruned_answers_total 2.0",
                    "rpcproxy_request_duration_seconds_count 3", "rpcproxy_upstream_errors_total{reason=\"timeout\"} 0.0",
                    "rpcproxy_upstream_connections", "rpcproxy_client_connections", "rpcproxy_block_cache_bytes",
                    "rpcproxy_block_fetches_in_flight 0.0", "rpcproxy_netty_direct_memory_bytes", "jvm_memory_used_bytes");
            try (Http h = new Http(port)) {
                assertThat(h.request("GET", "/", "HTTP/1.1", null, Map.of(), null).status()).isEqualTo(404);
            }
        }
    }
}
