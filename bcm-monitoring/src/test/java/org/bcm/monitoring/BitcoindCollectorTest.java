package org.bcm.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.bcm.fixtures.bitcoind.Delivery;
import org.bcm.fixtures.bitcoind.SimulatedPeer;
import org.junit.jupiter.api.Test;

/** The bitcoind exporter against the bitcoind simulator, scraped over HTTP as Prometheus does. */
class BitcoindCollectorTest {

    private static String scrape(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + "\n" + response.body();
    }

    @Test
    void reportsTheNodesHeightPeersMempoolAndTraffic() throws Exception {
        try (BitcoindSimulator node = BitcoindSimulator.builder().blocks(150).rpcUser("monitoring", "secret-password")
                .peers(List.of(SimulatedPeer.outboundFullRelay(1, 0.05, Delivery.never()),
                        SimulatedPeer.outboundFullRelay(2, 0.05, Delivery.never()))).start();
             MetricsEndpoint endpoint = new MetricsEndpoint(new InetSocketAddress("127.0.0.1", 0),
                     new BitcoindCollector(node.url(), "monitoring", "secret-password"))) {
            String metrics = scrape(endpoint.port(), "/metrics");
            assertThat(metrics).startsWith("200\n")
                    .contains("bitcoind_up 1.0")
                    .contains("bitcoind_blocks 150.0")
                    .contains("bitcoind_headers 150.0")
                    .contains("bitcoind_info{chain=\"regtest\",version=\"/Satoshi:28.0.0/\"} 1.0")
                    .contains("bitcoind_peers{direction=\"in\"} 0.0")
                    .contains("bitcoind_peers{direction=\"out\"} 2.0")
                    .contains("bitcoind_mempool_transactions 0.0")
                    .contains("bitcoind_network_received_bytes_total 4003.0")
                    .contains("bitcoind_warnings 0.0")
                    .contains("bitcoind_pruned 0.0")
                    .doesNotContain("secret-password");
            node.mine(2);
            assertThat(scrape(endpoint.port(), "/metrics")).contains("bitcoind_blocks 152.0");
            assertThat(scrape(endpoint.port(), "/other")).startsWith("404");
        }
    }

    @Test
    void aNodeThatDoesNotAnswerOrRefusesTheCredentialsIsDown() throws Exception {
        try (BitcoindSimulator node = BitcoindSimulator.builder().blocks(10).rpcUser("monitoring", "right").start();
             MetricsEndpoint wrong = new MetricsEndpoint(new InetSocketAddress("127.0.0.1", 0),
                     new BitcoindCollector(node.url(), "monitoring", "wrong"))) {
            assertThat(scrape(wrong.port(), "/metrics")).contains("bitcoind_up 0.0").doesNotContain("bitcoind_blocks");
        }
        try (MetricsEndpoint gone = new MetricsEndpoint(new InetSocketAddress("127.0.0.1", 0),
                new BitcoindCollector(URI.create("http://127.0.0.1:9/"), "monitoring", "x"))) {
            assertThat(scrape(gone.port(), "/metrics")).startsWith("200\n").contains("bitcoind_up 0.0");
        }
    }
}
