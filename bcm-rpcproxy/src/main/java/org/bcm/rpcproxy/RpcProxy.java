package org.bcm.rpcproxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running pruned-block proxy: clients speak bitcoind's JSON-RPC to it, it forwards every call to
 * bitcoind and serves pruned blocks by fetching them from bitcoind's peers (see the package README,
 * bcm-rpcproxy/README.md, for the behaviour).
 *
 * <pre>{@code
 * RpcProxyConfig config = RpcProxySettings.readFile(path).toConfig(System.getenv());
 * try (RpcProxy proxy = RpcProxy.start(config)) {
 *     proxy.awaitClose();    // until close() from another thread, e.g. a shutdown hook
 * }
 * }</pre>
 *
 * <p>Clients authenticate as one of the {@code rpcauth} users or, without any, with the proxy's own cookie
 * file ({@link #cookieFile()}), as bitcoind's clients do with its {@code .cookie}; only {@code
 * insecure-no-authentication=1} on a loopback address serves them without authentication.
 *
 * <p>Thread-safe. {@link #close()} stops accepting connections, lets answers in progress finish
 * within {@code shutdown-grace}, then closes everything and removes the cookie file.
 */
public final class RpcProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RpcProxy.class);
    private static final long MIB = 1024L * 1024L;

    private final RpcProxyConfig config;
    private final EventLoopGroup group;
    private final ProxyContext px;
    private final Upstream upstream;
    private final BlockFetcher fetcher;
    private final ProxyMetrics metrics;
    private final Channel server;
    private final Channel metricsServer;
    /** The proxy's own cookie, when clients authenticate with it (no rpcauth user); else null. */
    private final AuthCookie cookie;
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final AtomicInteger closing = new AtomicInteger();

    private RpcProxy(RpcProxyConfig config) {
        this.config = config;
        this.metrics = new ProxyMetrics();
        BlockCache cache = new BlockCache(config.cacheDir(), config.cacheSizeMiB() * MIB);
        UpstreamAuthorization authorization = new UpstreamAuthorization(config.upstreamCredentials());
        AtomicInteger threads = new AtomicInteger();
        this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(), r -> {
            Thread t = new Thread(r, "rpcproxy-io-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
        this.cookie = config.cookieAuthentication() ? AuthCookie.generate(config.rpcCookieFile()) : null;
        List<RpcAuthUser> users = cookie != null ? List.of(cookie.user()) : config.rpcAuth();
        Channel bound = null;
        Channel metricsBound = null;
        try {
            this.upstream = new Upstream(group, config, authorization, metrics);
            this.fetcher = new BlockFetcher(upstream, group.next(), config, cache, metrics);
            this.px = new ProxyContext(config, users, upstream, fetcher, cache, metrics);
            metrics.gauge("rpcproxy_client_connections", "Client connections open", px::connections);
            metrics.gauge("rpcproxy_upstream_connections", "Connections to bitcoind open", upstream::openConnections);
            metrics.gauge("rpcproxy_upstream_queued_requests", "Requests waiting for a connection to bitcoind", upstream::queuedRequests);
            metrics.gauge("rpcproxy_request_memory_bytes", "Bytes of request bodies held (request-memory)",
                    px.requestMemory::held);
            metrics.gauge("rpcproxy_block_fetches_in_flight", "Block fetches in progress", fetcher::inFlight);
            metrics.gauge("rpcproxy_block_cache_bytes", "Bytes of blocks in the on-disk cache", cache::bytes);
            metrics.gauge("rpcproxy_block_cache_blocks", "Blocks in the on-disk cache", cache::blocks);
            metrics.nettyGauges();
            int maxRequest = (int) Math.min(Integer.MAX_VALUE, config.maxRequestBytes());
            long clientTimeout = config.clientTimeout().toNanos();
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 * 1024, 1024 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ConnectionGuard guard = new ConnectionGuard(px.clientLimit, clientTimeout);
                            ch.pipeline().addLast(guard);
                            // Core: request line and headers at most 8192 bytes (src/httpserver.cpp MAX_HEADERS_SIZE)
                            ch.pipeline().addLast(new HttpServerCodec(new HttpDecoderConfig()
                                    .setMaxInitialLineLength(8192).setMaxHeaderSize(8192).setMaxChunkSize(65536)));
                            ch.pipeline().addLast(new RequestAggregator(maxRequest, px.requestMemory));
                            ch.pipeline().addLast(new ClientHandler(px, guard));
                        }
                    });
            bound = bind(bootstrap, config.listen(), "listen");
            this.server = bound;
            if (config.metricsListen() != null) {
                // the same limits as the RPC listener's (its own count of max-clients connections), so a
                // scraper, or anyone who can reach metrics-listen, holds no more than an RPC client can
                ConnectionGuard.Limit metricsLimit = new ConnectionGuard.Limit("metrics client", config.maxClients());
                ServerBootstrap m = new ServerBootstrap()
                        .group(group)
                        .channel(NioServerSocketChannel.class)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                ConnectionGuard guard = new ConnectionGuard(metricsLimit, clientTimeout);
                                ch.pipeline().addLast(guard);
                                ch.pipeline().addLast(new HttpServerCodec());
                                ch.pipeline().addLast(new HttpObjectAggregator(8192));
                                ch.pipeline().addLast(new MetricsHandler(guard));
                            }
                        });
                metricsBound = bind(m, config.metricsListen(), "metrics-listen");
            }
            this.metricsServer = metricsBound;
            // after the addresses are bound, as Core writes its cookie after binding (nothing to remove when the
            // port is taken), and before start returns: a client that starts next finds it
            if (cookie != null) {
                cookie.write();
            }
        } catch (RuntimeException e) {
            if (bound != null) bound.close().awaitUninterruptibly();
            if (metricsBound != null) metricsBound.close().awaitUninterruptibly();
            if (cookie != null) cookie.close();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            throw e;
        }
        LOG.info("bcm-rpcproxy listening on {} for chain {}, forwarding to {} ({}, {} connection{}); block cache {}",
                RpcProxySettings.format(address()), config.chain().id(), config.upstream(),
                config.upstreamCredentials().describe(), config.upstreamConnections(),
                config.upstreamConnections() == 1 ? "" : "s",
                config.cacheSizeMiB() == 0 ? "off" : config.cacheDir() + " (" + config.cacheSizeMiB() + " MiB, "
                        + cache.blocks() + " blocks cached)");
        if (metricsServer != null) {
            LOG.info("metrics on http://{}/metrics{}", RpcProxySettings.format(metricsAddress().orElseThrow()),
                    isLoopback(metricsAddress().orElseThrow()) ? "" : ", without authentication to every host that can reach it (metrics-allow-remote=1)");
        }
        if (config.authenticationDisabled()) {
            LOG.warn("INSECURE: insecure-no-authentication=1, clients are not authenticated at all: every process of every "
                    + "user of this machine can call bitcoind through {}, wallet methods included. Remove the setting to "
                    + "require the proxy's cookie, or add rpcauth users", RpcProxySettings.format(address()));
        }
    }

    /**
     * Starts a proxy: binds its addresses and returns once it accepts connections. bitcoind need not
     * be reachable yet (clients get 503 until it is).
     *
     * @throws RpcProxyException CANNOT_LISTEN when an address cannot be bound, CACHE_UNUSABLE when the
     *     cache directory cannot be used, COOKIE_UNWRITABLE when the cookie file cannot be written (it is
     *     written, when there is no rpcauth user, once the addresses are bound)
     */
    public static RpcProxy start(RpcProxyConfig config) {
        return new RpcProxy(config);
    }

    private static Channel bind(ServerBootstrap b, InetSocketAddress address, String key) {
        try {
            return b.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            String why = e instanceof BindException ? e.getMessage() : e.toString();
            throw new RpcProxyException(RpcProxyException.Reason.CANNOT_LISTEN,
                    "cannot listen on " + RpcProxySettings.format(address) + " (" + key + "): " + why
                            + "; is another process using the port, or is the address not on this machine?", e);
        }
    }

    private static boolean isLoopback(InetSocketAddress a) {
        return RpcProxyConfig.isLoopback(a);
    }

    /** The configuration it runs with. */
    public RpcProxyConfig config() {
        return config;
    }

    /** The address clients connect to (with the actual port when {@code listen} asked for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The listening port. */
    public int port() {
        return address().getPort();
    }

    /**
     * The cookie file clients authenticate with ({@code __cookie__:<64 hex>}, readable by the proxy's user
     * only), when there is no rpcauth user and authentication is not turned off. It exists while the
     * proxy runs and is removed by {@link #close()}.
     */
    public Optional<Path> cookieFile() {
        return cookie == null ? Optional.empty() : Optional.of(cookie.file());
    }

    /** The metrics endpoint's address, when {@code metrics-listen} is set. */
    public Optional<InetSocketAddress> metricsAddress() {
        return metricsServer == null ? Optional.empty() : Optional.of((InetSocketAddress) metricsServer.localAddress());
    }

    /** The metrics as the endpoint would serve them (Prometheus text format 0.0.4). */
    public String metricsText() {
        return metrics.scrape();
    }

    /** Waits until {@link #close()} has finished. */
    public void awaitClose() throws InterruptedException {
        closedLatch.await();
    }

    /**
     * Graceful shutdown: stop accepting, let answers in progress finish (at most {@code
     * shutdown-grace}), close idle and remaining connections, stop fetching. Idempotent.
     */
    @Override
    public void close() {
        if (closing.getAndIncrement() > 0) {
            try {
                closedLatch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        LOG.info("bcm-rpcproxy stopping: no new connections; {} open", px.connections());
        server.close().awaitUninterruptibly();
        if (metricsServer != null) metricsServer.close().awaitUninterruptibly();
        px.draining = true;
        for (Channel ch : px.clients) {
            ch.eventLoop().execute(() -> {
                ClientHandler h = ch.pipeline().get(ClientHandler.class);
                if (h != null) h.drain();
            });
        }
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (px.connections() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (px.connections() > 0) {
            LOG.warn("closing {} connections whose answers did not finish within shutdown-grace", px.connections());
        }
        px.clients.close().awaitUninterruptibly();
        fetcher.close();
        upstream.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        if (cookie != null) cookie.close();
        LOG.info("bcm-rpcproxy stopped");
        closedLatch.countDown();
    }

    /**
     * {@code GET /metrics}. Requests are answered one after the other, and nothing more is read from the
     * connection while an answer is being written, as on the RPC listener: a client that sends requests
     * without reading the answers makes the proxy wait, not buffer, and the {@link ConnectionGuard} closes
     * it after {@code client-timeout}. One with more than {@link #MAX_WAITING} requests waiting (a single
     * read can bring many) is closed.
     */
    private final class MetricsHandler extends ChannelInboundHandlerAdapter {
        private static final int MAX_WAITING = 16;
        private final ConnectionGuard guard;
        private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
        private boolean answering;

        MetricsHandler(ConnectionGuard guard) {
            this.guard = guard;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest req)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (waiting.size() >= MAX_WAITING) {
                req.release();
                LOG.debug("closing metrics client {}: more than {} requests waiting", ctx.channel().remoteAddress(), MAX_WAITING);
                ctx.close();
                return;
            }
            waiting.add(req);
            if (!answering) {
                answerNextRequest(ctx);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            FullHttpRequest r;
            while ((r = waiting.poll()) != null) {
                r.release();
            }
            ctx.fireChannelInactive();
        }

        private void answerNextRequest(ChannelHandlerContext ctx) {
            FullHttpRequest req = waiting.poll();
            if (req == null) {
                return;
            }
            answering = true;
            guard.busy();
            ctx.channel().config().setAutoRead(false);
            boolean keepAlive;
            FullHttpResponse r;
            try {
                keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
                r = answer(req);
            } finally {
                req.release();
            }
            HttpUtil.setKeepAlive(r, keepAlive);
            // as on the RPC listener, the time for the next request runs from the answer: a client that does
            // not read it sends nothing more (nothing is read meanwhile) and is closed after client-timeout
            guard.idle();
            ctx.writeAndFlush(r).addListener((ChannelFutureListener) f -> {
                answering = false;
                if (!f.isSuccess() || !keepAlive) {
                    ctx.close();
                } else if (!waiting.isEmpty()) {
                    answerNextRequest(ctx);
                } else {
                    ctx.channel().config().setAutoRead(true);
                }
            });
        }

        private FullHttpResponse answer(FullHttpRequest req) {
            FullHttpResponse r;
            if (req.decoderResult().isFailure()) {
                r = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.BAD_REQUEST,
                        Unpooled.copiedBuffer("bad request\n", StandardCharsets.UTF_8));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            } else if (req.method().equals(HttpMethod.GET) && (req.uri().equals("/metrics") || req.uri().startsWith("/metrics?"))) {
                ByteBuf body = Unpooled.copiedBuffer(metrics.scrape(), StandardCharsets.UTF_8);
                r = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.OK, body);
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, metrics.contentType());
            } else {
                r = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.NOT_FOUND,
                        Unpooled.copiedBuffer("only GET /metrics here\n", StandardCharsets.UTF_8));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            }
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a scraper that resets its connection is no news; never a stack trace in the log
            LOG.debug("metrics client {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
