package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of request gets through the proxy exactly the status, Content-Type and body bitcoind (the
 * simulator) gives it directly: JSON-RPC 1.0 and 2.0, notifications, errors of each HTTP status,
 * named and positional params, ids of every JSON type, batches (with and without getblock elements,
 * which the proxy splits and splices), /wallet/ paths, HTTP-level refusals, HTTP/1.0, keep-alive,
 * pipelining, and a 4 MB block at every verbosity.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransparencyTest {

    private static final String UNKNOWN = "00000000000000000000000000000000000000000000000000000000000000ff";
    private ProxyFixture fx;
    private String small;
    private String big;

    @BeforeAll
    void start() {
        fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(30).blockSize(25, 4_000_000).wallets("w1", "w 2"),
                b -> {});
        small = fx.sim.blockHash(3);
        big = fx.sim.blockHash(25);
    }

    @AfterAll
    void stop() {
        fx.close();
    }

    private void assertTransparent(String path, String body) throws IOException {
        Http.Response direct;
        try (Http h = new Http(fx.sim.port())) {
            direct = h.post(path, fx.sim.authorizationHeader(), body);
        }
        Http.Response proxied;
        try (Http h = new Http(fx.port())) {
            proxied = h.post(path, fx.auth(), body);
        }
        assertThat(proxied.status()).as("status of %s", body).isEqualTo(direct.status());
        assertThat(proxied.header("content-type")).as("content type of %s", body).isEqualTo(direct.header("content-type"));
        assertThat(proxied.text()).as("body of %s", body).isEqualTo(direct.text());
    }

    Stream<String> singles() {
        String s = small;
        return Stream.of(
                "{\"method\":\"getblockcount\",\"params\":[],\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"getblockcount\",\"id\":\"x\"}",
                "{\"jsonrpc\":\"1.0\",\"method\":\"getblockcount\",\"id\":7}",
                "{\"method\":\"getblockcount\"}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"getblockcount\"}",
                "{\"jsonrpc\":null,\"method\":\"getblockcount\",\"id\":null}",
                "{\"method\":\"nosuch\",\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"nosuch\",\"id\":1}",
                "{\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}",
                "{\"jsonrpc\":\"3.0\",\"method\":\"getblockcount\",\"id\":1}",
                "{\"jsonrpc\":2,\"method\":\"getblockcount\",\"id\":1}",
                "{\"method\":\"getblockcount\",\"params\":5,\"id\":1}",
                "{\"method\":\"getblockcount\",\"params\":[1],\"id\":1}",
                "{\"method\":\"getblockhash\",\"params\":[3],\"id\":-12}",
                "{\"method\":\"getblockhash\",\"params\":{\"height\":3},\"id\":[1,{\"a\":\"b\"}]}",
                "{\"method\":\"getblockhash\",\"params\":{\"hieght\":3},\"id\":1}",
                "{\"method\":\"getblockhash\",\"params\":[999],\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"getblockhash\",\"params\":[\"3\"],\"id\":1}",
                "{\"method\":\"getblock\",\"params\":[\"" + UNKNOWN + "\"],\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + UNKNOWN + "\",0],\"id\":1}",
                "{\"method\":\"getblock\",\"params\":[\"nothex\"],\"id\":1}",
                "{\"method\":\"getblock\",\"params\":[],\"id\":1}",
                "{\"method\":\"getblock\",\"id\":1}",
                "{\"method\":\"getblock\",\"params\":[\"" + s + "\",\"x\"],\"id\":1}",
                "{\"method\":\"getblock\",\"params\":[\"" + s + "\"],\"id\":1}",
                "{\"method\":\"getblock\",\"params\":[\"" + s + "\",0],\"id\":\"zero\"}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + s + "\",2],\"id\":2}",
                "{\"method\":\"getblock\",\"params\":[\"" + s + "\",3],\"id\":3}",
                "{\"method\":\"getblock\",\"params\":[\"" + s + "\",false],\"id\":4}",
                "{\"method\":\"getblock\",\"params\":[\"" + s + "\",true],\"id\":5}",
                "{\"method\":\"getblock\",\"params\":{\"blockhash\":\"" + s + "\",\"verbosity\":0},\"id\":6}",
                "{\"method\":\"getblock\",\"params\":{\"blockhash\":\"" + s.toUpperCase() + "\",\"verbose\":false},\"id\":7}",
                "{\"method\":\"getblock\",\"params\":{\"blockhash\":\"" + s + "\",\"bogus\":1},\"id\":8}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + s + "\",0]}",
                "{\"method\":\"echo\",\"params\":{\"arg0\":\"a\",\"arg3\":[1,{\"b\":null}]},\"id\":\"e\"}",
                "{\"method\":\"echo\",\"params\":[\"\\u00e9\\n\\\"\",1e3,-0.5,true],\"id\":{\"nested\":[1]}}",
                "{\"method\":\"getblockchaininfo\",\"id\":1,\"method\":\"getblockcount\"}",
                "{\"method\":\"getwalletinfo\",\"id\":1}",
                "{",
                "5",
                "\"text\"",
                "",
                "{} x",
                "{}{}",
                "[]",
                "[{\"method\":\"getblockcount\",\"id\":1},{\"jsonrpc\":\"2.0\",\"method\":\"getblockcount\"},5,"
                        + "{\"jsonrpc\":\"2.0\",\"method\":\"nosuch\",\"id\":3}]",
                "[{\"jsonrpc\":\"2.0\",\"method\":\"getblockcount\"},{\"jsonrpc\":\"2.0\",\"method\":\"getbestblockhash\"}]",
                "[{\"jsonrpc\":\"2.0\",\"method\":\"getblockcount\",\"id\":1},\"x\",[]]",
                // batches with getblock elements: split into sub-batches and single getblocks, spliced back
                "[{\"method\":\"getblockcount\",\"id\":1},{\"method\":\"getblock\",\"params\":[\"" + s + "\",0],\"id\":2},"
                        + "{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + s + "\",1],\"id\":\"b\"},"
                        + "{\"method\":\"getblock\",\"params\":[\"" + UNKNOWN + "\"],\"id\":4},7,"
                        + "{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + s + "\"]},"
                        + "{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + s + "\",2],\"id\":6},"
                        + "{\"method\":\"getblock\",\"params\":[\"" + s + "\",3],\"id\":7},[],"
                        + "{\"jsonrpc\":\"2.0\",\"method\":\"getblockhash\",\"params\":[1],\"id\":8}]",
                "[{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + s + "\",0],\"id\":1}]",
                "[{\"method\":\"getblock\",\"params\":[\"" + s + "\",0],\"id\":1},{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + s + "\",1],\"id\":2}]",
                "[{\"method\":\"getblock\",\"params\":[\"" + s + "\",0],\"id\":1},5,{\"method\":\"getblockcount\",\"id\":2}]");
    }

    @ParameterizedTest
    @MethodSource("singles")
    void bodiesStatusesAndTypesAreBitcoindsOwn(String body) throws IOException {
        assertTransparent("/", body);
    }

    @Test
    void walletPathsPassThrough() throws IOException {
        assertTransparent("/wallet/w1", "{\"method\":\"getwalletinfo\",\"id\":1}");
        assertTransparent("/wallet/w%202", "{\"jsonrpc\":\"2.0\",\"method\":\"getwalletinfo\",\"id\":1}");
        assertTransparent("/wallet/nosuch", "{\"method\":\"getwalletinfo\",\"id\":1}");
        assertTransparent("/wallet/w1", "{\"method\":\"getbalance\",\"id\":1}");
        assertTransparent("/wallet/w1", "{\"method\":\"getblockcount\",\"id\":1}");
        Http.Response r = fx.proxied("{\"method\":\"getwalletinfo\",\"id\":1}");
        assertThat(r.text()).contains("Wallet file not specified");
    }

    @Test
    void httpLevelRefusalsAreCores() throws IOException {
        for (String[] c : List.of(new String[] {"GET", "/"}, new String[] {"DELETE", "/"}, new String[] {"POST", "/rest/chaininfo.json"},
                new String[] {"POST", "/?x=1"}, new String[] {"HEAD", "/"}, new String[] {"PUT", "/wallet/w1"})) {
            Http.Response direct;
            try (Http h = new Http(fx.sim.port())) {
                direct = h.request(c[0], c[1], "HTTP/1.1", fx.sim.authorizationHeader(), Map.of(), new byte[0]);
            }
            Http.Response proxied;
            try (Http h = new Http(fx.port())) {
                proxied = h.request(c[0], c[1], "HTTP/1.1", fx.auth(), Map.of(), new byte[0]);
            }
            assertThat(proxied.status()).as("%s %s", c[0], c[1]).isEqualTo(direct.status());
            assertThat(proxied.text()).as("%s %s", c[0], c[1]).isEqualTo(direct.text());
        }
    }

    @Test
    void aFourMegabyteBlockComesThroughAtEveryVerbosity() throws IOException {
        for (String v : List.of("0", "1", "2", "3", "false", "true")) {
            assertTransparent("/", "{\"method\":\"getblock\",\"params\":[\"" + big + "\"," + v + "],\"id\":1}");
        }
        Http.Response r = fx.proxied("{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + big + "\",0],\"id\":1}");
        assertThat(r.header("content-length")).isEqualTo(Integer.toString(r.body().length));
        assertThat(r.text()).contains(fx.sim.blockHex(big));
        assertThat(r.body().length).isGreaterThan(8_000_000);
    }

    @Test
    void aBatchWithBigBlocksIsSplicedInOrder() throws IOException {
        String body = "[{\"method\":\"getblock\",\"params\":[\"" + big + "\",0],\"id\":1},{\"method\":\"getblockcount\",\"id\":2},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + big + "\",2],\"id\":3}]";
        assertTransparent("/", body);
        Http.Response r = fx.proxied(body);
        assertThat(r.chunked()).isTrue();
    }

    @Test
    void keepAliveConnectionCarriesManyRequests() throws IOException {
        try (Http h = new Http(fx.port())) {
            for (int i = 0; i < 200; i++) {
                Http.Response r = h.post("/", fx.auth(), "{\"jsonrpc\":\"2.0\",\"method\":\"getblockhash\",\"params\":[" + (i % 30) + "],\"id\":" + i + "}");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).endsWith(",\"id\":" + i + "}\n").contains(fx.sim.blockHash(i % 30));
            }
        }
    }

    @Test
    void upstreamConnectionsAreKeptAliveAndReused() throws IOException {
        try (ProxyFixture own = ProxyFixture.start(BitcoindSimulator.builder().blocks(5), b -> b.upstreamConnections(3))) {
            // a new client connection per request, as lnd's client does, and a keep-alive one
            for (int i = 0; i < 100; i++) {
                assertThat(own.proxied("{\"method\":\"getblockcount\",\"id\":" + i + "}").status()).isEqualTo(200);
            }
            try (Http h = new Http(own.port())) {
                for (int i = 0; i < 100; i++) {
                    assertThat(h.post("/", own.auth(), "{\"method\":\"getblockcount\",\"id\":" + i + "}").status()).isEqualTo(200);
                }
            }
            assertThat(own.sim.acceptedConnections()).isBetween(1L, 3L);
        }
    }

    @Test
    void aLargeAnswerIsPassedOnWhileItArrives() throws Exception {
        // a bitcoind that sends the first 1 MB of an 8 MB getblock answer and waits until the client has some
        int total = 8_000_000;
        CountDownLatch clientHasSome = new CountDownLatch(1);
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread fake = new Thread(() -> {
                try (Socket c = upstream.accept()) {
                    c.getInputStream().read(new byte[8192]);
                    OutputStream out = c.getOutputStream();
                    String prefix = "{\"result\":\"";
                    String suffix = "\",\"error\":null,\"id\":1}\n";
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + total
                            + "\r\n\r\n" + prefix).getBytes(StandardCharsets.US_ASCII));
                    byte[] zeros = "0".repeat(1_000_000 - prefix.length()).getBytes(StandardCharsets.US_ASCII);
                    out.write(zeros);
                    out.flush();
                    clientHasSome.await(); // nothing more until the client has seen the start of the answer
                    out.write("0".repeat(total - 1_000_000 - suffix.length()).getBytes(StandardCharsets.US_ASCII));
                    out.write(suffix.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    c.getInputStream().read(new byte[1]); // the proxy keeps the connection; the test closes it
                } catch (IOException | InterruptedException e) {
                    // the client side fails the test
                }
            });
            fake.setDaemon(true);
            fake.start();
            try (RpcProxy proxy = RpcProxy.start(ProxyFixture.configForUpstream(upstream.getLocalPort()).build());
                    Socket client = new Socket("127.0.0.1", proxy.port())) {
                client.setSoTimeout(10_000);
                String body = "{\"method\":\"getblock\",\"params\":[\"" + UNKNOWN + "\",0],\"id\":1}";
                client.getOutputStream().write(("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + Http.cookie(proxy)
                        + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = client.getInputStream();
                byte[] buf = new byte[65536];
                long got = 0;
                while (got < 512 * 1024) { // half a megabyte of the answer before bitcoind sent the rest
                    int n = in.read(buf);
                    assertThat(n).as("the answer broke off").isPositive();
                    got += n;
                }
                clientHasSome.countDown();
                int n;
                while (got < total && (n = in.read(buf)) > 0) {
                    got += n;
                }
                assertThat(got).isGreaterThan(total);
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        try (Http h = new Http(fx.port())) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                String body = i == 2 ? "{\"method\":\"getblock\",\"params\":[\"" + big + "\",0],\"id\":2}"
                        : "{\"method\":\"getblockhash\",\"params\":[" + i + "],\"id\":" + i + "}";
                all.append("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: ").append(fx.auth()).append("\r\nContent-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length)
                        .append("\r\n\r\n").append(body);
            }
            h.sendRaw(all.toString().getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 5; i++) {
                Http.Response r = h.read(false);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).endsWith(",\"id\":" + i + "}\n");
            }
        }
    }

    @Test
    void http10ClientGetsTheAnswerAndTheConnectionCloses() throws IOException {
        String body = "{\"method\":\"getblockcount\",\"id\":1}";
        try (Http h = new Http(fx.port())) {
            Http.Response r = h.request("POST", "/", "HTTP/1.0", fx.auth(), Map.of(), body.getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("{\"result\":30,\"error\":null,\"id\":1}\n");
            assertThat(h.closedByServer()).isTrue();
        }
        String batch = "[{\"method\":\"getblock\",\"params\":[\"" + small + "\",0],\"id\":1}]";
        try (Http h = new Http(fx.port())) {
            Http.Response r = h.request("POST", "/", "HTTP/1.0", fx.auth(), Map.of("Connection", "keep-alive"),
                    batch.getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.chunked()).isFalse();
            assertThat(r.text()).isEqualTo(fx.direct(batch).text());
        }
    }
}
