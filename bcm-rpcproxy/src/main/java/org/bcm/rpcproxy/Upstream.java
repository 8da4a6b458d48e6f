package org.bcm.rpcproxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP client to bitcoind: pooled keep-alive connections, streamed answers, a timeout.
 *
 * <p>Each event loop has its own pool (the {@code upstream-connections} limit split between the loops,
 * at least one each), so a request, its connection and the client it answers share one thread and no
 * lock. When every connection is busy a request waits in its loop's queue; past {@code upstream-queue}
 * waiting requests it fails at once (the client gets 503 "Work queue depth exceeded"). Idle
 * connections are closed after 15 s, before bitcoind's own 30 s idle timeout would close them under
 * a request.
 *
 * <p>A request is sent once, except in two cases where bitcoind cannot have run it: the write to a
 * reused connection failed or that connection closed before any byte of the answer (bitcoind closed
 * it while idle), and bitcoind answered 401 after its cookie changed (re-read, sent once more).
 *
 * <p>{@link #send} must be called on {@code loop}; every {@link Handler} call happens on it too.
 */
final class Upstream implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Upstream.class);
    static final long IDLE_CLOSE_MILLIS = 15_000;

    /** Receives one answer. */
    interface Handler {
        /** The status line and headers. */
        void onResponse(HttpResponse head, Exchange exchange);

        /** A piece of the body; the handler owns {@code content}; a {@link LastHttpContent} ends it. */
        void onContent(HttpContent content, Exchange exchange);

        /** A batch of reads ended: a good moment to flush. */
        default void onReadComplete() {}

        /**
         * No complete answer.
         *
         * @param afterResponse true when {@link #onResponse} was already called (the body broke off)
         */
        void onFailure(UpstreamFailure failure, boolean afterResponse);
    }

    private final String host;
    private final int port;
    private final String hostHeader;
    private final String describe;
    private final UpstreamAuthorization authorization;
    private final long timeoutNanos;
    private final int queueLimit;
    private final ProxyMetrics metrics;
    private final Bootstrap bootstrap;
    private final Map<EventExecutor, Pool> pools = new HashMap<>();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean closed;

    Upstream(EventLoopGroup group, RpcProxyConfig config, UpstreamAuthorization authorization, ProxyMetrics metrics) {
        URI url = config.upstream();
        this.host = url.getHost();
        this.port = url.getPort();
        this.hostHeader = host + ":" + port;
        this.describe = "bitcoind at " + url;
        this.authorization = authorization;
        this.timeoutNanos = config.upstreamTimeout().toNanos();
        this.queueLimit = config.upstreamQueue();
        this.metrics = metrics;
        this.bootstrap = new Bootstrap()
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                // big answers (8 MB of block hex) are read in up to 256 KiB pieces, small ones in small buffers
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 8192, 256 * 1024))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(10_000, config.upstreamTimeout().toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_CLOSE_MILLIS, TimeUnit.MILLISECONDS));
                        // requests are written as bytes (always POST, so the response decoder needs no method queue)
                        ch.pipeline().addLast(new HttpResponseDecoder(new HttpDecoderConfig()
                                .setMaxInitialLineLength(4096).setMaxHeaderSize(16384).setMaxChunkSize(1 << 20)));
                        ch.pipeline().addLast(new ConnectionHandler());
                    }
                });
        List<EventExecutor> loops = new ArrayList<>();
        group.forEach(loops::add);
        int n = config.upstreamConnections();
        for (int i = 0; i < loops.size(); i++) {
            int share = n / loops.size() + (i < n % loops.size() ? 1 : 0);
            pools.put(loops.get(i), new Pool((EventLoop) loops.get(i), Math.max(1, share)));
        }
    }

    /** The start of a request to bitcoind, up to the Content-Length value, for one path and Authorization. */
    private record RequestHead(String path, String authorization, byte[] bytes) {}

    private static final int CRLF_CRLF = 0x0d0a0d0a;
    /** The last head made (most requests go to the same path with the same credentials). */
    private volatile RequestHead lastHead;

    /**
     * {@code POST <path> HTTP/1.1}, then host, authorization, content-type and the name of content-length,
     * as Netty's HttpRequestEncoder writes them (lower-case names, the path as UTF-8).
     */
    private byte[] requestHead(String path, String auth) {
        RequestHead h = lastHead;
        if (h != null && h.path().equals(path) && h.authorization().equals(auth)) {
            return h.bytes();
        }
        String text = "POST " + path + " HTTP/1.1\r\n"
                + HttpHeaderNames.HOST + ": " + hostHeader + "\r\n"
                + HttpHeaderNames.AUTHORIZATION + ": " + auth + "\r\n"
                + HttpHeaderNames.CONTENT_TYPE + ": application/json\r\n"
                + HttpHeaderNames.CONTENT_LENGTH + ": ";
        h = new RequestHead(path, auth, text.getBytes(StandardCharsets.UTF_8));
        lastHead = h;
        return h.bytes();
    }

    /** Requests waiting for a connection now (for the metrics). */
    int queuedRequests() {
        return queued.get();
    }

    /** Connections open now (for the metrics). */
    int openConnections() {
        return openConnections.get();
    }

    /**
     * Sends {@code POST path} with {@code body} (ownership taken: released when done).
     *
     * @param loop the caller's event loop, on which the handler is called
     */
    Exchange send(EventLoop loop, String path, ByteBuf body, Handler handler) {
        Pool pool = pools.get(loop);
        Exchange ex = new Exchange(pool, path, body, handler);
        if (closed) {
            ex.fail(UpstreamFailure.Kind.SHUTDOWN, "bcm-rpcproxy is shutting down");
            return ex;
        }
        ex.timer = loop.schedule(ex::timeout, timeoutNanos, TimeUnit.NANOSECONDS);
        pool.acquire(ex);
        return ex;
    }

    @Override
    public void close() {
        closed = true;
        for (Pool pool : pools.values()) {
            pool.loop.execute(pool::closeAll);
        }
    }

    /** One event loop's connections and waiting requests; used only on that loop. */
    private final class Pool {
        final EventLoop loop;
        final int max;
        int open;
        final ArrayDeque<Channel> idle = new ArrayDeque<>();
        final ArrayDeque<Exchange> waiting = new ArrayDeque<>();

        Pool(EventLoop loop, int max) {
            this.loop = loop;
            this.max = max;
        }

        void acquire(Exchange ex) {
            Channel ch;
            while ((ch = idle.pollLast()) != null) {
                if (ch.isActive()) {
                    ex.assign(ch, true);
                    return;
                }
            }
            if (open < max) {
                open++;
                connect(ex);
                return;
            }
            if (waiting.size() >= queueLimit) {
                ex.fail(UpstreamFailure.Kind.QUEUE_FULL, "Work queue depth exceeded");
                return;
            }
            waiting.add(ex);
            queued.incrementAndGet();
        }

        void connect(Exchange ex) {
            ChannelFuture f = bootstrap.clone(loop).connect(host, port);
            f.addListener(done -> {
                if (done.isSuccess()) {
                    Channel ch = f.channel();
                    openConnections.incrementAndGet();
                    ch.closeFuture().addListener(x -> closed(ch));
                    if (ex.done || closed) {
                        release(ch);
                    } else {
                        ex.assign(ch, false);
                    }
                } else {
                    open--;
                    Throwable cause = done.cause();
                    ex.fail(UpstreamFailure.Kind.CONNECT, "cannot connect to " + describe + ": "
                            + (cause == null ? "failed" : cause.getClass().getSimpleName() + " " + cause.getMessage()));
                    serveWaiters();
                }
            });
        }

        /** A connection is free again (after a complete keep-alive answer, or unused). */
        void release(Channel ch) {
            if (!ch.isActive()) {
                return;
            }
            if (closed) {
                ch.close();
                return;
            }
            Exchange next;
            while ((next = waiting.poll()) != null) {
                queued.decrementAndGet();
                if (!next.done) {
                    next.assign(ch, true);
                    return;
                }
            }
            idle.addLast(ch);
        }

        void closed(Channel ch) {
            openConnections.decrementAndGet();
            open--;
            idle.remove(ch);
            serveWaiters();
        }

        void serveWaiters() {
            while (open < max && !waiting.isEmpty() && !closed) {
                Exchange ex = waiting.poll();
                queued.decrementAndGet();
                if (ex.done) continue;
                open++;
                connect(ex);
            }
        }

        void closeAll() {
            for (Channel ch : new ArrayList<>(idle)) {
                ch.close();
            }
            Exchange ex;
            while ((ex = waiting.poll()) != null) {
                queued.decrementAndGet();
                ex.fail(UpstreamFailure.Kind.SHUTDOWN, "bcm-rpcproxy is shutting down");
            }
        }
    }

    /** One request and its answer. Used only on its pool's loop. */
    final class Exchange {
        private final Pool pool;
        private final String path;
        private final ByteBuf body;
        private final Handler handler;
        private Channel channel;
        private boolean reused;
        private int retries;
        private boolean responded;
        private boolean keepAlive;
        private boolean swallow;
        private boolean authRetried;
        private boolean authFailed;
        boolean done;
        ScheduledFuture<?> timer;
        /** When the answer last made progress (System.nanoTime), and whether the client paused it. */
        private long lastProgress;
        private boolean paused;

        Exchange(Pool pool, String path, ByteBuf body, Handler handler) {
            this.pool = pool;
            this.path = path;
            this.body = body;
            this.handler = handler;
        }

        /** Stops reading the answer (the client cannot take more now). */
        void pause() {
            paused = true;
            if (channel != null) channel.config().setAutoRead(false);
        }

        /** Reads the answer again. */
        void resume() {
            paused = false;
            lastProgress = System.nanoTime();
            if (channel != null && !done) channel.config().setAutoRead(true);
        }

        /** Gives the request up (the client went away): the connection is closed, not reused. */
        void abort() {
            if (done) return;
            done = true;
            cancelTimer();
            if (channel != null) {
                detach().close();
            } else if (pool.waiting.remove(this)) {
                queued.decrementAndGet();
            }
            body.release();
        }

        void assign(Channel ch, boolean wasIdle) {
            if (done) {
                pool.release(ch);
                return;
            }
            channel = ch;
            reused = wasIdle;
            ch.pipeline().get(ConnectionHandler.class).current = this;
            write();
        }

        private void write() {
            String auth = authorization.header();
            if (auth == null) {
                Channel ch = detach();
                fail(UpstreamFailure.Kind.CREDENTIALS, String.valueOf(authorization.problem()));
                pool.release(ch);
                return;
            }
            // the request as Netty's encoder wrote it, in one buffer: the same bytes without a header map
            byte[] head = requestHead(path, auth);
            String length = Integer.toString(body.readableBytes());
            ByteBuf request = channel.alloc().directBuffer(head.length + length.length() + 4 + body.readableBytes());
            request.writeBytes(head);
            request.writeCharSequence(length, StandardCharsets.US_ASCII);
            request.writeInt(CRLF_CRLF);
            request.writeBytes(body, body.readerIndex(), body.readableBytes());
            Channel ch = channel;
            ch.writeAndFlush(request).addListener(f -> {
                if (!f.isSuccess() && channel == ch && !done) {
                    closedEarly();
                }
            });
        }

        /** The connection failed before any byte of the answer. */
        private void closedEarly() {
            Channel ch = detach();
            ch.close();
            if (reused && retries == 0 && !closed) {
                retries++;
                LOG.debug("reused connection to {} closed before answering; sending on a new one", describe);
                pool.acquire(this);
            } else {
                fail(UpstreamFailure.Kind.CLOSED, describe + " closed the connection without answering");
            }
        }

        void onHead(HttpResponse head) {
            if (done) return;
            if (head.status().code() == HttpResponseStatus.UNAUTHORIZED.code()) {
                swallow = true;
                if (!authRetried && authorization.reloadAfterUnauthorized()) {
                    authRetried = true;
                } else {
                    authFailed = true;
                }
                keepAlive = HttpUtil.isKeepAlive(head);
                return;
            }
            responded = true;
            keepAlive = HttpUtil.isKeepAlive(head);
            // the timer keeps running: from now on it bounds a pause in the middle of the answer
            lastProgress = System.nanoTime();
            handler.onResponse(head, this);
        }

        void onContent(HttpContent content) {
            if (done) {
                content.release();
                return;
            }
            boolean last = content instanceof LastHttpContent;
            if (swallow) {
                content.release();
                if (last) {
                    swallow = false;
                    Channel ch = detach();
                    if (keepAlive) pool.release(ch); else ch.close();
                    if (authFailed) {
                        fail(UpstreamFailure.Kind.AUTH, describe + " refused the proxy's credentials ("
                                + "HTTP 401); check upstream-user/upstream-password or upstream-cookie");
                    } else {
                        pool.acquire(this);
                    }
                }
                return;
            }
            lastProgress = System.nanoTime();
            handler.onContent(content, this);
            if (last && !done) {
                done = true;
                cancelTimer();
                body.release();
                Channel ch = detach();
                ch.config().setAutoRead(true);
                if (keepAlive) pool.release(ch); else ch.close();
            }
        }

        void onReadComplete() {
            if (!done && responded) handler.onReadComplete();
        }

        void onClosed() {
            if (done) return;
            if (!responded && !swallow) {
                closedEarly();
                return;
            }
            detach();
            fail(UpstreamFailure.Kind.CLOSED, describe + " closed the connection in the middle of an answer");
        }

        void onProtocolError(String what) {
            if (done) return;
            Channel ch = detach();
            ch.close();
            fail(UpstreamFailure.Kind.PROTOCOL, describe + " sent an invalid HTTP answer: " + what);
        }

        private void timeout() {
            if (done) return;
            if (responded) {
                long idle = System.nanoTime() - lastProgress;
                if (paused || idle < timeoutNanos) {
                    // a slow client is the client handler's to judge; bitcoind sent something lately
                    timer = channel.eventLoop().schedule(this::timeout, paused ? timeoutNanos : timeoutNanos - idle,
                            TimeUnit.NANOSECONDS);
                    return;
                }
                detach().close();
                fail(UpstreamFailure.Kind.TIMEOUT, describe + " stopped sending its answer for " + timeoutNanos / 1_000_000 + " ms");
                return;
            }
            if (channel != null) {
                detach().close();
            } else if (pool.waiting.remove(this)) {
                queued.decrementAndGet();
            }
            fail(UpstreamFailure.Kind.TIMEOUT, describe + " did not answer within " + timeoutNanos / 1_000_000 + " ms");
        }

        void fail(UpstreamFailure.Kind kind, String message) {
            if (done) return;
            done = true;
            cancelTimer();
            body.release();
            metrics.upstreamError(kind);
            handler.onFailure(new UpstreamFailure(kind, message), responded);
        }

        private Channel detach() {
            Channel ch = channel;
            channel = null;
            if (ch != null) {
                ConnectionHandler h = ch.pipeline().get(ConnectionHandler.class);
                if (h != null && h.current == this) h.current = null;
            }
            return ch;
        }

        private void cancelTimer() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

    /** Routes a connection's events to the exchange using it. */
    private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        Exchange current;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Exchange ex = current;
            if (ex == null) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            if (msg instanceof HttpResponse head) {
                if (head.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(msg);
                    ex.onProtocolError(String.valueOf(head.decoderResult().cause()));
                    return;
                }
                ex.onHead(head);
            }
            if (msg instanceof HttpContent content) {
                if (content.decoderResult().isFailure()) {
                    content.release();
                    ex.onProtocolError(String.valueOf(content.decoderResult().cause()));
                    return;
                }
                ex.onContent(content);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Exchange ex = current;
            if (ex != null) ex.onReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Exchange ex = current;
            if (ex != null) ex.onClosed();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && current == null) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("connection to {} failed: {}", describe, cause.toString());
            ctx.close();
        }
    }
}
