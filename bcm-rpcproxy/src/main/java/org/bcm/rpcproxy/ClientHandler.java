package org.bcm.rpcproxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Requests are answered one after the other (a pipelining client is paused
 * until its earlier answers are out), each by one of these:
 *
 * <ul>
 *   <li>a reply of the proxy's own where Core would answer without running anything: unknown HTTP
 *       method (405, empty), path other than {@code /} or {@code /wallet/...} (404, empty), not POST
 *       (405 "JSONRPC server handles only POST requests"), no credentials (401 at once), wrong
 *       credentials (401 after 250 ms, without holding a thread, then the connection is closed; an address
 *       with too many is refused unchecked, see {@link AuthFailures}), not JSON (500, -32700 "Parse error"),
 *       {@code -rpcwhitelist} refusals (403, empty), a JSON scalar (500, "Top-level object parse
 *       error"), as Core's src/httprpc.cpp;
 *   <li>{@link ForwardFlow}: everything else without a {@code getblock} of a block hash is sent to
 *       bitcoind as it came and the answer streamed back as it comes (status, headers, body);
 *   <li>{@link GetBlockFlow}: a {@code getblock} is sent as it came; an answer larger than 64 KiB is a
 *       block and is streamed; a smaller one is looked at, and only Core's exact pruned error (code -1,
 *       "Block not available (pruned data)") starts the pruned path: the on-disk cache for verbosity 0,
 *       else a fetch (single flight) awaited at most {@code fetch-wait}, then the same request again,
 *       or Core's own pruned error as it came;
 *   <li>{@link BatchFlow}: a batch holding a {@code getblock} is split in order into runs of other
 *       elements (sent as smaller batches) and single {@code getblock}s (each through the getblock
 *       path); the answers are spliced into one chunked array without being buffered.
 * </ul>
 *
 * <p>Slow clients: the {@link ConnectionGuard} before it in the pipeline (the same as the metrics
 * listener's) limits the connections ({@code max-clients}), closes a connection whose request does not
 * arrive whole within {@code client-timeout} of it becoming idle (which also closes idle keep-alive
 * connections, as Core's {@code -rpcservertimeout}) and one that reads nothing of an answer for {@code
 * client-timeout}; this handler tells it when a request is being answered. Answers are written with
 * backpressure: bitcoind's connection stops being read while the client's buffer is full.
 *
 * <p>All methods run on the connection's event loop.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ClientHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> HTTP_METHODS = Set.of("GET", "POST", "HEAD", "PUT");
    private static final long AUTH_FAILURE_DELAY_MILLIS = 250;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final ProxyContext px;
    private final ConnectionGuard guard;
    private ChannelHandlerContext ctx;
    private ResponseWriter out;
    private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
    private boolean closed;
    /** Bytes of the request being answered, counted in {@code request-memory} until it is answered. */
    private long heldBytes;
    /** The {@code Authorization} value this connection last proved, and its user. */
    private String verifiedAuthorization;
    private String verifiedUser;

    /**
     * @param guard the connection's {@link ConnectionGuard}, told when a request is being answered and when
     *     the connection is idle again
     */
    ClientHandler(ProxyContext px, ConnectionGuard guard) {
        this.px = px;
        this.guard = guard;
    }

    // ------------------------------------------------------------------ connection events

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        this.ctx = c;
        this.out = new ResponseWriter(c, this::done);
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        // admitted by the ConnectionGuard: past max-clients this is never called
        InetAddress peer = peer(c);
        if (!px.auth.disabled() && peer != null && px.authFailures.blocked(peer)) {
            // too many wrong credentials from this address lately (logged once, when it was blocked)
            px.metrics.authBlocked();
            c.close();
            return;
        }
        px.clients.add(c.channel());
        c.fireChannelActive();
    }

    private static InetAddress peer(ChannelHandlerContext c) {
        return c.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        closed = true;
        out.clientClosed();
        px.requestMemory.giveBack(heldBytes);
        heldBytes = 0;
        FullHttpRequest r;
        while ((r = pending.poll()) != null) {
            px.requestMemory.giveBack(r.content().readableBytes());
            r.release();
        }
        c.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (!(msg instanceof FullHttpRequest req) || closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        pending.add(req);
        if (out.idle()) {
            next();
        } else {
            c.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext c) {
        // the ConnectionGuard closes a connection that stays unwritable for client-timeout
        out.writabilityChanged();
        c.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof RequestMemory.Exceeded && !closed) {
            // answered in its turn after the requests before it: a request that stands for the refused one
            LOG.warn("refusing a request from {}: {}", c.channel().remoteAddress(), root.getMessage());
            DefaultFullHttpRequest refused = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/",
                    Unpooled.EMPTY_BUFFER);
            refused.setDecoderResult(DecoderResult.failure(root));
            channelRead(c, refused);
            return;
        }
        LOG.debug("client {}: {}", c.channel().remoteAddress(), cause.toString());
        c.close();
    }

    /** Shutdown: closes the connection now if it is between requests, else after the current answer. */
    void drain() {
        if (out.idle()) {
            ctx.close();
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    private void next() {
        if (!out.idle() || closed) {
            // one answer at a time, in order: the request waits for the answer before it to be done
            return;
        }
        FullHttpRequest req = pending.poll();
        if (req == null) {
            return;
        }
        guard.busy();
        px.requestMemory.giveBack(heldBytes);
        heldBytes = req.content().readableBytes();
        try {
            dispatch(req);
        } finally {
            req.release();
        }
    }

    // ------------------------------------------------------------------ answering

    /** The answer to {@code flow} is written: next request, or close. */
    private void done(Flow flow, int status, boolean keepAlive, ChannelFuture lastWrite) {
        px.requestMemory.giveBack(heldBytes);
        heldBytes = 0;
        px.metrics.response(status, flow.start);
        if (!keepAlive || px.draining) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (pending.isEmpty()) {
            ctx.channel().config().setAutoRead(true);
            guard.idle();
        } else {
            ctx.executor().execute(this::next);
        }
    }

    // ------------------------------------------------------------------ routing

    private void dispatch(FullHttpRequest req) {
        long start = System.nanoTime();
        px.metrics.request();
        HttpVersion version = req.protocolVersion();
        boolean keepAlive = HttpUtil.isKeepAlive(req) && !px.draining;
        Flow flow = out.begin(new Flow(px, out, start, version, keepAlive));
        if (req.decoderResult().isFailure()) {
            Flow closing = out.begin(new Flow(px, out, start, version, false));
            if (req.decoderResult().cause() instanceof RequestMemory.Exceeded e) {
                out.reply(closing, CoreReplies.own(version, HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage()));
            } else {
                out.reply(closing, CoreReplies.text(version, HttpResponseStatus.BAD_REQUEST, "Bad Request"));
            }
            return;
        }
        String method = req.method().name();
        if (!HTTP_METHODS.contains(method)) {
            out.reply(flow, CoreReplies.empty(version, HttpResponseStatus.METHOD_NOT_ALLOWED));
            return;
        }
        String uri = req.uri();
        if (!uri.equals("/") && !uri.startsWith("/wallet/")) {
            out.reply(flow, CoreReplies.empty(version, HttpResponseStatus.NOT_FOUND));
            return;
        }
        if (!method.equals("POST")) {
            out.reply(flow, CoreReplies.text(version, HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "JSONRPC server handles only POST requests"));
            return;
        }
        String user = null;
        if (!px.auth.disabled()) {
            String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (authorization == null) {
                out.reply(flow, CoreReplies.unauthorized(version));
                return;
            }
            InetAddress peer = peer(ctx);
            if (verifiedAuthorization != null && IncomingAuth.sameCredentials(verifiedAuthorization, authorization)) {
                // the same credentials as this connection's last good request: the users do not change
                user = verifiedUser;
            } else if (peer != null && px.authFailures.blocked(peer)) {
                // refused without checking: an address that guessed too often gets no more guesses for a while
                px.metrics.authBlocked();
                out.close();
                return;
            } else {
                user = px.auth.check(authorization);
                if (user != null) {
                    verifiedAuthorization = authorization;
                    verifiedUser = user;
                }
            }
            if (user == null) {
                authFailed(peer, authorization);
                // Core's answer after Core's delay, then the connection is closed: one guess per connection
                Flow closing = out.begin(new Flow(px, out, start, version, false));
                out.eventLoop().schedule(() -> out.reply(closing, CoreReplies.unauthorized(version)),
                        AUTH_FAILURE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
        }
        byte[] body = ByteBufUtil.getBytes(req.content());
        RpcRequest rpc = RpcRequest.parse(body);
        if (rpc.kind == RpcRequest.Kind.MALFORMED) {
            out.reply(flow, CoreReplies.jsonError(version, CoreReplies.PARSE_ERROR, "Parse error"));
            return;
        }
        Set<String> whitelist = user == null ? null : px.auth.whitelist(user);
        if (user != null && whitelist == null && px.auth.whitelistDefault()) {
            LOG.warn("RPC user {} not allowed to call any methods", user);
            out.reply(flow, CoreReplies.empty(version, HttpResponseStatus.FORBIDDEN));
            return;
        }
        Flow next;
        switch (rpc.kind) {
            case SCALAR -> {
                out.reply(flow, CoreReplies.jsonError(version, CoreReplies.PARSE_ERROR, "Top-level object parse error"));
                return;
            }
            case SINGLE -> {
                RpcRequest.Element e = rpc.single();
                if (whitelist != null && e.wellFormed() && !whitelist.contains(e.method())) {
                    LOG.warn("RPC user {} not allowed to call method {}", user, LogText.safe(e.method()));
                    out.reply(flow, CoreReplies.empty(version, HttpResponseStatus.FORBIDDEN));
                    return;
                }
                if (e.getBlock() != null) {
                    GetBlockFlow g = new GetBlockFlow(flow, uri, body, e);
                    g.output = g.new SingleOutput();
                    next = g;
                } else {
                    next = new ForwardFlow(flow, uri, body);
                }
            }
            default -> {
                if (whitelist != null) {
                    for (RpcRequest.Element e : rpc.elements) {
                        if (!e.object()) {
                            out.reply(flow, CoreReplies.jsonError(version, CoreReplies.INVALID_REQUEST, "Invalid Request object"));
                            return;
                        }
                        if (e.method() == null) {
                            out.reply(flow, CoreReplies.jsonError(version, CoreReplies.PARSE_ERROR,
                                    "JSON value of type " + e.methodType() + " is not of expected type string"));
                            return;
                        }
                        if (!whitelist.contains(e.method())) {
                            LOG.warn("RPC user {} not allowed to call method {}", user, LogText.safe(e.method()));
                            out.reply(flow, CoreReplies.empty(version, HttpResponseStatus.FORBIDDEN));
                            return;
                        }
                    }
                }
                next = rpc.hasGetBlock() ? new BatchFlow(flow, uri, rpc)
                        : new ForwardFlow(flow, uri, body);
            }
        }
        out.begin(next).start();
    }

    /** Counts a wrong credential; logs the first of a window and the block, never every attempt. */
    private void authFailed(InetAddress peer, String authorization) {
        px.metrics.authFailure();
        if (peer == null) {
            return;
        }
        AuthFailures f = px.authFailures;
        switch (f.failed(peer)) {
            case FIRST_IN_WINDOW -> {
                String claimed = IncomingAuth.claimedUser(authorization);
                LOG.warn("incorrect password attempt from {} ({}); further attempts from this address are counted "
                        + "(rpcproxy_auth_failures_total), not logged, and {} within {} s block it", AuthFailures.key(peer),
                        claimed == null ? "no Basic user:password" : "user '" + LogText.safe(claimed) + "'",
                        f.maxFailures(), f.window().toSeconds());
            }
            case NOW_BLOCKED -> LOG.warn("blocking {} for {} s: {} incorrect password attempts within {} s; its connections "
                    + "are closed at once until then", AuthFailures.key(peer), f.window().toSeconds(), f.maxFailures(),
                    f.window().toSeconds());
            case COUNTED -> { }
        }
    }

    // ------------------------------------------------------------------ plain forwarding

    /** Sends the request to bitcoind as it came and streams the answer back. */
    private final class ForwardFlow extends Flow implements Upstream.Handler {
        private final String path;
        private final byte[] body;
        private Upstream.Exchange exchange;
        private int status;
        private boolean responseKeepAlive;
        private HttpResponse pendingHead;

        ForwardFlow(Flow request, String path, byte[] body) {
            super(request);
            this.path = path;
            this.body = body;
        }

        @Override
        void start() {
            exchange = px.upstream.send(out.eventLoop(), path, Unpooled.wrappedBuffer(body), this);
        }

        @Override
        public void onResponse(HttpResponse head, Upstream.Exchange ex) {
            status = head.status().code();
            HttpResponse h = status >= 200 ? ClientHead.inPlace(head, version, keepAlive) : ClientHead.of(head, version, keepAlive);
            responseKeepAlive = HttpUtil.isKeepAlive(h);
            if (h.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                // held until the body comes: a whole answer then goes out as one message, in one buffer
                pendingHead = h;
            } else {
                out.write(h);
            }
        }

        @Override
        public void onContent(HttpContent content, Upstream.Exchange ex) {
            if (!out.answering(this)) {
                content.release();
                ex.abort();
                return;
            }
            HttpResponse head = pendingHead;
            pendingHead = null;
            if (content instanceof LastHttpContent last) {
                if (head != null && last.trailingHeaders().isEmpty()) {
                    FullHttpResponse whole = new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
                            last.content(), head.headers(), last.trailingHeaders());
                    out.writeLast(this, status, responseKeepAlive, whole);
                    return;
                }
                if (head != null) out.write(head);
                out.writeLast(this, status, responseKeepAlive, content);
                return;
            }
            if (head != null) out.write(head);
            out.write(content);
            out.pauseUntilWritable(ex);
        }

        @Override
        public void onReadComplete() {
            out.flush();
        }

        @Override
        public void onFailure(UpstreamFailure failure, boolean afterResponse) {
            if (!out.answering(this)) return;
            if (afterResponse) {
                LOG.warn("answer from bitcoind broke off: {}", failure.message());
                if (pendingHead != null) {
                    out.write(pendingHead);
                    out.flush();
                    pendingHead = null;
                }
                out.breakOff(this, status);
                return;
            }
            out.reply(this, CoreReplies.gateway(version, failure));
        }

        @Override
        void clientClosed() {
            if (exchange != null) exchange.abort();
        }
    }

    // ------------------------------------------------------------------ getblock

    /** Where a getblock answer goes: the client directly, or one element of a batch answer. */
    private interface Output {
        /** An answer starts (bitcoind's head, or one the proxy made). */
        void begin(HttpResponse head);

        /** A piece of it (ownership passes). */
        void data(ByteBuf bytes);

        /** It ended. */
        void end();

        /** bitcoind gave no answer. */
        void gateway(UpstreamFailure failure);

        /** The answer broke off after it started. */
        void broken();
    }

    /**
     * A {@code getblock}: forwarded, and on Core's pruned error served from the cache (verbosity 0) or
     * fetched from a peer and forwarded again, or answered with Core's own error after {@code
     * fetch-wait}.
     */
    private final class GetBlockFlow extends Flow implements Upstream.Handler {
        private final String path;
        /** The bytes to send: the whole body, or the batch element. */
        private final byte[] body;
        private final RpcRequest.Element element;
        private Output output;
        private Upstream.Exchange exchange;
        private HttpResponse head;
        private CompositeByteBuf peek;
        private boolean streaming;
        private boolean afterFetch;
        private HttpResponse prunedHead;
        private ByteBuf prunedBody;
        private ScheduledFuture<?> waitTimer;
        private boolean waiting;
        private boolean finished;
        private CacheStream cacheStream;

        /**
         * @param body the bytes to send (the whole body, or the batch element)
         */
        GetBlockFlow(Flow request, String path, byte[] body, RpcRequest.Element element) {
            super(request);
            this.path = path;
            this.body = body;
            this.element = element;
        }

        @Override
        void start() {
            send();
        }

        private void send() {
            head = null;
            streaming = false;
            exchange = px.upstream.send(out.eventLoop(), path, Unpooled.wrappedBuffer(body), this);
        }

        @Override
        public void onResponse(HttpResponse h, Upstream.Exchange ex) {
            head = h;
        }

        @Override
        public void onContent(HttpContent content, Upstream.Exchange ex) {
            if (finished) {
                content.release();
                ex.abort();
                return;
            }
            boolean last = content instanceof LastHttpContent;
            if (streaming) {
                output.data(content.content().retain());
                content.release();
                if (last) {
                    finished = true;
                    output.end();
                } else {
                    out.pauseUntilWritable(ex);
                }
                return;
            }
            if (peek == null) {
                peek = Unpooled.compositeBuffer(Integer.MAX_VALUE);
            }
            peek.addComponent(true, content.content().retain());
            content.release();
            if (peek.readableBytes() > BlockFetcher.PEEK_LIMIT) {
                streaming = true;
                output.begin(head);
                ByteBuf first = peek;
                peek = null;
                output.data(first);
                if (last) {
                    finished = true;
                    output.end();
                }
                return;
            }
            if (last) {
                ByteBuf whole = peek;
                peek = null;
                decide(whole);
            }
        }

        @Override
        public void onReadComplete() {
            if (streaming && !finished) out.flush();
        }

        private void decide(ByteBuf whole) {
            if (isPrunedError(head, whole)) {
                px.metrics.prunedAnswer();
                pruned(head, whole);
                return;
            }
            finished = true;
            output.begin(head);
            output.data(whole);
            output.end();
        }

        private void pruned(HttpResponse h, ByteBuf whole) {
            String hash = element.getBlock().hash();
            if (element.getBlock().verbosity() == 0 && serveFromCache(hash, whole)) {
                whole.release();
                return;
            }
            if (afterFetch) {
                // pruned again between the arrival and our request: Core's answer as it came
                finished = true;
                output.begin(h);
                output.data(whole);
                output.end();
                return;
            }
            prunedHead = h;
            prunedBody = whole;
            waiting = true;
            waitTimer = out.eventLoop().schedule(this::waitOver, px.config.fetchWait().toNanos(), TimeUnit.NANOSECONDS);
            px.fetcher.fetch(hash).whenComplete((ok, error) -> out.eventLoop().execute(() -> fetched(error)));
        }

        private void fetched(Throwable error) {
            if (!waiting || finished) return;
            waiting = false;
            cancel(waitTimer);
            if (error == null) {
                afterFetch = true;
                prunedBody.release();
                prunedBody = null;
                send();
            } else {
                replyPruned();
            }
        }

        private void waitOver() {
            if (!waiting || finished) return;
            waiting = false;
            replyPruned();
        }

        private void replyPruned() {
            finished = true;
            ByteBuf b = prunedBody;
            prunedBody = null;
            output.begin(prunedHead);
            output.data(b);
            output.end();
        }

        /**
         * Serves the block from the cache, framed as bitcoind framed its pruned error to this request ({@code
         * prunedAnswer}), so the answer is the one this bitcoind would give if it still had the block.
         */
        private boolean serveFromCache(String hash, ByteBuf prunedAnswer) {
            Optional<BlockCache.Entry> entry = px.cache.get(hash);
            if (entry.isEmpty()) return false;
            CoreReplies.Envelope envelope;
            FileChannel file;
            try {
                envelope = CoreReplies.Envelope.of(prunedAnswer);
                file = FileChannel.open(entry.get().file(), StandardOpenOption.READ);
            } catch (IOException e) {
                return false;
            }
            px.metrics.cacheHit();
            finished = true;
            cacheStream = new CacheStream(file, entry.get().size(), CoreReplies.resultStringPrefix(envelope.v2()),
                    CoreReplies.resultStringSuffix(envelope.v2(), envelope.id(), true), output);
            cacheStream.start();
            return true;
        }

        @Override
        public void onFailure(UpstreamFailure failure, boolean afterResponse) {
            if (finished) return;
            finished = true;
            if (peek != null) {
                peek.release();
                peek = null;
            }
            if (streaming) {
                LOG.warn("getblock answer from bitcoind broke off: {}", failure.message());
                output.broken();
            } else {
                output.gateway(failure);
            }
        }

        @Override
        void clientClosed() {
            finished = true;
            waiting = false;
            cancel(waitTimer);
            if (exchange != null) exchange.abort();
            if (peek != null) {
                peek.release();
                peek = null;
            }
            if (prunedBody != null) {
                prunedBody.release();
                prunedBody = null;
            }
            if (cacheStream != null) cacheStream.close();
        }

        /** Writes straight to the client. */
        private final class SingleOutput implements Output {
            private int status;
            private boolean responseKeepAlive;

            @Override
            public void begin(HttpResponse h) {
                HttpResponse head = ClientHead.of(h, version, keepAlive);
                status = h.status().code();
                responseKeepAlive = HttpUtil.isKeepAlive(head);
                out.write(head);
            }

            @Override
            public void data(ByteBuf bytes) {
                if (bytes.isReadable()) {
                    out.write(new DefaultHttpContent(bytes));
                } else {
                    bytes.release();
                }
            }

            @Override
            public void end() {
                out.writeLast(GetBlockFlow.this, status, responseKeepAlive, LastHttpContent.EMPTY_LAST_CONTENT);
            }

            @Override
            public void gateway(UpstreamFailure failure) {
                out.reply(GetBlockFlow.this, CoreReplies.gateway(version, failure));
            }

            @Override
            public void broken() {
                out.breakOff(GetBlockFlow.this, status);
            }
        }
    }

    /** True for Core's exact pruned error: code -1, "Block not available (pruned data)". */
    static boolean isPrunedError(HttpResponse head, ByteBuf body) {
        int status = head.status().code();
        if (status != 200 && status != 500) return false;
        try {
            JsonNode tree = JSON.readTree(ByteBufUtil.getBytes(body));
            JsonNode error = tree == null ? null : tree.get("error");
            return error != null && error.isObject() && error.path("code").asInt() == CoreReplies.MISC_ERROR
                    && error.path("code").isIntegralNumber()
                    && CoreReplies.PRUNED_MESSAGE.equals(error.path("message").asText(null));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Serves a cached block as Core's verbosity-0 answer: prefix, the block as hex (encoded as it is
     * read, 32 KiB at a time, while the client keeps up), suffix.
     */
    private final class CacheStream {
        private final FileChannel file;
        private final long size;
        private final byte[] prefix;
        private final byte[] suffix;
        private final Output output;
        private final ByteBuffer buffer = ByteBuffer.allocate(32768);
        private boolean closedFile;

        CacheStream(FileChannel file, long size, byte[] prefix, byte[] suffix, Output output) {
            this.file = file;
            this.size = size;
            this.prefix = prefix;
            this.suffix = suffix;
            this.output = output;
        }

        void start() {
            DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            head.headers().set(HttpHeaderNames.CONTENT_LENGTH, prefix.length + 2 * size + suffix.length);
            output.begin(head);
            output.data(Unpooled.wrappedBuffer(prefix));
            pump();
        }

        private void pump() {
            if (closedFile) return;
            try {
                while (out.isWritable()) {
                    buffer.clear();
                    int n = file.read(buffer);
                    if (n < 0) {
                        close();
                        output.data(Unpooled.wrappedBuffer(suffix));
                        output.end();
                        return;
                    }
                    ByteBuf hex = out.alloc().buffer(2 * n);
                    for (int i = 0; i < n; i++) {
                        int b = buffer.get(i) & 0xff;
                        hex.writeByte(HEX[b >>> 4]);
                        hex.writeByte(HEX[b & 0xf]);
                    }
                    output.data(hex);
                }
            } catch (IOException e) {
                LOG.warn("reading a cached block failed: {}", e.getMessage());
                close();
                output.broken();
                return;
            }
            out.flush();
            out.whenWritable(this::pump);
        }

        void close() {
            if (closedFile) return;
            closedFile = true;
            try {
                file.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    // ------------------------------------------------------------------ batches

    /**
     * A batch with {@code getblock} elements, answered element group by element group in order, as one
     * chunked JSON array. The status (200) is written with the first element; a failure of bitcoind
     * before that is the whole answer, after it an error element (code -1) for each element affected.
     */
    private final class BatchFlow extends Flow {
        private final String path;
        private final RpcRequest rpc;
        private final List<List<RpcRequest.Element>> segments = new ArrayList<>();
        private int index;
        private boolean headWritten;
        private int groups;
        private boolean finished;
        private Runnable abortCurrent;
        private boolean responseKeepAlive;

        BatchFlow(Flow request, String path, RpcRequest rpc) {
            super(request);
            this.path = path;
            this.rpc = rpc;
            List<RpcRequest.Element> run = new ArrayList<>();
            List<RpcRequest.Element> all = rpc.elements;
            for (int i = 0; i < all.size(); i++) {
                RpcRequest.Element e = all.get(i);
                // Core reuses one request object across a batch: an element that is not an object answers
                // with the previous element's id, so it stays in the same sub-batch as that element
                boolean alone = e.getBlock() != null && (i + 1 == all.size() || all.get(i + 1).object());
                if (alone) {
                    if (!run.isEmpty()) segments.add(run);
                    run = new ArrayList<>();
                    segments.add(List.of(e));
                } else {
                    run.add(e);
                }
            }
            if (!run.isEmpty()) segments.add(run);
        }

        @Override
        void start() {
            advance();
        }

        /** The current segment is done: the next one starts from the event loop (no recursion, however long the batch). */
        private void nextSegment() {
            out.eventLoop().execute(this::advance);
        }

        private void advance() {
            if (finished || !out.answering(this)) return;
            abortCurrent = null;
            if (index == segments.size()) {
                finish();
                return;
            }
            List<RpcRequest.Element> seg = segments.get(index++);
            RpcRequest.Element first = seg.get(0);
            if (seg.size() == 1 && first.getBlock() != null) {
                byte[] element = slice(first);
                GetBlockFlow g = new GetBlockFlow(this, path, element, first);
                g.output = new ElementOutput(seg);
                abortCurrent = g::clientClosed;
                g.start();
            } else {
                ByteBuf sub = Unpooled.buffer();
                sub.writeByte('[');
                for (int i = 0; i < seg.size(); i++) {
                    if (i > 0) sub.writeByte(',');
                    RpcRequest.Element e = seg.get(i);
                    sub.writeBytes(rpc.body, e.start(), e.end() - e.start());
                }
                sub.writeByte(']');
                RunHandler h = new RunHandler(seg);
                Upstream.Exchange ex = px.upstream.send(out.eventLoop(), path, sub, h);
                abortCurrent = ex::abort;
            }
        }

        private byte[] slice(RpcRequest.Element e) {
            byte[] b = new byte[e.end() - e.start()];
            System.arraycopy(rpc.body, e.start(), b, 0, b.length);
            return b;
        }

        private void ensureHead() {
            if (headWritten) return;
            headWritten = true;
            DefaultHttpResponse head = new DefaultHttpResponse(version, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            boolean keep = keepAlive;
            if (version.equals(HttpVersion.HTTP_1_1)) {
                HttpUtil.setTransferEncodingChunked(head, true);
            } else {
                keep = false;
            }
            HttpUtil.setKeepAlive(head, keep);
            responseKeepAlive = keep;
            out.write(head);
            out.write(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {'['})));
        }

        /** Emits the bytes of an element group; the first bytes of a group are preceded by a comma. */
        private void emit(ByteBuf bytes, boolean groupStart) {
            ensureHead();
            if (groupStart && groups++ > 0) {
                out.write(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {','})));
            }
            out.write(new DefaultHttpContent(bytes));
        }

        private void errorElements(List<RpcRequest.Element> seg, String message) {
            for (RpcRequest.Element e : seg) {
                if (e.notification()) continue;
                emit(Unpooled.wrappedBuffer(CoreReplies.replyObject(e.v2(), e.hasId() ? e.id(rpc.body) : null,
                        CoreReplies.MISC_ERROR, message, false)), true);
            }
        }

        private void finish() {
            if (finished) return;
            finished = true;
            ensureHead();
            out.write(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {']', '\n'})));
            out.writeLast(this, 200, responseKeepAlive, LastHttpContent.EMPTY_LAST_CONTENT);
        }

        private void whole(FullHttpResponse r) {
            finished = true;
            out.reply(this, r);
        }

        private void broken() {
            if (finished) return;
            finished = true;
            out.breakOff(this, 200);
        }

        @Override
        void clientClosed() {
            finished = true;
            if (abortCurrent != null) abortCurrent.run();
        }

        /** Streams a sub-batch's answer into the array, without its brackets. */
        private final class RunHandler implements Upstream.Handler {
            private final List<RpcRequest.Element> seg;
            private final JsonFramer framer = new JsonFramer(true);
            private boolean groupStarted;
            private HttpResponse failedHead;
            private CompositeByteBuf failedBody;
            private boolean passThrough;

            RunHandler(List<RpcRequest.Element> seg) {
                this.seg = seg;
            }

            @Override
            public void onResponse(HttpResponse head, Upstream.Exchange ex) {
                int code = head.status().code();
                if (code == 200 || code == 204) return;
                if (!headWritten) {
                    passThrough = true;
                    HttpResponse h = ClientHead.of(head, version, keepAlive);
                    responseKeepAlive = HttpUtil.isKeepAlive(h);
                    finished = true;
                    out.write(h);
                    return;
                }
                failedHead = head;
                failedBody = Unpooled.compositeBuffer();
            }

            @Override
            public void onContent(HttpContent content, Upstream.Exchange ex) {
                boolean last = content instanceof LastHttpContent;
                if (!out.answering(BatchFlow.this)) {
                    content.release();
                    ex.abort();
                    return;
                }
                if (passThrough) {
                    if (last) {
                        out.writeLast(BatchFlow.this, 200, responseKeepAlive, content);
                    } else {
                        out.write(content);
                    }
                    return;
                }
                if (failedHead != null) {
                    if (failedBody.readableBytes() < 4096) failedBody.addComponent(true, content.content().retain());
                    content.release();
                    if (last) {
                        String text = failedBody.toString(StandardCharsets.UTF_8).strip();
                        failedBody.release();
                        errorElements(seg, "bitcoind answered HTTP " + failedHead.status().code()
                                + (text.isEmpty() ? "" : ": " + text));
                        nextSegment();
                    }
                    return;
                }
                framer.feed(content.content().retain(), b -> {
                    emit(b, !groupStarted);
                    groupStarted = true;
                });
                content.release();
                if (last) {
                    framer.end();
                    nextSegment();
                } else {
                    out.pauseUntilWritable(ex);
                }
            }

            @Override
            public void onReadComplete() {
                out.flush();
            }

            @Override
            public void onFailure(UpstreamFailure failure, boolean afterResponse) {
                if (!out.answering(BatchFlow.this)) return;
                if (failedBody != null && failedBody.refCnt() > 0) failedBody.release();
                framer.end();
                if (passThrough || groupStarted) {
                    broken();
                } else if (!headWritten) {
                    whole(CoreReplies.gateway(version, failure));
                } else {
                    errorElements(seg, "bcm-rpcproxy: " + failure.message());
                    nextSegment();
                }
            }
        }

        /** A getblock element's answer, spliced in without its trailing newline. */
        private final class ElementOutput implements Output {
            private final List<RpcRequest.Element> seg;
            private final JsonFramer framer = new JsonFramer(false);
            private boolean groupStarted;
            private boolean failed;
            private int failedStatus;
            private CompositeByteBuf failedBody;
            private HttpResponse failedHead;

            ElementOutput(List<RpcRequest.Element> seg) {
                this.seg = seg;
            }

            @Override
            public void begin(HttpResponse head) {
                int code = head.status().code();
                String type = head.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
                boolean json = (code == 200 || code == 400 || code == 404 || code == 500) && type.startsWith("application/json");
                if (!json) {
                    failed = true;
                    failedStatus = code;
                    failedHead = head;
                    failedBody = Unpooled.compositeBuffer();
                }
            }

            @Override
            public void data(ByteBuf bytes) {
                if (!out.answering(BatchFlow.this)) {
                    bytes.release();
                    return;
                }
                if (failed) {
                    if (failedBody.readableBytes() < 4096) failedBody.addComponent(true, bytes);
                    else bytes.release();
                    return;
                }
                framer.feed(bytes, b -> {
                    emit(b, !groupStarted);
                    groupStarted = true;
                });
            }

            @Override
            public void end() {
                if (!out.answering(BatchFlow.this)) return;
                if (failed) {
                    if (!headWritten) {
                        HttpResponse h = ClientHead.of(failedHead, version, keepAlive);
                        h.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                        h.headers().set(HttpHeaderNames.CONTENT_LENGTH, failedBody.readableBytes());
                        finished = true;
                        out.write(h);
                        boolean keep = HttpUtil.isKeepAlive(h);
                        out.writeLast(BatchFlow.this, failedStatus, keep, new DefaultLastHttpContent(failedBody));
                        return;
                    }
                    String text = failedBody.toString(StandardCharsets.UTF_8).strip();
                    failedBody.release();
                    errorElements(seg, "bitcoind answered HTTP " + failedStatus + (text.isEmpty() ? "" : ": " + text));
                } else {
                    framer.end();
                }
                nextSegment();
            }

            @Override
            public void gateway(UpstreamFailure failure) {
                if (!out.answering(BatchFlow.this)) return;
                if (!headWritten) {
                    whole(CoreReplies.gateway(version, failure));
                    return;
                }
                errorElements(seg, "bcm-rpcproxy: " + failure.message());
                nextSegment();
            }

            @Override
            public void broken() {
                BatchFlow.this.broken();
            }
        }
    }
}
