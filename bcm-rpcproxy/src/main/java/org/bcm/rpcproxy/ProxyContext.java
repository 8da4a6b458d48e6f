package org.bcm.rpcproxy;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.List;

/** What every client connection shares: settings, bitcoind, the fetcher, the cache, the metrics. */
final class ProxyContext {

    final RpcProxyConfig config;
    final Upstream upstream;
    final BlockFetcher fetcher;
    final BlockCache cache;
    final ProxyMetrics metrics;
    final IncomingAuth auth;
    /** Wrong credentials per client address: 10 per 60 s, then the address is blocked for 60 s. */
    final AuthFailures authFailures = AuthFailures.standard();
    final RequestMemory requestMemory;
    final ChannelGroup clients = new DefaultChannelGroup("rpcproxy-clients", GlobalEventExecutor.INSTANCE);
    /** The RPC listener's connections, at most {@code max-clients}. */
    final ConnectionGuard.Limit clientLimit;
    volatile boolean draining;

    /** @param users whom clients may authenticate as: the rpcauth users, the cookie's, or none (no authentication) */
    ProxyContext(RpcProxyConfig config, List<RpcAuthUser> users, Upstream upstream, BlockFetcher fetcher, BlockCache cache,
            ProxyMetrics metrics) {
        this.config = config;
        this.upstream = upstream;
        this.fetcher = fetcher;
        this.cache = cache;
        this.metrics = metrics;
        this.auth = new IncomingAuth(users, config);
        this.requestMemory = new RequestMemory(config.requestMemoryBytes());
        this.clientLimit = new ConnectionGuard.Limit("client", config.maxClients());
    }

    /** Client connections open on the RPC listener. */
    int connections() {
        return clientLimit.count();
    }
}
