package org.bcm.rpcproxy;

import io.netty.handler.codec.http.HttpVersion;

/**
 * One request being answered. As it is, a flow whose answer is one message the proxy writes itself
 * ({@link ResponseWriter#reply}); its subclasses answer through bitcoind ({@link ForwardFlow}, {@link
 * GetBlockFlow}, {@link BatchFlow}). The {@link RequestGate} picks the flow for a request.
 *
 * <p>All methods run on the connection's event loop.
 */
class Flow {
    final ProxyContext px;
    /** The connection's writer: every byte of the answer goes through it. */
    final ResponseWriter out;
    /** When the request was taken up, {@link System#nanoTime()}: the start of {@code rpcproxy_request_duration_seconds}. */
    final long start;
    /** The request's HTTP version, which the answer's status line repeats. */
    final HttpVersion version;
    /** Whether the client may send another request on the connection after this answer. */
    final boolean keepAlive;

    Flow(ProxyContext px, ResponseWriter out, long start, HttpVersion version, boolean keepAlive) {
        this.px = px;
        this.out = out;
        this.start = start;
        this.version = version;
        this.keepAlive = keepAlive;
    }

    /** A flow that answers the same request as {@code request} (its start, version and keep-alive). */
    Flow(Flow request) {
        this(request.px, request.out, request.start, request.version, request.keepAlive);
    }

    /** Starts answering: sends the request to bitcoind, or writes. */
    void start() {}

    /** The client's connection closed before the answer ended: stop, and release what is held. */
    void clientClosed() {}
}
