package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.bcm.fixtures.bitcoind.Delivery;
import org.bcm.fixtures.bitcoind.SimulatedPeer;
import org.junit.jupiter.api.Test;

/** 50 clients asking for the same pruned block at once cause one getblockfrompeer, and all get it. */
class SingleFlightTest {

    @Test
    void fiftyConcurrentRequestsForOneHashFetchOnce() throws Exception {
        BitcoindSimulator.Builder node = BitcoindSimulator.builder().blocks(30).pruned(true).blockSize(5, 200_000)
                .rpcThreads(4).workQueue(64)
                .peers(List.of(SimulatedPeer.outboundFullRelay(1, 0.01, Delivery.after(Duration.ofMillis(300))),
                        SimulatedPeer.outboundFullRelay(2, 0.02, Delivery.after(Duration.ofMillis(300)))));
        try (ProxyFixture fx = ProxyFixture.start(node, b -> b.upstreamConnections(3))) {
            fx.sim.prune(20);
            String hash = fx.sim.blockHash(5);
            String expected = fx.sim.blockHex(hash);
            ExecutorService pool = Executors.newFixedThreadPool(50);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Http.Response>> answers = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    int id = i;
                    Callable<Http.Response> call = () -> {
                        try (Http h = new Http(fx.port())) {
                            go.await();
                            return h.post("/", fx.auth(), "{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + hash
                                    + "\"," + (id % 2) + "],\"id\":" + id + "}");
                        }
                    };
                    answers.add(pool.submit(call));
                }
                go.countDown();
                for (int i = 0; i < 50; i++) {
                    Http.Response r = answers.get(i).get();
                    assertThat(r.status()).isEqualTo(200);
                    if (i % 2 == 0) {
                        assertThat(r.text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"result\":\"" + expected + "\",\"id\":" + i + "}\n");
                    } else {
                        assertThat(r.text()).contains("\"hash\":\"" + hash + "\"").endsWith("\"id\":" + i + "}\n");
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(fx.sim.getBlockFromPeerCallCount(hash)).isEqualTo(1);
            assertThat(Await.metric(fx.proxy, "rpcproxy_block_fetches_started_total")).isEqualTo(1);
            assertThat(Await.metric(fx.proxy, "rpcproxy_pruned_answers_total")).isGreaterThanOrEqualTo(1);
        }
    }
}
