package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.bcm.fixtures.bitcoind.Delivery;
import org.bcm.fixtures.bitcoind.GetBlockFromPeerCall;
import org.bcm.fixtures.bitcoind.SimulatedPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pruned path: Core's exact -1 "Block not available (pruned data)" starts a fetch with
 * getblockfrompeer from the best qualifying peer; the client gets the block when it arrives within
 * fetch-wait, Core's exact error otherwise (the fetch goes on); a peer that does not deliver is replaced;
 * a re-pruned block is served from the on-disk cache; -5 and "not fully downloaded" never fetch.
 */
class PrunedPathTest {

    private static BitcoindSimulator.Builder prunedNode(SimulatedPeer... peers) {
        return BitcoindSimulator.builder().blocks(40).pruned(true).blockSize(7, 300_000).peers(List.of(peers));
    }

    private static ProxyFixture start(BitcoindSimulator.Builder sim, Consumer<RpcProxyConfig.Builder> proxy) {
        ProxyFixture fx = ProxyFixture.start(sim, proxy);
        fx.sim.prune(20);
        return fx;
    }

    private static String getblock(String hash, String verbosity, String id, boolean v2) {
        return "{" + (v2 ? "\"jsonrpc\":\"2.0\"," : "") + "\"method\":\"getblock\",\"params\":[\"" + hash + "\""
                + (verbosity == null ? "" : "," + verbosity) + "],\"id\":" + id + "}";
    }

    @Test
    void blockArrivingWithinTheWaitIsAnsweredAtEveryVerbosity() throws IOException {
        try (ProxyFixture fx = start(prunedNode(SimulatedPeer.outboundFullRelay(1, 0.05, Delivery.after(Duration.ofMillis(100)))),
                b -> {})) {
            String hash = fx.sim.blockHash(5);
            assertThat(fx.direct(getblock(hash, "0", "1", false)).text()).contains("Block not available (pruned data)");

            Http.Response r = fx.proxied(getblock(hash, "0", "1", false));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("{\"result\":\"" + fx.sim.blockHex(hash) + "\",\"error\":null,\"id\":1}\n");
            assertThat(fx.sim.getBlockFromPeerCalls(hash)).extracting(GetBlockFromPeerCall::peerId).containsExactly(1L);
            for (String v : List.of("1", "2", "3", "true", "false", "null")) {
                for (boolean v2 : List.of(false, true)) {
                    String body = getblock(hash, v, "\"v" + v + "\"", v2);
                    assertThat(fx.proxied(body).text()).as(body).isEqualTo(fx.direct(body).text());
                }
            }
            // a block fetched from a peer has no undo data: Core leaves out fee (2) and prevout (3)
            assertThat(fx.proxied(getblock(hash, "2", "1", false)).text()).doesNotContain("\"fee\"");
            assertThat(fx.proxied(getblock(hash, "3", "1", false)).text()).doesNotContain("\"prevout\"");
            assertThat(Await.metric(fx.proxy, "rpcproxy_block_fetches_started_total")).isEqualTo(1);
            assertThat(Await.metric(fx.proxy, "rpcproxy_block_fetches_succeeded_total")).isEqualTo(1);
        }
    }

    @Test
    void blockArrivingAfterTheWaitGetsCoresErrorThenTheBlock() throws IOException {
        try (ProxyFixture fx = start(prunedNode(SimulatedPeer.outboundFullRelay(3, 0.05, Delivery.onDemand())),
                b -> b.fetchWait(Duration.ofMillis(300)))) {
            String hash = fx.sim.blockHash(6);
            for (boolean v2 : List.of(false, true)) {
                String body = getblock(hash, "0", "42", v2);
                Http.Response direct = fx.direct(body);
                long t0 = System.nanoTime();
                Http.Response r = fx.proxied(body);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(r.status()).isEqualTo(direct.status()).isEqualTo(v2 ? 200 : 500);
                assertThat(r.text()).isEqualTo(direct.text());
                assertThat(r.header("content-type")).isEqualTo("application/json");
                assertThat(ms).isBetween(250L, 4000L);
            }
            // the fetch went on: one request to the peer, still in flight
            Await.until(Duration.ofSeconds(5), "the request in flight", () -> fx.sim.requestInFlight(hash).isPresent());
            assertThat(fx.sim.getBlockFromPeerCallCount(hash)).isEqualTo(1);

            fx.sim.deliverRequested(hash);

            Http.Response r = fx.proxied(getblock(hash, "0", "43", true));
            assertThat(r.text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"result\":\"" + fx.sim.blockHex(hash) + "\",\"id\":43}\n");
            assertThat(fx.sim.getBlockFromPeerCallCount(hash)).isEqualTo(1);
        }
    }

    @Test
    void blockThatNeverArrivesGetsCoresErrorAndTheFetchGivesUp() throws IOException {
        try (ProxyFixture fx = start(prunedNode(SimulatedPeer.outboundFullRelay(1, 0.05, Delivery.never())),
                b -> b.fetchWait(Duration.ofMillis(200)).fetchPeerTimeout(Duration.ofMillis(300)))) {
            String hash = fx.sim.blockHash(8);
            String body = getblock(hash, null, "1", false);
            Http.Response r = fx.proxied(body);
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.text()).isEqualTo("{\"result\":null,\"error\":{\"code\":-1,\"message\":\"Block not available (pruned data)\"},\"id\":1}\n");

            Await.until(Duration.ofSeconds(10), "the fetch to fail",
                    () -> Await.metric(fx.proxy, "rpcproxy_block_fetches_failed_total") == 1);
            assertThat(fx.sim.getBlockFromPeerCalls(hash)).extracting(GetBlockFromPeerCall::peerId).containsExactly(1L);
            // the next request starts a new fetch
            assertThat(fx.proxied(body).text()).isEqualTo(r.text());
            Await.until(Duration.ofSeconds(5), "a second fetch", () -> fx.sim.getBlockFromPeerCallCount(hash) == 2);
        }
    }

    @Test
    void aPeerThatDoesNotDeliverIsReplacedAndOnlySuitablePeersAreAsked() throws IOException {
        SimulatedPeer silent = SimulatedPeer.outboundFullRelay(1, 0.010, Delivery.never());
        SimulatedPeer good = SimulatedPeer.outboundFullRelay(2, 0.100, Delivery.after(Duration.ZERO));
        SimulatedPeer inbound = SimulatedPeer.inbound(3, 0.001, Delivery.after(Duration.ZERO));
        SimulatedPeer blockRelay = SimulatedPeer.blockRelayOnly(4, 0.002, Delivery.after(Duration.ZERO));
        SimulatedPeer limited = SimulatedPeer.networkLimited(5, 0.003, Delivery.after(Duration.ZERO));
        SimulatedPeer noPing = SimulatedPeer.outboundFullRelay(6, 0, Delivery.after(Duration.ZERO)).withPingtime(null);
        try (ProxyFixture fx = start(prunedNode(silent, noPing, inbound, good, blockRelay, limited),
                b -> b.fetchPeerTimeout(Duration.ofMillis(300)))) {
            String hash = fx.sim.blockHash(9);
            long t0 = System.nanoTime();
            Http.Response r = fx.proxied(getblock(hash, "false", "1", true));
            assertThat(r.text()).contains(fx.sim.blockHex(hash));
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(280);
            assertThat(fx.sim.getBlockFromPeerCalls(hash)).extracting(GetBlockFromPeerCall::peerId).containsExactly(1L, 2L);
        }
    }

    @Test
    void unsuitablePeersAndPreSegwitOrHalfConnectedOnesAreSkipped() throws IOException {
        SimulatedPeer preSegwit = SimulatedPeer.outboundFullRelay(1, 0.01, Delivery.after(Duration.ZERO))
                .withServices(SimulatedPeer.NODE_NETWORK);
        SimulatedPeer halfConnected = SimulatedPeer.outboundFullRelay(2, 0.02, Delivery.after(Duration.ZERO)).withFullyConnected(false);
        SimulatedPeer manual = SimulatedPeer.manual(3, 0.03, Delivery.after(Duration.ZERO));
        try (ProxyFixture fx = start(prunedNode(preSegwit, halfConnected, manual), b -> {})) {
            String hash = fx.sim.blockHash(10);
            assertThat(fx.proxied(getblock(hash, "0", "1", false)).text()).contains(fx.sim.blockHex(hash));
            assertThat(fx.sim.getBlockFromPeerCalls(hash)).extracting(GetBlockFromPeerCall::outcome)
                    .containsExactly("Pre-SegWit peer", "Peer not fully connected", "{}");
        }
    }

    @Test
    void noSuitablePeerFailsFastWithCoresError() throws IOException {
        try (ProxyFixture fx = start(prunedNode(SimulatedPeer.inbound(1, 0.01, Delivery.after(Duration.ZERO)),
                SimulatedPeer.networkLimited(2, 0.01, Delivery.after(Duration.ZERO))), b -> {})) {
            String hash = fx.sim.blockHash(11);
            long t0 = System.nanoTime();
            Http.Response r = fx.proxied(getblock(hash, "0", "1", true));
            assertThat(r.text()).isEqualTo(fx.direct(getblock(hash, "0", "1", true)).text());
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
            assertThat(fx.sim.getBlockFromPeerCallCount(hash)).isZero();
            assertThat(Await.metric(fx.proxy, "rpcproxy_block_fetches_failed_total")).isEqualTo(1);
        }
    }

    @Test
    void loadingBlocksIsRetried() throws IOException {
        try (ProxyFixture fx = start(prunedNode(SimulatedPeer.outboundFullRelay(1, 0.01, Delivery.after(Duration.ZERO))), b -> {})) {
            fx.sim.setLoadingBlocks(true);
            String hash = fx.sim.blockHash(12);
            Thread unblock = new Thread(() -> {
                Await.until(Duration.ofSeconds(5), "a refused call", () -> fx.sim.getBlockFromPeerCallCount(hash) >= 1);
                fx.sim.setLoadingBlocks(false);
            });
            unblock.start();
            assertThat(fx.proxied(getblock(hash, "0", "1", false)).text()).contains(fx.sim.blockHex(hash));
            assertThat(fx.sim.getBlockFromPeerCalls(hash)).extracting(GetBlockFromPeerCall::outcome)
                    .containsExactly("Loading blocks ...", "{}");
        }
    }

    @Test
    void unknownBlocksAndBlocksNeverDownloadedDoNotFetch() throws IOException {
        try (ProxyFixture fx = start(prunedNode(SimulatedPeer.outboundFullRelay(1, 0.01, Delivery.after(Duration.ZERO))), b -> {})) {
            String unknown = "11".repeat(32);
            String headerOnly = fx.sim.addHeaderOnlyBlock();
            for (String hash : List.of(unknown, headerOnly)) {
                for (boolean v2 : List.of(false, true)) {
                    String body = getblock(hash, "0", "1", v2);
                    Http.Response r = fx.proxied(body);
                    assertThat(r.text()).isEqualTo(fx.direct(body).text());
                    assertThat(r.status()).isEqualTo(fx.direct(body).status());
                }
            }
            assertThat(fx.proxied(getblock(unknown, "0", "1", false)).text()).contains("\"code\":-5,\"message\":\"Block not found\"");
            assertThat(fx.proxied(getblock(headerOnly, "0", "1", false)).text()).contains("not fully downloaded");
            assertThat(fx.sim.getBlockFromPeerCallCount(unknown)).isZero();
            assertThat(fx.sim.getBlockFromPeerCallCount(headerOnly)).isZero();
            assertThat(Await.metric(fx.proxy, "rpcproxy_block_fetches_started_total")).isZero();
        }
    }

    /**
     * bitcoind's own answers to {@code bodies} while it has the block; then the block pruned, fetched
     * through the proxy with the first body, kept in the proxy's cache, and pruned again.
     */
    private static List<String> answersThenCachedAndRepruned(ProxyFixture fx, String hash, List<String> bodies) throws IOException {
        List<String> expected = new ArrayList<>();
        for (String b : bodies) {
            expected.add(fx.direct(b).text());
        }
        fx.sim.prune(20);
        assertThat(fx.proxied(bodies.get(0)).text()).isEqualTo(expected.get(0));
        Await.until(Duration.ofSeconds(5), "the block in the cache", () -> Await.metric(fx.proxy, "rpcproxy_block_cache_blocks") == 1);
        fx.sim.repruneBlock(hash);
        return expected;
    }

    @Test
    void aRePrunedBlockIsServedFromTheCacheAsCoreWouldAnswer() throws IOException {
        BitcoindSimulator.Builder node = prunedNode(SimulatedPeer.outboundFullRelay(1, 0.01, Delivery.after(Duration.ZERO)));
        try (ProxyFixture fx = ProxyFixture.start(node, b -> {})) {
            String hash = fx.sim.blockHash(7); // ~300 kB: its answer streams into the cache
            List<String> bodies = List.of(getblock(hash, "0", "1", false), getblock(hash, "false", "\"x\"", true),
                    "{\"method\":\"getblock\",\"params\":{\"blockhash\":\"" + hash + "\",\"verbosity\":0},\"id\":null}",
                    "{\"method\":\"getblock\",\"params\":[\"" + hash + "\",0]}");
            List<String> expected = answersThenCachedAndRepruned(fx, hash, bodies);

            for (int i = 0; i < bodies.size(); i++) {
                Http.Response r = fx.proxied(bodies.get(i));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("content-length")).isEqualTo(Integer.toString(r.body().length));
                assertThat(r.text()).as(bodies.get(i)).isEqualTo(expected.get(i));
            }
            assertThat(Await.metric(fx.proxy, "rpcproxy_block_cache_hits_total")).isEqualTo(bodies.size());
            assertThat(fx.sim.getBlockFromPeerCallCount(hash)).isEqualTo(1);
            // in a batch too
            String batch = "[" + bodies.get(0) + "," + bodies.get(1) + "]";
            assertThat(fx.proxied(batch).text()).isEqualTo("[" + expected.get(0).strip() + "," + expected.get(1).strip() + "]\n");

            // verbosity 1 is never made up from the cache: a new fetch, then bitcoind's own answer
            Http.Response v1 = fx.proxied(getblock(hash, "1", "1", false));
            assertThat(v1.text()).contains("\"hash\":\"" + hash + "\"");
            assertThat(fx.sim.getBlockFromPeerCallCount(hash)).isEqualTo(2);

            // the cache outlives the proxy
            fx.sim.repruneBlock(hash);
            fx.proxy.close();
            try (RpcProxy again = RpcProxy.start(ProxyFixture.configFor(fx.sim, fx.cacheDir).build())) {
                assertThat(Http.post(again.port(), Http.cookie(again), bodies.get(0)).text()).isEqualTo(expected.get(0));
            }
        }
    }

    @Test
    void aCachedBlockIsFramedAsThisBitcoindFramesItsAnswers() throws IOException {
        // Core 27 knows no JSON-RPC 2.0: a 2.0 request gets a legacy answer, an absent id is "id":null; and
        // Core writes an id as it serialises it, compact and unescaped, not as the client wrote it
        BitcoindSimulator.Builder node = prunedNode(SimulatedPeer.outboundFullRelay(1, 0.01, Delivery.after(Duration.ZERO)))
                .version(270000);
        try (ProxyFixture fx = ProxyFixture.start(node, b -> {})) {
            String hash = fx.sim.blockHash(7);
            List<String> bodies = List.of(getblock(hash, "0", "[1, {\"a\" : 2}]", true),
                    getblock(hash, "false", "\"\\u00e9\\/\"", false),
                    "{\"method\":\"getblock\",\"params\":[\"" + hash + "\",0]}");
            List<String> expected = answersThenCachedAndRepruned(fx, hash, bodies);
            assertThat(expected.get(0)).startsWith("{\"result\":\"").endsWith(",\"error\":null,\"id\":[1,{\"a\":2}]}\n");
            assertThat(expected.get(1)).endsWith(",\"id\":\"\u00e9/\"}\n");
            assertThat(expected.get(2)).endsWith(",\"error\":null,\"id\":null}\n");

            for (int i = 0; i < bodies.size(); i++) {
                assertThat(fx.proxied(bodies.get(i)).text()).as(bodies.get(i)).isEqualTo(expected.get(i));
            }
            assertThat(Await.metric(fx.proxy, "rpcproxy_block_cache_hits_total")).isEqualTo(bodies.size());
        }
    }

    @Test
    void aBatchWaitsForItsPrunedElementsAndKeepsTheOrder() throws IOException {
        try (ProxyFixture fx = start(prunedNode(SimulatedPeer.outboundFullRelay(1, 0.01, Delivery.after(Duration.ofMillis(50)))), b -> {})) {
            String a = fx.sim.blockHash(13);
            String b = fx.sim.blockHash(14);
            String batch = "[{\"method\":\"getblockcount\",\"id\":0}," + getblock(a, "0", "1", false) + ","
                    + "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"x\"],\"id\":2}," + getblock(b, "2", "3", true) + ","
                    + "{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + a + "\",1]}]";
            Http.Response r = fx.proxied(batch);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo(fx.direct(batch).text());
            assertThat(r.text()).contains(fx.sim.blockHex(a)).contains("\"id\":3}]");
            assertThat(fx.sim.getBlockFromPeerCallCount(a)).isEqualTo(1);
            assertThat(fx.sim.getBlockFromPeerCallCount(b)).isEqualTo(1);
        }
    }

    @Test
    void aLongBatchOfCachedBlocksIsAnsweredWithoutDeepRecursion() throws IOException {
        BitcoindSimulator.Builder node = prunedNode(SimulatedPeer.outboundFullRelay(1, 0.01, Delivery.after(Duration.ZERO)));
        try (ProxyFixture fx = ProxyFixture.start(node, b -> {})) {
            String hash = fx.sim.blockHash(16);
            String one = getblock(hash, "0", "1", false);
            String expected = fx.direct(one).text().strip();
            fx.sim.prune(20);
            assertThat(fx.proxied(one).text().strip()).isEqualTo(expected);
            Await.until(Duration.ofSeconds(5), "cached", () -> Await.metric(fx.proxy, "rpcproxy_block_cache_blocks") == 1);
            fx.sim.repruneBlock(hash);
            StringBuilder batch = new StringBuilder("[");
            StringBuilder answer = new StringBuilder("[");
            for (int i = 0; i < 1000; i++) {
                if (i > 0) {
                    batch.append(',');
                    answer.append(',');
                }
                batch.append(getblock(hash, "0", Integer.toString(i), false));
                answer.append(expected.replace(",\"id\":1}", ",\"id\":" + i + "}"));
            }
            Http.Response r = fx.proxied(batch.append(']').toString());
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo(answer.append("]\n").toString());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {200000, 210000, 230000, 280000, 310000})
    void peerListsOfEveryCoreVersionAreRead(int version) throws IOException {
        BitcoindSimulator.Builder node = prunedNode(SimulatedPeer.inbound(1, 0.001, Delivery.after(Duration.ZERO)),
                SimulatedPeer.networkLimited(2, 0.002, Delivery.after(Duration.ZERO)),
                SimulatedPeer.outboundFullRelay(3, 0.05, Delivery.after(Duration.ZERO))).version(version);
        try (ProxyFixture fx = start(node, b -> {})) {
            String hash = fx.sim.blockHash(15);
            assertThat(fx.proxied(getblock(hash, "0", "1", false)).text()).contains(fx.sim.blockHex(hash));
            assertThat(fx.sim.getBlockFromPeerCalls(hash)).extracting(GetBlockFromPeerCall::peerId).containsExactly(3L);
        }
    }
}
