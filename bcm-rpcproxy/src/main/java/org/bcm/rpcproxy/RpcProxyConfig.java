package org.bcm.rpcproxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the proxy needs to run, resolved and checked. Build one with {@link #builder(Chain)} (every
 * setting has a default derived from the chain) or from config-file/flag settings with {@link
 * RpcProxySettings#toConfig}. The config keys of each setting are listed in bcm-rpcproxy/README.md.
 *
 * @param chain the chain bitcoind runs (default ports and cookie path)
 * @param listen address clients connect to (key {@code listen})
 * @param upstream bitcoind's RPC URL, {@code http://host:port}, without path (key {@code upstream})
 * @param upstreamCredentials how the proxy authenticates to bitcoind
 * @param upstreamTimeout longest wait for bitcoind's answer to start, queueing for a connection
 *     included, and longest pause in the middle of an answer (key {@code upstream-timeout}; default 900 s,
 *     bitcoin-cli's {@code -rpcclienttimeout}, so that long calls such as {@code waitfornewblock} or
 *     {@code gettxoutsetinfo} pass as they would straight to bitcoind)
 * @param upstreamConnections most keep-alive connections to bitcoind; keep it below bitcoind's {@code
 *     rpcthreads} so other clients still get a thread (key {@code upstream-connections})
 * @param upstreamQueue most requests waiting for a connection before the proxy answers 503 "Work queue
 *     depth exceeded" itself (key {@code upstream-queue})
 * @param rpcAuth incoming users (key {@code rpcauth}, repeatable); without any, clients authenticate
 *     with the proxy's own cookie ({@code rpcCookieFile}) unless {@code insecureNoAuthentication}
 * @param rpcWhitelist per-user method whitelists, as Core's {@code -rpcwhitelist} (key {@code
 *     rpcwhitelist}, repeatable)
 * @param rpcWhitelistDefault users without a whitelist may call nothing (Core's {@code
 *     -rpcwhitelistdefault}; default true when any whitelist is set)
 * @param rpcCookieFile where the proxy writes its own cookie ({@code __cookie__:<64 hex>}, mode 0600, as
 *     Core's {@code -rpccookiefile}) when there is no {@code rpcauth} user and authentication is not
 *     turned off; null otherwise (key {@code rpccookiefile}; default {@code <cacheDir>/.cookie}; a
 *     relative path is taken relative to {@code cacheDir}, as Core takes it relative to its datadir)
 * @param insecureNoAuthentication serve clients without any authentication: only without {@code rpcauth}
 *     users and only on a loopback {@code listen} address (key {@code insecure-no-authentication},
 *     default false)
 * @param fetchWait how long a client's {@code getblock} of a pruned block waits for the block before it
 *     gets Core's pruned error while the fetch goes on (key {@code fetch-wait})
 * @param fetchPeerTimeout how long one peer may take to deliver before another is asked (key {@code
 *     fetch-peer-timeout})
 * @param fetchTimeout how long one fetch tries in all before it gives up (key {@code fetch-timeout})
 * @param fetchPoll how often the proxy asks bitcoind whether a requested block arrived (key {@code
 *     fetch-poll})
 * @param cacheDir directory of the on-disk cache of fetched blocks (key {@code cache-dir})
 * @param cacheSizeMiB cache size limit in MiB; 0 disables the cache (key {@code cache-size})
 * @param maxRequestBytes largest request body accepted; larger ones get 413 (key {@code
 *     max-request-size})
 * @param requestMemoryBytes most bytes of request bodies held at once over all clients, while they
 *     arrive and until they are answered; a request that would pass it gets 503 and its connection is
 *     closed (key {@code request-memory}; 0 in the builder means a quarter of the JVM's heap, at least
 *     {@code maxRequestBytes})
 * @param clientTimeout a client must send a whole request within it, may stay idle between requests
 *     for it, and may stall reading a response for at most it (key {@code client-timeout}); on the
 *     metrics listener too
 * @param maxClients most client connections at once; more are closed at once (key {@code max-clients});
 *     the metrics listener has a limit of its own of the same size
 * @param metricsListen address of the Prometheus endpoint {@code GET /metrics}, or null for none (key
 *     {@code metrics-listen}); it has no authentication, so a non-loopback address needs {@code
 *     metricsAllowRemote}
 * @param metricsAllowRemote allows a {@code metricsListen} address that is not loopback (key {@code
 *     metrics-allow-remote}, default false)
 * @param ioThreads event-loop threads serving clients and bitcoind (key {@code io-threads})
 * @param shutdownGrace how long {@link RpcProxy#close()} lets requests in progress finish (key {@code
 *     shutdown-grace})
 */
public record RpcProxyConfig(
        Chain chain,
        InetSocketAddress listen,
        URI upstream,
        UpstreamCredentials upstreamCredentials,
        Duration upstreamTimeout,
        int upstreamConnections,
        int upstreamQueue,
        List<RpcAuthUser> rpcAuth,
        Map<String, Set<String>> rpcWhitelist,
        boolean rpcWhitelistDefault,
        Path rpcCookieFile,
        boolean insecureNoAuthentication,
        Duration fetchWait,
        Duration fetchPeerTimeout,
        Duration fetchTimeout,
        Duration fetchPoll,
        Path cacheDir,
        long cacheSizeMiB,
        long maxRequestBytes,
        long requestMemoryBytes,
        Duration clientTimeout,
        int maxClients,
        InetSocketAddress metricsListen,
        boolean metricsAllowRemote,
        int ioThreads,
        Duration shutdownGrace) {

    /**
     * @throws RpcProxyException (INVALID_CONFIG) naming the first invalid setting, including {@code
     *     insecureNoAuthentication} with a non-loopback {@code listen} address or with {@code rpcauth} users,
     *     no way of authentication at all, and a non-loopback {@code metricsListen} without {@code
     *     metricsAllowRemote}
     */
    public RpcProxyConfig {
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(upstreamCredentials, "upstreamCredentials");
        Objects.requireNonNull(cacheDir, "cacheDir");
        rpcAuth = List.copyOf(rpcAuth);
        Map<String, Set<String>> wl = new LinkedHashMap<>();
        rpcWhitelist.forEach((user, methods) -> wl.put(user, Set.copyOf(methods)));
        rpcWhitelist = Map.copyOf(wl);
        if (!"http".equals(upstream.getScheme()) || upstream.getHost() == null) {
            throw RpcProxyException.invalid("upstream must be an http://host:port URL (got " + upstream + ")");
        }
        positive("upstream-timeout", upstreamTimeout);
        positive("fetch-wait", fetchWait);
        positive("fetch-peer-timeout", fetchPeerTimeout);
        positive("fetch-timeout", fetchTimeout);
        positive("fetch-poll", fetchPoll);
        positive("client-timeout", clientTimeout);
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        atLeast("upstream-connections", upstreamConnections, 1);
        atLeast("upstream-queue", upstreamQueue, 0);
        atLeast("max-clients", maxClients, 1);
        atLeast("io-threads", ioThreads, 1);
        if (ioThreads > upstreamConnections) {
            // every I/O thread has its own connections to bitcoind, at least one
            throw RpcProxyException.invalid("io-threads (" + ioThreads + ") must not exceed upstream-connections ("
                    + upstreamConnections + "): each I/O thread keeps at least one connection to bitcoind");
        }
        if (cacheSizeMiB < 0) {
            throw RpcProxyException.invalid("cache-size must be 0 (no cache) or a size in MiB (got " + cacheSizeMiB + ")");
        }
        if (maxRequestBytes < 1024) {
            throw RpcProxyException.invalid("max-request-size must be at least 1KiB (got " + maxRequestBytes + " bytes)");
        }
        if (requestMemoryBytes < maxRequestBytes) {
            throw RpcProxyException.invalid("request-memory (" + requestMemoryBytes + " bytes) must be at least max-request-size ("
                    + maxRequestBytes + " bytes), or no request of the largest size could be taken");
        }
        if (insecureNoAuthentication && !rpcAuth.isEmpty()) {
            throw RpcProxyException.invalid("insecure-no-authentication=1 contradicts the rpcauth users: with users every "
                    + "client must authenticate; remove one or the other");
        }
        if (insecureNoAuthentication && !isLoopback(listen)) {
            throw RpcProxyException.invalid("insecure-no-authentication=1 lets every client call bitcoind without a password, "
                    + "which the proxy allows only on a loopback address; listen=" + RpcProxySettings.format(listen)
                    + " is not one: remove insecure-no-authentication (clients then authenticate with the proxy's cookie, "
                    + "rpccookiefile, or add rpcauth users) or listen on 127.0.0.1");
        }
        if (rpcCookieFile != null && (insecureNoAuthentication || !rpcAuth.isEmpty())) {
            throw RpcProxyException.invalid("rpccookiefile is used only without rpcauth users and without "
                    + "insecure-no-authentication; remove it");
        }
        if (rpcCookieFile == null && rpcAuth.isEmpty() && !insecureNoAuthentication) {
            throw RpcProxyException.invalid("no way for clients to authenticate: give rpcauth users, rpccookiefile, or "
                    + "insecure-no-authentication=1 (loopback only)");
        }
        if (metricsListen != null && !metricsAllowRemote && !isLoopback(metricsListen)) {
            throw RpcProxyException.invalid("metrics-listen=" + RpcProxySettings.format(metricsListen) + " is not a loopback "
                    + "address, and the metrics endpoint has no authentication: listen on 127.0.0.1, or set "
                    + "metrics-allow-remote=1 to serve the metrics to every host that can reach that address");
        }
    }

    /** True for 127.0.0.0/8 and ::1 (not for the wildcard address). */
    public static boolean isLoopback(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        return a != null && a.isLoopbackAddress();
    }

    /**
     * True when no incoming authentication is required ({@code insecure-no-authentication=1}: no rpcauth
     * user, loopback only).
     */
    public boolean authenticationDisabled() {
        return insecureNoAuthentication;
    }

    /** True when clients authenticate with the proxy's own cookie ({@link #rpcCookieFile()}). */
    public boolean cookieAuthentication() {
        return rpcCookieFile != null;
    }

    private static void positive(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative() || d.isZero()) {
            throw RpcProxyException.invalid(key + " must be a positive duration (got " + d + ")");
        }
    }

    private static void atLeast(String key, long value, long min) {
        if (value < min) {
            throw RpcProxyException.invalid(key + " must be at least " + min + " (got " + value + ")");
        }
    }

    /** A builder with every default for {@code chain}. */
    public static Builder builder(Chain chain) {
        return new Builder(chain);
    }

    /** Defaults: see each setter. */
    public static final class Builder {
        private final Chain chain;
        private InetSocketAddress listen;
        private URI upstream;
        private UpstreamCredentials upstreamCredentials;
        private Duration upstreamTimeout = Duration.ofSeconds(900);
        private int upstreamConnections = 3;
        private int upstreamQueue = 1024;
        private final List<RpcAuthUser> rpcAuth = new ArrayList<>();
        private final Map<String, Set<String>> rpcWhitelist = new LinkedHashMap<>();
        private Boolean rpcWhitelistDefault;
        private Path rpcCookieFile;
        private boolean insecureNoAuthentication;
        private Duration fetchWait = Duration.ofSeconds(5);
        private Duration fetchPeerTimeout = Duration.ofSeconds(10);
        private Duration fetchTimeout = Duration.ofSeconds(120);
        private Duration fetchPoll = Duration.ofMillis(50);
        private Path cacheDir;
        private long cacheSizeMiB = 512;
        private long maxRequestBytes = 32L * 1024 * 1024;
        private long requestMemoryBytes;
        private Duration clientTimeout = Duration.ofSeconds(30);
        private int maxClients = 512;
        private InetSocketAddress metricsListen;
        private boolean metricsAllowRemote;
        private int ioThreads = 1;
        private Duration shutdownGrace = Duration.ofSeconds(10);

        private Builder(Chain chain) {
            this.chain = Objects.requireNonNull(chain, "chain");
        }

        /** Default 127.0.0.1:(chain RPC port + 10). */
        public Builder listen(InetSocketAddress a) {
            this.listen = a;
            return this;
        }

        /** Default http://127.0.0.1:(chain RPC port). */
        public Builder upstream(URI url) {
            this.upstream = url;
            return this;
        }

        /** Default: the cookie {@code ~/.bitcoin[/chain subdir]/.cookie}. */
        public Builder upstreamCredentials(UpstreamCredentials c) {
            this.upstreamCredentials = c;
            return this;
        }

        /** Default 60 s. */
        public Builder upstreamTimeout(Duration d) {
            this.upstreamTimeout = d;
            return this;
        }

        /** Default 3 (bitcoind's default rpcthreads is 4; 16 from Core 29). */
        public Builder upstreamConnections(int n) {
            this.upstreamConnections = n;
            return this;
        }

        /** Default 1024. */
        public Builder upstreamQueue(int n) {
            this.upstreamQueue = n;
            return this;
        }

        public Builder addRpcAuth(RpcAuthUser user) {
            this.rpcAuth.add(user);
            return this;
        }

        /**
         * Adds a whitelist for {@code user}; a second one for the same user intersects with the first,
         * as Core does.
         */
        public Builder addRpcWhitelist(String user, Set<String> methods) {
            Set<String> current = rpcWhitelist.get(user);
            Set<String> next = new java.util.TreeSet<>(methods);
            if (current != null) {
                next.retainAll(current);
            }
            rpcWhitelist.put(user, next);
            return this;
        }

        /** Default: true when any whitelist is set. */
        public Builder rpcWhitelistDefault(boolean b) {
            this.rpcWhitelistDefault = b;
            return this;
        }

        /**
         * Where the proxy writes its cookie when it has no rpcauth user. Default {@code <cacheDir>/.cookie};
         * a relative path is resolved against the cache directory.
         */
        public Builder rpcCookieFile(Path file) {
            this.rpcCookieFile = file;
            return this;
        }

        /** Default false. True serves clients without authentication: no rpcauth user, loopback only. */
        public Builder insecureNoAuthentication(boolean b) {
            this.insecureNoAuthentication = b;
            return this;
        }

        /** Default 5 s. */
        public Builder fetchWait(Duration d) {
            this.fetchWait = d;
            return this;
        }

        /** Default 10 s. */
        public Builder fetchPeerTimeout(Duration d) {
            this.fetchPeerTimeout = d;
            return this;
        }

        /** Default 120 s. */
        public Builder fetchTimeout(Duration d) {
            this.fetchTimeout = d;
            return this;
        }

        /** Default 50 ms. */
        public Builder fetchPoll(Duration d) {
            this.fetchPoll = d;
            return this;
        }

        /** Default {@code $XDG_CACHE_HOME/bcm-rpcproxy/<chain>} (~/.cache when unset). */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        /** Default 512 MiB; 0 disables the cache. */
        public Builder cacheSizeMiB(long mib) {
            this.cacheSizeMiB = mib;
            return this;
        }

        /** Default 32 MiB (Core's own limit, MAX_SIZE). */
        public Builder maxRequestBytes(long bytes) {
            this.maxRequestBytes = bytes;
            return this;
        }

        /** Default 0: a quarter of the JVM's heap, at least {@code maxRequestBytes}. */
        public Builder requestMemoryBytes(long bytes) {
            this.requestMemoryBytes = bytes;
            return this;
        }

        /** Default 30 s (Core's -rpcservertimeout). */
        public Builder clientTimeout(Duration d) {
            this.clientTimeout = d;
            return this;
        }

        /** Default 512. */
        public Builder maxClients(int n) {
            this.maxClients = n;
            return this;
        }

        /** Default none. A non-loopback address needs {@link #metricsAllowRemote(boolean)}. */
        public Builder metricsListen(InetSocketAddress a) {
            this.metricsListen = a;
            return this;
        }

        /** Default false: {@code metricsListen} must be a loopback address. */
        public Builder metricsAllowRemote(boolean b) {
            this.metricsAllowRemote = b;
            return this;
        }

        /** Default 1. */
        public Builder ioThreads(int n) {
            this.ioThreads = n;
            return this;
        }

        /** Default 10 s. */
        public Builder shutdownGrace(Duration d) {
            this.shutdownGrace = d;
            return this;
        }

        /** @throws RpcProxyException (INVALID_CONFIG) naming the first invalid setting */
        public RpcProxyConfig build() {
            InetSocketAddress l = listen != null ? listen : new InetSocketAddress(InetAddress.getLoopbackAddress(), chain.proxyPort());
            URI u = upstream != null ? upstream : URI.create("http://127.0.0.1:" + chain.rpcPort());
            UpstreamCredentials c = upstreamCredentials != null ? upstreamCredentials
                    : new UpstreamCredentials.Cookie(defaultCookie(defaultDatadir(), chain));
            Path dir = cacheDir != null ? cacheDir : defaultCacheDir(chain);
            Path cookie = rpcCookieFile != null ? dir.resolve(rpcCookieFile)
                    : rpcAuth.isEmpty() && !insecureNoAuthentication ? defaultCookieFile(dir) : null;
            boolean wlDefault = rpcWhitelistDefault != null ? rpcWhitelistDefault : !rpcWhitelist.isEmpty();
            long requestMemory = requestMemoryBytes != 0 ? requestMemoryBytes
                    : Math.max(maxRequestBytes, Runtime.getRuntime().maxMemory() / 4);
            return new RpcProxyConfig(chain, l, u, c, upstreamTimeout, upstreamConnections, upstreamQueue, rpcAuth,
                    rpcWhitelist, wlDefault, cookie, insecureNoAuthentication, fetchWait, fetchPeerTimeout, fetchTimeout, fetchPoll, dir, cacheSizeMiB,
                    maxRequestBytes, requestMemory, clientTimeout, maxClients, metricsListen, metricsAllowRemote, ioThreads,
                    shutdownGrace);
        }
    }

    /** {@code ~/.bitcoin}. */
    public static Path defaultDatadir() {
        return Path.of(System.getProperty("user.home"), ".bitcoin");
    }

    /** Core's cookie path: {@code <datadir>[/testnet3|/testnet4|/signet|/regtest]/.cookie}. */
    public static Path defaultCookie(Path datadir, Chain chain) {
        Path dir = chain.datadirSubdir().isEmpty() ? datadir : datadir.resolve(chain.datadirSubdir());
        return dir.resolve(".cookie");
    }

    /** The proxy's own cookie by default: {@code <cacheDir>/.cookie}, Core's file name beside the cached blocks. */
    public static Path defaultCookieFile(Path cacheDir) {
        return cacheDir.resolve(".cookie");
    }

    /** {@code $XDG_CACHE_HOME/bcm-rpcproxy/<chain>}, or {@code ~/.cache/bcm-rpcproxy/<chain>}. */
    public static Path defaultCacheDir(Chain chain) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("bcm-rpcproxy").resolve(chain.id());
    }
}
