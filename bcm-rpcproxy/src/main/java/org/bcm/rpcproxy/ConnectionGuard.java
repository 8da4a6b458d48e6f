package org.bcm.rpcproxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limits every listener of the proxy puts on each connection, first in its pipeline: the RPC
 * listener ({@code listen}) and the metrics listener ({@code metrics-listen}) alike.
 *
 * <ul>
 *   <li>at most {@code max-clients} connections at once per listener ({@link Limit}); one more is
 *       closed as soon as it is accepted, before anything is read from it;
 *   <li>a whole request must arrive within {@code client-timeout} of the connection becoming idle (its
 *       opening, or the end of the answer before): a slow sender and an idle keep-alive connection are
 *       closed, as Core's {@code -rpcservertimeout} closes them;
 *   <li>a client that reads nothing of its answer for {@code client-timeout} (the connection stays
 *       unwritable) is closed.
 * </ul>
 *
 * <p>The handler behind it says when a request is being answered ({@link #busy()}) and when the
 * connection is idle again ({@link #idle()}): only it knows where a request ends. One instance per
 * connection; all methods run on the connection's event loop.
 */
final class ConnectionGuard extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    /** The connections of one listener: at most {@code max}. Thread-safe. */
    static final class Limit {
        private final String what;
        private final int max;
        private final AtomicInteger open = new AtomicInteger();

        /**
         * @param what who connects, for the log ("client", "metrics client")
         * @param max most connections at once ({@code max-clients})
         */
        Limit(String what, int max) {
            this.what = what;
            this.max = max;
        }

        /** Counts a new connection; false when {@code max} are already open. */
        boolean admit() {
            if (open.incrementAndGet() > max) {
                open.decrementAndGet();
                return false;
            }
            return true;
        }

        void leave() {
            open.decrementAndGet();
        }

        /** Connections open now. */
        int count() {
            return open.get();
        }
    }

    private final Limit limit;
    private final long timeoutNanos;
    private ChannelHandlerContext ctx;
    private boolean admitted;
    private boolean busy;
    private ScheduledFuture<?> requestTimer;
    private ScheduledFuture<?> stallTimer;

    /**
     * @param limit the listener's connection count
     * @param timeoutNanos {@code client-timeout}
     */
    ConnectionGuard(Limit limit, long timeoutNanos) {
        this.limit = limit;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        this.ctx = c;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        admitted = limit.admit();
        if (!admitted) {
            LOG.warn("refusing {} {}: max-clients ({}) connections are open", limit.what, c.channel().remoteAddress(),
                    limit.max);
            c.close();
            return;
        }
        idle();
        c.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        if (admitted) {
            limit.leave();
            admitted = false;
        }
        cancel(requestTimer);
        cancel(stallTimer);
        requestTimer = null;
        stallTimer = null;
        c.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext c) {
        if (c.channel().isWritable()) {
            cancel(stallTimer);
            stallTimer = null;
        } else if (stallTimer == null && c.channel().isActive()) {
            stallTimer = c.executor().schedule(() -> {
                LOG.info("closing {} {}: it read nothing of its answer for {} ms", limit.what, c.channel().remoteAddress(),
                        timeoutNanos / 1_000_000);
                c.close();
            }, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        c.fireChannelWritabilityChanged();
    }

    /** A whole request has arrived and is being answered: no request timeout until {@link #idle()}. */
    void busy() {
        busy = true;
        cancel(requestTimer);
        requestTimer = null;
    }

    /** The answers are out: the next request must arrive whole within {@code client-timeout}. */
    void idle() {
        busy = false;
        cancel(requestTimer);
        if (!ctx.channel().isActive()) {
            return;
        }
        requestTimer = ctx.executor().schedule(() -> {
            if (!busy) {
                LOG.debug("closing {} {}: no complete request within {} ms", limit.what, ctx.channel().remoteAddress(),
                        timeoutNanos / 1_000_000);
                ctx.close();
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
