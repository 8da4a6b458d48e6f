package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.junit.jupiter.api.Test;

/**
 * Bad input and bad conditions each get a correct status or JSON-RPC error, and the proxy keeps
 * serving everyone else: content types, oversize bodies, malformed HTTP, slow senders, stalled
 * readers, too many clients, bitcoind down, bitcoind's 503, bitcoind too slow, the proxy's own queue.
 */
class BadInputTest {

    private static final String COUNT = "{\"method\":\"getblockcount\",\"id\":1}";

    private static void stillServes(ProxyFixture fx) throws IOException {
        assertThat(fx.proxied(COUNT).text()).isEqualTo("{\"result\":20,\"error\":null,\"id\":1}\n");
    }

    @Test
    void contentTypeIsIgnoredAsCoreIgnoresIt() throws IOException {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20), b -> {})) {
            for (String[] c : new String[][] {{"text/plain", COUNT}, {"application/x-www-form-urlencoded", "a=1&b=2"},
                    {"multipart/form-data; boundary=x", "--x\r\n\r\n--x--"}, {"application/json; charset=utf-16", COUNT}}) {
                Http.Response direct;
                try (Http h = new Http(fx.sim.port())) {
                    direct = h.request("POST", "/", "HTTP/1.1", fx.sim.authorizationHeader(), Map.of("Content-Type", c[0]),
                            c[1].getBytes(StandardCharsets.UTF_8));
                }
                Http.Response proxied;
                try (Http h = new Http(fx.port())) {
                    proxied = h.request("POST", "/", "HTTP/1.1", fx.auth(), Map.of("Content-Type", c[0]), c[1].getBytes(StandardCharsets.UTF_8));
                }
                assertThat(proxied.status()).isEqualTo(direct.status());
                assertThat(proxied.text()).isEqualTo(direct.text());
            }
            Http.Response invalidUtf8 = Http.post(fx.port(), fx.auth(), "{\"method\":\"echo\",\"params\":[\"\u0000\"]}");
            assertThat(invalidUtf8.status()).isEqualTo(500);
            assertThat(invalidUtf8.text()).isEqualTo("{\"result\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"},\"id\":null}\n");
        }
    }

    @Test
    void oversizeBodiesGet413AndTheProxyGoesOn() throws IOException {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20), b -> b.maxRequestBytes(64 * 1024))) {
            byte[] big = ("{\"method\":\"echo\",\"params\":[\"" + "x".repeat(100_000) + "\"],\"id\":1}").getBytes(StandardCharsets.UTF_8);
            try (Http h = new Http(fx.port())) {
                Http.Response r = h.request("POST", "/", "HTTP/1.1", fx.auth(), Map.of(), big);
                assertThat(r.status()).isEqualTo(413);
            }
            try (Http h = new Http(fx.port())) {
                StringBuilder chunked = new StringBuilder("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
                for (int i = 0; i < 20; i++) {
                    chunked.append("1000\r\n").append("y".repeat(4096)).append("\r\n");
                }
                h.sendRaw(chunked.toString().getBytes(StandardCharsets.US_ASCII));
                assertThat(h.read(false).status()).isEqualTo(413);
                assertThat(h.closedByServer()).isTrue();
            }
            byte[] fits = ("{\"method\":\"echo\",\"params\":[\"" + "x".repeat(60_000) + "\"],\"id\":1}").getBytes(StandardCharsets.UTF_8);
            try (Http h = new Http(fx.port())) {
                Http.Response r = h.request("POST", "/", "HTTP/1.1", fx.auth(), Map.of(), fits);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body().length).isGreaterThan(60_000);
            }
            stillServes(fx);
        }
    }

    @Test
    void requestsThatTogetherPassRequestMemoryGet503AndTheOthersGoOn() throws Exception {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20),
                b -> b.maxRequestBytes(128 * 1024).requestMemoryBytes(256 * 1024));
                Http a = new Http(fx.port()); Http b = new Http(fx.port()); Http c = new Http(fx.port())) {
            String bodyA = "{\"method\":\"echo\",\"params\":[\"" + "a".repeat(100_000) + "\"],\"id\":1}";
            String bodyB = "{\"method\":\"echo\",\"params\":[\"" + "b".repeat(100_000) + "\"],\"id\":1}";
            int part = 90_000;
            // two requests of 100 kB are 90 kB in: 180 kB held
            for (Http h : List.of(a, b)) {
                String body = h == a ? bodyA : bodyB;
                h.sendRaw(("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + fx.auth() + "\r\nContent-Length: " + body.length()
                        + "\r\n\r\n" + body.substring(0, part))
                        .getBytes(StandardCharsets.US_ASCII));
            }
            Await.until(Duration.ofSeconds(5), "180 kB held", () -> Await.metric(fx.proxy, "rpcproxy_request_memory_bytes") == 2 * part);
            // a third one passes 256 kB on its way in: 503 and its connection closed
            c.sendRaw(("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + fx.auth() + "\r\nContent-Length: " + bodyA.length()
                    + "\r\n\r\n" + bodyA)
                    .getBytes(StandardCharsets.US_ASCII));
            Http.Response refused = c.read(false);
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.text()).startsWith("bcm-rpcproxy: request bodies of more than request-memory (262144 bytes)");
            assertThat(c.closedByServer()).isTrue();
            Await.until(Duration.ofSeconds(5), "the refused bytes given back",
                    () -> Await.metric(fx.proxy, "rpcproxy_request_memory_bytes") == 2 * part);
            // the first two complete and are answered
            a.sendRaw(bodyA.substring(part).getBytes(StandardCharsets.US_ASCII));
            b.sendRaw(bodyB.substring(part).getBytes(StandardCharsets.US_ASCII));
            Http.Response ra = a.read(false);
            Http.Response rb = b.read(false);
            assertThat(ra.status()).isEqualTo(200);
            assertThat(ra.text()).contains("a".repeat(100_000));
            assertThat(rb.text()).contains("b".repeat(100_000));
            Await.until(Duration.ofSeconds(5), "nothing held", () -> Await.metric(fx.proxy, "rpcproxy_request_memory_bytes") == 0);
            stillServes(fx);
        }
    }

    @Test
    void malformedHttpIsRefusedAndTheConnectionClosed() throws IOException {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20), b -> {})) {
            try (Http h = new Http(fx.port())) {
                h.sendRaw("POST / HTTP/1.1\r\nHost: x\r\nX-Big: ".getBytes(StandardCharsets.US_ASCII));
                h.sendRaw(("z".repeat(10_000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                Http.Response r = h.read(false);
                assertThat(r.status()).isEqualTo(400);
                assertThat(h.closedByServer()).isTrue();
            }
            try (Http h = new Http(fx.port())) {
                h.sendRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII));
                assertThat(h.read(false).status()).isEqualTo(400);
                assertThat(h.closedByServer()).isTrue();
            }
            stillServes(fx);
        }
    }

    @Test
    void slowSendersAndIdleConnectionsAreClosedAfterTheClientTimeout() throws Exception {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20),
                b -> b.clientTimeout(Duration.ofMillis(400)))) {
            try (Http slowHeaders = new Http(fx.port()); Http slowBody = new Http(fx.port()); Http idle = new Http(fx.port())) {
                long t0 = System.nanoTime();
                slowHeaders.sendRaw("POST / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                slowBody.sendRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"met".getBytes(StandardCharsets.US_ASCII));
                assertThat(idle.post("/", fx.auth(), COUNT).status()).isEqualTo(200);
                // others are served meanwhile
                for (int i = 0; i < 10; i++) {
                    stillServes(fx);
                }
                assertThat(slowHeaders.closedByServer()).isTrue();
                assertThat(slowBody.closedByServer()).isTrue();
                assertThat(idle.closedByServer()).isTrue();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(ms).isBetween(350L, 5000L);
            }
        }
    }

    @Test
    void aClientThatStopsReadingIsDisconnectedAndNothingLeaks() throws Exception {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20).blockSize(10, 4_000_000),
                b -> b.clientTimeout(Duration.ofMillis(500)).upstreamConnections(2))) {
            String hash = fx.sim.blockHash(10);
            String body = "{\"method\":\"getblock\",\"params\":[\"" + hash + "\",0],\"id\":1}";
            for (int round = 0; round < 3; round++) {
                try (Socket s = new Socket()) {
                    s.setReceiveBufferSize(4096);
                    s.connect(new InetSocketAddress("127.0.0.1", fx.port()));
                    s.getOutputStream().write(("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + fx.auth() + "\r\nContent-Length: "
                            + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    // read nothing: the proxy must give up on this client
                    Await.until(Duration.ofSeconds(10), "the stalled client to be dropped",
                            () -> Await.metric(fx.proxy, "rpcproxy_client_connections") == 0);
                }
            }
            stillServes(fx);
            assertThat(Await.metric(fx.proxy, "rpcproxy_upstream_connections")).isLessThanOrEqualTo(2);
            // the whole block still comes through for a client that reads
            assertThat(fx.proxied(body).text()).contains(fx.sim.blockHex(hash));
        }
    }

    @Test
    void connectionsBeyondMaxClientsAreClosed() throws IOException {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20), b -> b.maxClients(2))) {
            try (Http a = new Http(fx.port()); Http b = new Http(fx.port())) {
                assertThat(a.post("/", fx.auth(), COUNT).status()).isEqualTo(200);
                assertThat(b.post("/", fx.auth(), COUNT).status()).isEqualTo(200);
                try (Http c = new Http(fx.port())) {
                    assertThat(c.closedByServer()).isTrue();
                }
            }
            Await.until(Duration.ofSeconds(5), "connections released", () -> Await.metric(fx.proxy, "rpcproxy_client_connections") == 0);
            stillServes(fx);
        }
    }

    @Test
    void bitcoindDownGives503ForEveryKindOfRequest() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        RpcProxyConfig config = ProxyFixture.configForUpstream(closedPort).build();
        try (RpcProxy proxy = RpcProxy.start(config)) {
            String hash = "22".repeat(32);
            for (String body : new String[] {COUNT, "{\"method\":\"getblock\",\"params\":[\"" + hash + "\",0],\"id\":1}",
                    "[{\"method\":\"getblock\",\"params\":[\"" + hash + "\",0],\"id\":1}]", "[" + COUNT + "]"}) {
                Http.Response r = Http.post(proxy.port(), Http.cookie(proxy), body);
                assertThat(r.status()).as(body).isEqualTo(503);
                assertThat(r.text()).as(body).startsWith("bcm-rpcproxy: cannot connect to bitcoind at http://127.0.0.1:" + closedPort);
            }
            assertThat(Await.metric(proxy, "rpcproxy_upstream_errors_total{reason=\"connect\"}")).isEqualTo(4);
        }
    }

    @Test
    void bitcoindsWorkQueue503PassesThroughAndSlowAnswersTimeOut() throws Exception {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20).rpcThreads(1).workQueue(1),
                b -> b.upstreamTimeout(Duration.ofMillis(400)).upstreamConnections(3))) {
            // occupy bitcoind's only thread and its only queue slot
            CompletableFuture<Http.Response> busy = CompletableFuture.supplyAsync(() -> post(fx.sim.port(), fx.sim.authorizationHeader(),
                    "{\"method\":\"waitfornewblock\",\"params\":[0],\"id\":1}"));
            Await.until(Duration.ofSeconds(5), "the thread to be busy", () -> fx.sim.methodCalls("waitfornewblock") == 1);
            CompletableFuture<Http.Response> queued = CompletableFuture.supplyAsync(() -> post(fx.sim.port(), fx.sim.authorizationHeader(), COUNT));
            Await.until(Duration.ofSeconds(5), "the queue slot to be taken", () -> fx.sim.queuedRequests() == 1);
            Http.Response direct503 = Http.post(fx.sim.port(), fx.sim.authorizationHeader(), COUNT);
            assertThat(direct503.status()).isEqualTo(503);
            Http.Response r = fx.proxied(COUNT);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.text()).isEqualTo("Work queue depth exceeded").isEqualTo(direct503.text());
            assertThat(r.header("content-type")).isEqualTo(direct503.header("content-type"));

            fx.sim.mine(1);
            assertThat(busy.get().status()).isEqualTo(200);
            assertThat(queued.get().status()).isEqualTo(200);

            // an answer that does not start within upstream-timeout: 504, and the proxy goes on
            long t0 = System.nanoTime();
            Http.Response slow = fx.proxied("{\"method\":\"waitfornewblock\",\"params\":[0],\"id\":1}");
            assertThat(slow.status()).isEqualTo(504);
            assertThat(slow.text()).contains("did not answer within 400 ms");
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(350L, 5000L);
            fx.sim.mine(1);
            assertThat(fx.proxied(COUNT).text()).isEqualTo("{\"result\":22,\"error\":null,\"id\":1}\n");
        }
    }

    @Test
    void anAnswerThatStopsHalfwayTimesOutAndClosesTheClientsConnection() throws Exception {
        // a bitcoind that sends its head and ten bytes of a 100-byte body, then nothing, keeping the connection
        try (ServerSocket upstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread fake = new Thread(() -> {
                try (Socket c = upstream.accept()) {
                    byte[] buf = new byte[8192];
                    c.getInputStream().read(buf);
                    c.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                            + "{\"result\":").getBytes(StandardCharsets.US_ASCII));
                    c.getOutputStream().flush();
                    c.getInputStream().read(buf); // until the proxy gives up and closes
                } catch (IOException e) {
                    // the test fails on the client side
                }
            });
            fake.setDaemon(true);
            fake.start();
            RpcProxyConfig config = ProxyFixture.configForUpstream(upstream.getLocalPort())
                    .upstreamTimeout(Duration.ofMillis(400)).build();
            try (RpcProxy proxy = RpcProxy.start(config); Socket client = new Socket("127.0.0.1", proxy.port())) {
                client.setSoTimeout(10_000);
                long t0 = System.nanoTime();
                client.getOutputStream().write(("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + Http.cookie(proxy)
                        + "\r\nContent-Length: " + COUNT.length() + "\r\n\r\n" + COUNT)
                        .getBytes(StandardCharsets.US_ASCII));
                String got = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII); // to EOF
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(got).startsWith("HTTP/1.1 200 OK").contains("Content-Length: 100").endsWith("\r\n\r\n{\"result\":");
                assertThat(ms).isBetween(350L, 5000L);
                assertThat(Await.metric(proxy, "rpcproxy_upstream_errors_total{reason=\"timeout\"}")).isEqualTo(1);
            }
            fake.join(5000);
            assertThat(fake.isAlive()).as("the proxy closed its connection to the stalled bitcoind").isFalse();
        }
    }

    @Test
    void theProxysOwnQueueLimitAnswersLikeCore() throws Exception {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(20).rpcThreads(4),
                b -> b.upstreamConnections(1).upstreamQueue(1))) {
            String wait = "{\"method\":\"waitfornewblock\",\"params\":[0],\"id\":1}";
            CompletableFuture<Http.Response> first = CompletableFuture.supplyAsync(() -> post(fx.port(), fx.auth(), wait));
            Await.until(Duration.ofSeconds(5), "the connection to be busy", () -> fx.sim.methodCalls("waitfornewblock") == 1);
            CompletableFuture<Http.Response> second = CompletableFuture.supplyAsync(() -> post(fx.port(), fx.auth(), COUNT));
            Await.until(Duration.ofSeconds(5), "the second request to queue",
                    () -> Await.metric(fx.proxy, "rpcproxy_upstream_queued_requests") == 1);
            Http.Response third = fx.proxied(COUNT);
            assertThat(third.status()).isEqualTo(503);
            assertThat(third.text()).isEqualTo("Work queue depth exceeded");
            assertThat(Await.metric(fx.proxy, "rpcproxy_upstream_errors_total{reason=\"queue_full\"}")).isGreaterThanOrEqualTo(1);
            fx.sim.mine(1);
            assertThat(first.get().status()).isEqualTo(200);
            assertThat(second.get().text()).isEqualTo("{\"result\":21,\"error\":null,\"id\":1}\n");
        }
    }

    private static Http.Response post(int port, String auth, String body) {
        try {
            return Http.post(port, auth, body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
