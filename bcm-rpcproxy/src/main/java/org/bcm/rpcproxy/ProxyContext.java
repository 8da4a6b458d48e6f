package org.bcm.rpcproxy;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/** What every client connection shares: settings, bitcoind, the fetcher, the cache, the metrics. */
final class ProxyContext {

    final RpcProxyConfig config;
    final Upstream upstream;
    final BlockFetcher fetcher;
    final BlockCache cache;
    final ProxyMetrics metrics;
    final IncomingAuth auth;
    final RequestMemory requestMemory;
    final ChannelGroup clients = new DefaultChannelGroup("rpcproxy-clients", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger connections = new AtomicInteger();
    volatile boolean draining;

    ProxyContext(RpcProxyConfig config, Upstream upstream, BlockFetcher fetcher, BlockCache cache, ProxyMetrics metrics) {
        this.config = config;
        this.upstream = upstream;
        this.fetcher = fetcher;
        this.cache = cache;
        this.metrics = metrics;
        this.auth = new IncomingAuth(config);
        this.requestMemory = new RequestMemory(config.requestMemoryBytes());
    }

    /** Counts a new client connection; false when {@code max-clients} are already connected. */
    boolean admit() {
        if (connections.incrementAndGet() > config.maxClients()) {
            connections.decrementAndGet();
            return false;
        }
        return true;
    }

    void leave() {
        connections.decrementAndGet();
    }

    int connections() {
        return connections.get();
    }
}
