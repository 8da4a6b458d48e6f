package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.junit.jupiter.api.Test;

/**
 * Incoming authentication (rpcauth users, colons in passwords, 401 with Core's 250 ms delay that holds
 * no thread; without users the proxy's own cookie, or nothing only when explicitly insecure), -rpcwhitelist and -rpcwhitelistdefault with Core's exact answers (the simulator, given
 * the same lines, is the reference), and the upstream credentials: cookie reloaded after a bitcoind
 * restart, wrong credentials, missing cookie.
 */
class AuthTest {

    private static final RpcAuthUser ALICE = RpcAuthUser.create("alice", "pa:ss:word");
    private static final RpcAuthUser BOB = RpcAuthUser.create("bob", "hunter2");
    private static final String ALICE_AUTH = Http.basic("alice", "pa:ss:word");
    private static final String BOB_AUTH = Http.basic("bob", "hunter2");

    /** A simulator and a proxy with the same users and whitelist lines. */
    private static ProxyFixture withUsers(List<String> whitelist, Boolean whitelistDefault) {
        BitcoindSimulator.Builder sim = BitcoindSimulator.builder().blocks(10).rpcauth(ALICE.value()).rpcauth(BOB.value());
        whitelist.forEach(sim::rpcwhitelist);
        if (!whitelist.isEmpty()) {
            // the proxy's own (cookie) user must be allowed by bitcoind's whitelist default too
            sim.rpcwhitelist("__cookie__:getblockcount,getblockhash,getblockchaininfo,echo");
        }
        if (whitelistDefault != null) sim.rpcwhitelistDefault(whitelistDefault);
        return ProxyFixture.start(sim, b -> {
            b.addRpcAuth(ALICE).addRpcAuth(BOB);
            for (String line : whitelist) {
                int colon = line.indexOf(':');
                b.addRpcWhitelist(line.substring(0, colon), Set.of(line.substring(colon + 1).split(",")));
            }
            if (whitelistDefault != null) b.rpcWhitelistDefault(whitelistDefault);
        });
    }

    private static void sameAsCore(ProxyFixture fx, String authorization, String body) throws IOException {
        Http.Response core = Http.post(fx.sim.port(), authorization, body);
        Http.Response proxied = Http.post(fx.port(), authorization, body);
        assertThat(proxied.status()).as(body).isEqualTo(core.status());
        assertThat(proxied.text()).as(body).isEqualTo(core.text());
        assertThat(proxied.header("www-authenticate")).isEqualTo(core.header("www-authenticate"));
    }

    @Test
    void usersAuthenticateLikeCore() throws Exception {
        try (ProxyFixture fx = withUsers(List.of(), null)) {
            String body = "{\"method\":\"getblockcount\",\"id\":1}";
            assertThat(Http.post(fx.port(), ALICE_AUTH, body).text()).isEqualTo("{\"result\":10,\"error\":null,\"id\":1}\n");
            assertThat(Http.post(fx.port(), BOB_AUTH, body).status()).isEqualTo(200);

            Http.Response missing = Http.post(fx.port(), null, body);
            assertThat(missing.status()).isEqualTo(401);
            assertThat(missing.header("www-authenticate")).isEqualTo("Basic realm=\"jsonrpc\"");
            assertThat(missing.body()).isEmpty();

            for (String wrong : List.of(Http.basic("alice", "pa:ss"), Http.basic("alice", "pa:ss:word:"),
                    Http.basic("mallory", "pa:ss:word"), "Basic !!!notbase64", "Bearer abc", Http.basic("alice", ""))) {
                sameAsCore(fx, wrong, body);
            }
        }
    }

    @Test
    void wrongCredentialsWait250MsWithoutHoldingUpOthers() throws Exception {
        try (ProxyFixture fx = withUsers(List.of(), null)) {
            String body = "{\"method\":\"getblockcount\",\"id\":1}";
            long t0 = System.nanoTime();
            CompletableFuture<Http.Response> wrong = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.post(fx.port(), Http.basic("alice", "nope"), body);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            // meanwhile (same single I/O thread) a good client is answered at once
            for (int i = 0; i < 20; i++) {
                assertThat(Http.post(fx.port(), BOB_AUTH, body).status()).isEqualTo(200);
            }
            Http.Response r = wrong.get();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.status()).isEqualTo(401);
            assertThat(ms).isGreaterThanOrEqualTo(245);
        }
    }

    @Test
    void aWrongPasswordClosesTheConnectionAfterTheDelayed401() throws IOException {
        try (ProxyFixture fx = withUsers(List.of(), null); Http h = new Http(fx.port())) {
            h.socket().setSoTimeout(5000);
            String body = "{\"method\":\"getblockcount\",\"id\":1}";
            assertThat(h.post("/", ALICE_AUTH, body).status()).isEqualTo(200);
            long t0 = System.nanoTime();
            Http.Response r = h.post("/", Http.basic("alice", "guess"), body);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(245);
            assertThat(h.closedByServer()).isTrue();
        }
    }

    @Test
    void tenWrongPasswordsBlockTheAddressWithTwoSafeLogLinesAndAreCounted() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ClientHandler.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines = new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        log.addAppender(lines);
        String body = "{\"method\":\"getblockcount\",\"id\":1}";
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(10), b -> {}); Http known = new Http(fx.port())) {
            // a client that proved the cookie before the attack keeps its connection
            assertThat(known.post("/", fx.auth(), body).status()).isEqualTo(200);
            String mallory = Http.basic("mal\nlory\u001b[2J", "guess");
            List<CompletableFuture<Http.Response>> guesses = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                guesses.add(CompletableFuture.supplyAsync(() -> post(fx.port(), mallory, body)));
            }
            for (CompletableFuture<Http.Response> g : guesses) {
                assertThat(g.get().status()).isEqualTo(401);
            }
            // blocked: closed at accept, even with the right cookie, without an answer
            try (Http next = new Http(fx.port())) {
                next.socket().setSoTimeout(5000);
                assertThat(next.closedByServer()).isTrue();
            }
            assertThat(known.post("/", fx.auth(), body).status()).isEqualTo(200);
            assertThat(Await.metric(fx.proxy, "rpcproxy_auth_failures_total")).isEqualTo(10);
            assertThat(Await.metric(fx.proxy, "rpcproxy_auth_blocked_total")).isEqualTo(1);
        } finally {
            log.detachAppender(lines);
        }
        List<String> warnings = lines.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).startsWith("incorrect password attempt from 127.0.0.1 (user 'mal?lory?[2J'); further "
                + "attempts from this address are counted (rpcproxy_auth_failures_total), not logged, and 10 within 60 s block it");
        assertThat(warnings.get(1)).isEqualTo("blocking 127.0.0.1 for 60 s: 10 incorrect password attempts within 60 s; its "
                + "connections are closed at once until then");
    }

    private static Http.Response post(int port, String auth, String body) {
        try {
            return Http.post(port, auth, body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void whitelistsRefuseLikeCore() throws IOException {
        try (ProxyFixture fx = withUsers(List.of("bob:getblockcount,getblockhash", "bob:getblockhash,getblockcount,echo"), false)) {
            String ok = "{\"method\":\"getblockcount\",\"id\":1}";
            sameAsCore(fx, BOB_AUTH, ok);
            assertThat(Http.post(fx.port(), BOB_AUTH, ok).status()).isEqualTo(200);
            // echo is not in the intersection of bob's two lines
            for (String body : List.of("{\"method\":\"echo\",\"id\":1}", "{\"method\":\"getblockchaininfo\",\"id\":1}",
                    "[{\"method\":\"getblockcount\",\"id\":1},{\"method\":\"getblockchaininfo\",\"id\":2}]",
                    "[{\"method\":\"getblockcount\",\"id\":1},5]",
                    "[{\"method\":\"getblockcount\",\"id\":1},{\"id\":2}]",
                    "[{\"method\":\"getblockcount\",\"id\":1},{\"method\":7,\"id\":2}]",
                    "[{\"method\":\"getblockcount\",\"id\":1},{\"method\":\"getblockhash\",\"params\":[1],\"id\":2}]",
                    "{\"id\":1}", "{", "7")) {
                sameAsCore(fx, BOB_AUTH, body);
            }
            Http.Response refused = Http.post(fx.port(), BOB_AUTH, "{\"method\":\"getblockchaininfo\",\"id\":1}");
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.body()).isEmpty();
            // alice has no whitelist and rpcwhitelistdefault=0: everything
            sameAsCore(fx, ALICE_AUTH, "{\"method\":\"getblockchaininfo\",\"id\":1}");
            assertThat(Http.post(fx.port(), ALICE_AUTH, "{\"method\":\"echo\",\"id\":1}").status()).isEqualTo(200);
        }
    }

    @Test
    void whitelistDefaultRefusesUsersWithoutWhitelist() throws IOException {
        try (ProxyFixture fx = withUsers(List.of("bob:getblockcount"), null)) {
            for (String body : List.of("{\"method\":\"getblockcount\",\"id\":1}", "[]", "{")) {
                sameAsCore(fx, ALICE_AUTH, body);
            }
            assertThat(Http.post(fx.port(), ALICE_AUTH, "{\"method\":\"getblockcount\",\"id\":1}").status()).isEqualTo(403);
            assertThat(Http.post(fx.port(), BOB_AUTH, "{\"method\":\"getblockcount\",\"id\":1}").status()).isEqualTo(200);
        }
    }

    @Test
    void withoutUsersClientsNeedTheProxysOwnCookieWhichIsGoneAfterClose() throws Exception {
        String body = "{\"method\":\"getblockcount\",\"id\":1}";
        ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(10), b -> {});
        try (fx) {
            Path cookie = fx.proxy.cookieFile().orElseThrow();
            assertThat(cookie).isEqualTo(fx.cacheDir.resolve(".cookie"));
            assertThat(Files.readString(cookie)).matches("__cookie__:[0-9a-f]{64}");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(cookie)))
                    .isEqualTo("rw-------");

            Http.Response none = Http.post(fx.port(), null, body);
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.header("www-authenticate")).isEqualTo("Basic realm=\"jsonrpc\"");
            assertThat(Http.post(fx.port(), Http.basic("__cookie__", "00".repeat(32)), body).status()).isEqualTo(401);
            // bitcoind's own cookie is not the proxy's
            assertThat(Http.post(fx.port(), fx.sim.authorizationHeader(), body).status()).isEqualTo(401);
            assertThat(Http.post(fx.port(), Http.cookie(cookie), body).text()).isEqualTo("{\"result\":10,\"error\":null,\"id\":1}\n");
            fx.proxy.close();
            assertThat(cookie).doesNotExist();
        }
    }

    @Test
    void insecureNoAuthenticationServesEveryLocalClientAndWritesNoCookie() throws IOException {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(10), b -> b.insecureNoAuthentication(true))) {
            assertThat(fx.proxy.cookieFile()).isEmpty();
            assertThat(fx.cacheDir.resolve(".cookie")).doesNotExist();
            assertThat(Http.post(fx.port(), null, "{\"method\":\"getblockcount\",\"id\":1}").status()).isEqualTo(200);
        }
    }

    @Test
    void aBitcoindRestartWithANewCookieIsFollowed() throws IOException {
        try (ProxyFixture fx = ProxyFixture.start(BitcoindSimulator.builder().blocks(10), b -> {})) {
            String body = "{\"method\":\"getblockcount\",\"id\":1}";
            try (Http keep = new Http(fx.port())) {
                assertThat(keep.post("/", fx.auth(), body).status()).isEqualTo(200);
                for (int i = 0; i < 3; i++) {
                    String before = fx.sim.authorizationHeader();
                    fx.sim.restart(); // new cookie, connections dropped
                    assertThat(fx.sim.authorizationHeader()).isNotEqualTo(before);
                    assertThat(keep.post("/", fx.auth(), body).text()).isEqualTo("{\"result\":10,\"error\":null,\"id\":1}\n");
                }
            }
        }
    }

    @Test
    void wrongUpstreamCredentialsAndMissingCookieGiveGatewayErrors() throws IOException {
        try (BitcoindSimulator sim = BitcoindSimulator.builder().blocks(10).rpcUser("user", "right").start()) {
            Path cache = Files.createTempDirectory("rpcproxy-cache");
            RpcProxyConfig wrong = ProxyFixture.configFor(sim, cache)
                    .upstreamCredentials(new UpstreamCredentials.Password("user", "wrong")).cacheSizeMiB(0).build();
            try (RpcProxy proxy = RpcProxy.start(wrong)) {
                Http.Response r = Http.post(proxy.port(), Http.cookie(proxy), "{\"method\":\"getblockcount\",\"id\":1}");
                assertThat(r.status()).isEqualTo(502);
                assertThat(r.text()).startsWith("bcm-rpcproxy: bitcoind at http://127.0.0.1:" + sim.port())
                        .contains("refused the proxy's credentials").doesNotContain("wrong");
                assertThat(Await.metric(proxy, "rpcproxy_upstream_errors_total{reason=\"auth\"}")).isEqualTo(1);
            }
            RpcProxyConfig noCookie = ProxyFixture.configFor(sim, cache)
                    .upstreamCredentials(new UpstreamCredentials.Cookie(cache.resolve("nosuch/.cookie"))).cacheSizeMiB(0).build();
            try (RpcProxy proxy = RpcProxy.start(noCookie)) {
                Http.Response r = Http.post(proxy.port(), Http.cookie(proxy), "{\"method\":\"getblockcount\",\"id\":1}");
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.text()).contains("cannot read the cookie file");
            }
            RpcProxyConfig right = ProxyFixture.configFor(sim, cache)
                    .upstreamCredentials(new UpstreamCredentials.Password("user", "right"))
                    .upstream(URI.create("http://127.0.0.1:" + sim.port())).cacheSizeMiB(0).build();
            try (RpcProxy proxy = RpcProxy.start(right)) {
                assertThat(Http.post(proxy.port(), Http.cookie(proxy), "{\"method\":\"getblockcount\",\"id\":1}").status()).isEqualTo(200);
            }
        }
    }
}
