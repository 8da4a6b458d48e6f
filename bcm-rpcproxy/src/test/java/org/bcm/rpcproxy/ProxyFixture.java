package org.bcm.rpcproxy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;

/**
 * A bitcoind simulator and a proxy in front of it (cookie credentials, loopback; clients authenticate
 * with the proxy's own cookie, in the temporary cache directory, unless the test configures users or
 * no authentication), with short fetch timings so tests are fast. Closes both.
 */
final class ProxyFixture implements AutoCloseable {

    final BitcoindSimulator sim;
    final RpcProxy proxy;
    final Path cacheDir;
    private final String auth;

    private ProxyFixture(BitcoindSimulator sim, RpcProxy proxy, Path cacheDir) {
        this.sim = sim;
        this.proxy = proxy;
        this.cacheDir = cacheDir;
        // read once, as a client reads it at its start: a second proxy on the same cache directory rewrites the file
        this.auth = proxy.cookieFile().map(Http::cookie).orElse(null);
    }

    static ProxyFixture start(BitcoindSimulator.Builder simulator, Consumer<RpcProxyConfig.Builder> proxy) {
        BitcoindSimulator sim = simulator.start();
        Path cache = null;
        try {
            cache = Files.createTempDirectory("rpcproxy-cache");
            RpcProxyConfig.Builder b = configFor(sim, cache);
            proxy.accept(b);
            return new ProxyFixture(sim, RpcProxy.start(b.build()), cache);
        } catch (IOException | RuntimeException e) {
            sim.close();
            delete(cache);
            throw new IllegalStateException(e);
        }
    }

    static RpcProxyConfig.Builder configFor(BitcoindSimulator sim, Path cache) {
        RpcProxyConfig.Builder b = RpcProxyConfig.builder(Chain.REGTEST)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .upstream(URI.create("http://127.0.0.1:" + sim.port()))
                .upstreamTimeout(Duration.ofSeconds(10))
                .fetchWait(Duration.ofSeconds(5))
                .fetchPeerTimeout(Duration.ofSeconds(5))
                .fetchTimeout(Duration.ofSeconds(20))
                .fetchPoll(Duration.ofMillis(10))
                .cacheDir(cache)
                .shutdownGrace(Duration.ofSeconds(2));
        b.upstreamCredentials(sim.cookieFile().isPresent() ? new UpstreamCredentials.Cookie(sim.cookieFile().get())
                : new UpstreamCredentials.Password("user", "password"));
        return b;
    }

    /**
     * A proxy's settings for a hand-made upstream on 127.0.0.1:{@code port} (a test's own socket), with
     * user/password credentials and no block cache.
     */
    static RpcProxyConfig.Builder configForUpstream(int port) throws IOException {
        return RpcProxyConfig.builder(Chain.REGTEST)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .upstream(URI.create("http://127.0.0.1:" + port))
                .upstreamCredentials(new UpstreamCredentials.Password("u", "p"))
                .cacheDir(Files.createTempDirectory("rpcproxy-cache")).cacheSizeMiB(0);
    }

    int port() {
        return proxy.port();
    }

    /** A POST straight to the simulator, with its credentials. */
    Http.Response direct(String body) throws IOException {
        return Http.post(sim.port(), sim.authorizationHeader(), body);
    }

    /**
     * The {@code Authorization} value of the proxy's cookie, as a client reads it from the file; null when the
     * proxy has rpcauth users or no authentication.
     */
    String auth() {
        return auth;
    }

    /** A POST through the proxy, with the cookie's credentials ({@link #auth()}). */
    Http.Response proxied(String body) throws IOException {
        return Http.post(proxy.port(), auth, body);
    }

    @Override
    public void close() {
        try {
            proxy.close();
        } finally {
            sim.close();
            delete(cacheDir);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temporary directory
        }
    }
}
