package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.bcm.fixtures.bitcoind.Delivery;
import org.bcm.fixtures.bitcoind.SimulatedPeer;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus endpoint serves every metric the README names, counting what happened, with the RPC
 * listener's limits (client-timeout, max-clients, no buffering for a client that does not read), and
 * only on a loopback address unless metrics-allow-remote is set.
 */
class MetricsTest {

    private static final String GET = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

    private static ProxyFixture withMetrics(java.util.function.Consumer<RpcProxyConfig.Builder> more) {
        return ProxyFixture.start(BitcoindSimulator.builder().blocks(5), b -> {
            b.metricsListen(new InetSocketAddress("127.0.0.1", 0));
            more.accept(b);
        });
    }

    private static int metricsPort(ProxyFixture fx) {
        return fx.proxy.metricsAddress().orElseThrow().getPort();
    }

    private static Http.Response scrape(Http h) throws IOException {
        return h.request("GET", "/metrics", "HTTP/1.1", null, Map.of(), null);
    }

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

    @Test
    void aMetricsClientThatSendsHalfARequestOrIdlesIsClosedAfterTheClientTimeout() throws IOException {
        try (ProxyFixture fx = withMetrics(b -> b.clientTimeout(Duration.ofMillis(400)));
                Http half = new Http(metricsPort(fx)); Http idle = new Http(metricsPort(fx))) {
            half.socket().setSoTimeout(5000);
            idle.socket().setSoTimeout(5000);
            long t0 = System.nanoTime();
            half.sendRaw("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(scrape(idle).status()).isEqualTo(200);
            assertThat(half.closedByServer()).isTrue();
            assertThat(idle.closedByServer()).isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(350L, 4000L);
        }
    }

    @Test
    void aMetricsClientThatSendsRequestsWithoutReadingIsClosedNotBufferedFor() throws Exception {
        try (ProxyFixture fx = withMetrics(b -> b.clientTimeout(Duration.ofMillis(500))); Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", metricsPort(fx)), 5000);
            s.setSoTimeout(10_000);
            // 20000 requests, some 100 MB of answers: far more than the socket buffers take
            byte[] requests = GET.repeat(20_000).getBytes(StandardCharsets.US_ASCII);
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(requests);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // closed by the proxy before it read them all
                }
            });
            writer.setDaemon(true);
            writer.start();
            Thread.sleep(1500); // reads nothing for longer than client-timeout
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                s.getInputStream().transferTo(got); // to the end: the proxy closed the connection
            } catch (SocketException reset) {
                // closed with requests unread: a reset
            }
            int answers = got.toString(StandardCharsets.US_ASCII).split("HTTP/1.1 200 OK", -1).length - 1;
            assertThat(answers).isLessThan(20_000);
        }
    }

    @Test
    void metricsConnectionsBeyondMaxClientsAreClosedAndTheRpcListenerCountsItsOwn() throws IOException {
        try (ProxyFixture fx = withMetrics(b -> b.maxClients(2));
                Http a = new Http(metricsPort(fx)); Http b = new Http(metricsPort(fx))) {
            assertThat(scrape(a).status()).isEqualTo(200);
            assertThat(scrape(b).status()).isEqualTo(200);
            try (Http c = new Http(metricsPort(fx))) {
                c.socket().setSoTimeout(5000);
                assertThat(c.closedByServer()).isTrue();
            }
            // RPC clients are not counted against the metrics listener's limit
            assertThat(fx.proxied("{\"method\":\"getblockcount\",\"id\":1}").status()).isEqualTo(200);
        }
    }

    @Test
    void aNonLoopbackMetricsAddressNeedsMetricsAllowRemote() throws IOException {
        assertThatThrownBy(() -> withMetrics(b -> b.metricsListen(new InetSocketAddress("0.0.0.0", 0))))
                .hasRootCauseInstanceOf(RpcProxyException.class)
                .rootCause().hasMessageStartingWith("metrics-listen=0.0.0.0:0 is not a loopback address, and the metrics "
                        + "endpoint has no authentication: listen on 127.0.0.1, or set metrics-allow-remote=1");
        try (ProxyFixture fx = withMetrics(b -> b.metricsListen(new InetSocketAddress("0.0.0.0", 0)).metricsAllowRemote(true));
                Http h = new Http(metricsPort(fx))) {
            assertThat(fx.proxy.metricsAddress().orElseThrow().getAddress().isAnyLocalAddress()).isTrue();
            assertThat(scrape(h).text()).contains("rpcproxy_requests_total");
        }
    }
}
