package org.bcm.rpcproxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Requests are answered one after the other (a pipelining client is paused
 * until its earlier answers are out), each by one of these, which the {@link RequestGate} picks:
 *
 * <ul>
 *   <li>a reply of the proxy's own where Core would answer without running anything (see {@link
 *       RequestGate}: bad HTTP, credentials, not JSON, {@code -rpcwhitelist}), as Core's src/httprpc.cpp;
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
 * backpressure ({@link ResponseWriter}): bitcoind's connection stops being read while the client's buffer is full.
 *
 * <p>All methods run on the connection's event loop.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {

    /**
     * The log of client connections, which the classes that answer them ({@link RequestGate}, the flows) write
     * to as well: one logger name for all of it.
     */
    static final Logger LOG = LoggerFactory.getLogger(ClientHandler.class);

    private final ProxyContext px;
    private final ConnectionGuard guard;
    private ChannelHandlerContext ctx;
    private ResponseWriter out;
    private RequestGate gate;
    private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
    private boolean closed;
    /** Bytes of the request being answered, counted in {@code request-memory} until it is answered. */
    private long heldBytes;

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
        this.out = new ResponseWriter(c, this::finishAnswer);
        this.gate = new RequestGate(px, c, out);
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        // admitted by the ConnectionGuard: past max-clients this is never called
        if (gate.refuseBlockedAddress()) {
            // too many wrong credentials from this address lately (logged once, when it was blocked)
            return;
        }
        px.clients.add(c.channel());
        c.fireChannelActive();
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
            answerNextRequest();
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

    /** Starts answering the first request waiting, unless an answer is being written. */
    private void answerNextRequest() {
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
            gate.startAnswer(req);
        } finally {
            req.release();
        }
    }

    /**
     * The answer to {@code flow} is written: the request's memory is given back and the answer counted; then the
     * next request waiting is answered, or the connection waits for one, or it is closed.
     */
    private void finishAnswer(Flow flow, int status, boolean keepAlive, ChannelFuture lastWrite) {
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
            ctx.executor().execute(this::answerNextRequest);
        }
    }
}
