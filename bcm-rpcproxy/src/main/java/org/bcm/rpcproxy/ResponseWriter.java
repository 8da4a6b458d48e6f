package org.bcm.rpcproxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Writes the answers of one client connection, one answer at a time, with back pressure. Every flow
 * writes through it; it knows which flow's answer is being written ({@link #begin}) and ends that answer
 * ({@link #reply}, {@link #writeLast}, {@link #breakOff}), upon which the connection reads its next
 * request or closes ({@link AnswerWritten}).
 *
 * <p>Back pressure: the client connection is unwritable while more than its high water mark is queued
 * for it (1 MiB, {@code WRITE_BUFFER_WATER_MARK} in {@link RpcProxy}) and writable again below the low
 * one (512 KiB). While it is unwritable bitcoind's connection is not read ({@link #pauseUntilWritable}) and
 * a cached block is not read from disk ({@link #whenWritable}), so a slow client holds at most about a
 * megabyte of its answer in the proxy.
 *
 * <p>All methods run on the connection's event loop.
 */
final class ResponseWriter {

    /** What the connection does once an answer has ended. */
    @FunctionalInterface
    interface AnswerWritten {
        /**
         * @param status the HTTP status the client was answered with (for the metrics)
         * @param keepAlive false when the connection is closed once {@code lastWrite} is done
         * @param lastWrite the write of the answer's last message (done when it is sent), or the close
         */
        void answerWritten(Flow flow, int status, boolean keepAlive, ChannelFuture lastWrite);
    }

    private final ChannelHandlerContext ctx;
    private final AnswerWritten answerWritten;
    /** The flow whose answer is being written; null between requests. */
    private Flow current;
    /** Run once the client connection is writable again (at most one waits at a time). */
    private Runnable onWritable;

    ResponseWriter(ChannelHandlerContext ctx, AnswerWritten answerWritten) {
        this.ctx = ctx;
        this.answerWritten = answerWritten;
    }

    /** Makes {@code flow}'s answer the one being written, and returns {@code flow}. */
    <F extends Flow> F begin(F flow) {
        current = flow;
        return flow;
    }

    /** True while {@code flow}'s answer is the one being written: false once it ended or the client closed. */
    boolean answering(Flow flow) {
        return current == flow;
    }

    /** True between requests: no answer is being written. */
    boolean idle() {
        return current == null;
    }

    /** The client's connection closed: the flow being answered, if any, is told and forgotten. */
    void clientClosed() {
        Flow f = current;
        current = null;
        if (f != null) {
            f.clientClosed();
        }
        onWritable = null;
    }

    /** The connection's event loop, which every flow of the connection runs on and schedules on. */
    EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /** True while the client takes what is written: less than the high water mark is queued for it. */
    boolean isWritable() {
        return ctx.channel().isWritable();
    }

    /** Queues a part of the answer ({@link io.netty.handler.codec.http.HttpObject}); {@link #flush} sends it. */
    void write(Object message) {
        ctx.write(message);
    }

    void flush() {
        ctx.flush();
    }

    /** Closes the client connection without an answer. */
    void close() {
        ctx.close();
    }

    /**
     * Back pressure on bitcoind's answer: when the client is not taking what is written, flushes, stops
     * reading {@code exchange}, and reads it again once the client has taken enough.
     */
    void pauseUntilWritable(Upstream.Exchange exchange) {
        if (!isWritable()) {
            ctx.flush();
            exchange.pause();
            whenWritable(exchange::resume);
        }
    }

    /** Runs {@code r} now when the client connection is writable, else once it is again. */
    void whenWritable(Runnable r) {
        if (isWritable()) {
            r.run();
        } else {
            onWritable = r;
        }
    }

    /** The client connection's writability changed ({@code channelWritabilityChanged}). */
    void writabilityChanged() {
        if (isWritable()) {
            Runnable r = onWritable;
            onWritable = null;
            if (r != null) {
                r.run();
            }
        }
    }

    /**
     * The whole answer to {@code flow}, one message, with {@code flow}'s keep-alive; dropped (released) when
     * {@code flow} is no longer being answered.
     */
    void reply(Flow flow, FullHttpResponse r) {
        if (current != flow) {
            r.release();
            return;
        }
        HttpUtil.setKeepAlive(r, flow.keepAlive);
        ended(flow, r.status().code(), flow.keepAlive, ctx.writeAndFlush(r));
    }

    /**
     * Writes and flushes the last message of {@code flow}'s answer, which ends it.
     *
     * @param status the status the answer was written with
     * @param keepAlive what the answer's head told the client (false: the connection is closed after it)
     */
    void writeLast(Flow flow, int status, boolean keepAlive, Object last) {
        ended(flow, status, keepAlive, ctx.writeAndFlush(last));
    }

    /**
     * {@code flow}'s answer broke off after its head was written: the connection is closed, so the client
     * sees an incomplete answer rather than a wrong one.
     */
    void breakOff(Flow flow, int status) {
        ended(flow, status, false, ctx.close());
    }

    private void ended(Flow flow, int status, boolean keepAlive, ChannelFuture lastWrite) {
        if (current != flow) {
            return;
        }
        current = null;
        answerWritten.answerWritten(flow, status, keepAlive, lastWrite);
    }
}
