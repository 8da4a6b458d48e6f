package org.bcm.rpcproxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.ReferenceCountUtil;

/**
 * Netty's {@link HttpObjectAggregator} (413 past {@code max-request-size}) that also holds the bytes it
 * collects against the proxy's {@code request-memory}: each chunk is counted when it is appended. A chunk
 * that would pass the limit raises {@link RequestMemory.Exceeded}; from then on the connection's input is
 * dropped (the client handler answers 503 and closes it). A complete request hands its bytes over to the
 * client handler, which gives them back when the request is answered. One per connection.
 */
final class RequestAggregator extends HttpObjectAggregator {

    private final RequestMemory memory;
    /** Bytes of the request being collected, counted in {@link #memory}. */
    private long held;
    private boolean refused;

    RequestAggregator(int maxContentLength, RequestMemory memory) {
        super(maxContentLength, true);
        this.memory = memory;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected FullHttpMessage beginAggregation(HttpMessage start, ByteBuf content) throws Exception {
        // a request dropped without reaching the end (an expectation refused) gives its bytes back here
        giveBack();
        return super.beginAggregation(start, content);
    }

    @Override
    protected void aggregate(FullHttpMessage aggregated, HttpContent content) throws Exception {
        super.aggregate(aggregated, content);
        int n = content.content().readableBytes();
        if (!memory.take(n)) {
            // the part collected so far goes now, not when the answers before the refusal are done
            refused = true;
            releaseCurrentMessage();
            giveBack();
            throw new RequestMemory.Exceeded(memory.limit());
        }
        held += n;
    }

    @Override
    protected void finishAggregation(FullHttpMessage aggregated) throws Exception {
        super.finishAggregation(aggregated);
        held = 0; // the client handler owns them now: aggregated.content() holds exactly these bytes
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        giveBack();
        super.handleOversizedMessage(ctx, oversized);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.handlerRemoved(ctx);
    }

    private void giveBack() {
        memory.giveBack(held);
        held = 0;
    }
}
