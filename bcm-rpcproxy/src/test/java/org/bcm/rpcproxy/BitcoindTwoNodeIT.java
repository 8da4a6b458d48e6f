package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Core's own getblockfrompeer scenario (test/functional/rpc_getblockfrompeer.py) with the proxy in
 * front of the pruned node: one archival node and one {@code -prune=1 -fastprune} node on 127.0.0.1,
 * 400 blocks, {@code pruneblockchain 300}, then a pruned block fetched through the proxy. Needs a real
 * bitcoind: the environment variable {@code BITCOIND} names the binary; without it the test is
 * reported as skipped.
 */
@EnabledIfEnvironmentVariable(named = "BITCOIND", matches = ".+")
class BitcoindTwoNodeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Process> nodes = new ArrayList<>();

    @TempDir
    Path dir;

    /** A bitcoind on regtest with rpcuser/rpcpassword, listening on 127.0.0.1 only. */
    private record Node(Process process, int p2pPort, int rpcPort) {
        JsonNode call(String method, String params) throws IOException {
            Http.Response r = Http.post(rpcPort, Http.basic("u", "p"),
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}");
            JsonNode reply = JSON.readTree(r.body());
            if (reply.hasNonNull("error")) {
                throw new IOException(method + ": " + reply.get("error"));
            }
            return reply.get("result");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Node start(String name, String... extra) throws Exception {
        Path datadir = dir.resolve(name);
        java.nio.file.Files.createDirectories(datadir);
        int p2p = freePort();
        int rpc = freePort();
        List<String> cmd = new ArrayList<>(List.of(System.getenv("BITCOIND"), "-regtest", "-datadir=" + datadir,
                "-port=" + p2p, "-bind=127.0.0.1:" + p2p, "-rpcport=" + rpc, "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1",
                "-rpcuser=u", "-rpcpassword=p", "-server=1", "-listen=1", "-discover=0", "-dnsseed=0", "-fixedseeds=0",
                "-listenonion=0", "-disablewallet=1", "-printtoconsole=0"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(datadir.resolve("stdout.log").toFile()).start();
        nodes.add(p);
        Node node = new Node(p, p2p, rpc);
        Await.until(Duration.ofSeconds(60), name + "'s RPC", () -> {
            try {
                node.call("getblockcount", "[]");
                return true;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        });
        return node;
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : nodes) {
            p.destroy();
        }
        for (Process p : nodes) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    private static int blockCount(Node n) {
        try {
            return n.call("getblockcount", "[]").asInt();
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void aPrunedBlockIsFetchedFromTheArchivalPeerThroughTheProxy() throws Exception {
        Node archival = start("archival");
        Node pruned = start("pruned", "-prune=1", "-fastprune");
        pruned.call("addnode", "[\"127.0.0.1:" + archival.p2pPort() + "\",\"onetry\"]");
        Await.until(Duration.ofSeconds(30), "the nodes to connect", () -> {
            try {
                return pruned.call("getpeerinfo", "[]").size() == 1;
            } catch (IOException e) {
                return false;
            }
        });
        String descriptor = archival.call("getdescriptorinfo", "[\"raw(51)\"]").get("descriptor").asText();
        for (int i = 0; i < 8; i++) {
            archival.call("generatetodescriptor", "[50,\"" + descriptor + "\"]");
        }
        Await.until(Duration.ofSeconds(120), "the pruned node to sync 400 blocks", () -> blockCount(pruned) == 400);
        pruned.call("pruneblockchain", "[300]");
        String hash = archival.call("getblockhash", "[2]").asText();
        Http.Response direct = Http.post(pruned.rpcPort(), Http.basic("u", "p"),
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getblock\",\"params\":[\"" + hash + "\",0]}");
        assertThat(direct.text()).contains("Block not available (pruned data)");

        RpcProxyConfig config = RpcProxyConfig.builder(Chain.REGTEST)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .upstream(URI.create("http://127.0.0.1:" + pruned.rpcPort()))
                .upstreamCredentials(new UpstreamCredentials.Password("u", "p"))
                .fetchWait(Duration.ofSeconds(20))
                .cacheDir(dir.resolve("cache"))
                .build();
        try (RpcProxy proxy = RpcProxy.start(config)) {
            Http.Response r = Http.post(proxy.port(), Http.cookie(proxy),
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getblock\",\"params\":[\"" + hash + "\",0]}");
            String expected = archival.call("getblock", "[\"" + hash + "\",0]").asText();
            assertThat(r.text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"result\":\"" + expected + "\",\"id\":1}\n");
            Http.Response v1 = Http.post(proxy.port(), Http.cookie(proxy), "{\"method\":\"getblock\",\"params\":[\"" + hash + "\"],\"id\":1}");
            assertThat(JSON.readTree(v1.body()).get("result").get("hash").asText()).isEqualTo(hash);
            Http.Response unknown = Http.post(proxy.port(), Http.cookie(proxy),
                    "{\"method\":\"getblock\",\"params\":[\"" + "00".repeat(32) + "\"],\"id\":1}");
            assertThat(unknown.text()).contains("\"code\":-5");
            assertThat(Await.metric(proxy, "rpcproxy_block_fetches_started_total")).isEqualTo(1);
            assertThat(Await.metric(proxy, "rpcproxy_block_fetches_succeeded_total")).isEqualTo(1);
        }
    }
}
