package org.bcm.rpcproxy;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * bitcoind's status line and headers made fit for the client: the hop-by-hop headers of bitcoind's
 * connection dropped (Connection, Keep-Alive, Transfer-Encoding, Proxy-Connection, TE, Trailer, Upgrade:
 * RFC 9110 section 7.6.1), the client's HTTP version and keep-alive set, and the framing fixed: a body
 * without Content-Length is sent chunked to an HTTP/1.1 client and ended by closing the connection for
 * an HTTP/1.0 one (RFC 9112 section 6.3).
 */
final class ClientHead {

    private ClientHead() {}

    /** A copy of bitcoind's head {@code up}, fixed for the client. */
    static HttpResponse of(HttpResponse up, HttpVersion version, boolean keepAlive) {
        DefaultHttpResponse r = new DefaultHttpResponse(version, up.status());
        r.headers().set(up.headers());
        return fix(r, version, keepAlive);
    }

    /**
     * {@link #of} made of bitcoind's head object itself, for a final (2xx-5xx) head that is not used
     * again: the decoder looks at a 1xx head's Upgrade header after it was handed on.
     */
    static HttpResponse inPlace(HttpResponse up, HttpVersion version, boolean keepAlive) {
        up.setProtocolVersion(version);
        return fix(up, version, keepAlive);
    }

    private static HttpResponse fix(HttpResponse r, HttpVersion version, boolean keepAlive) {
        r.headers().remove(HttpHeaderNames.CONNECTION).remove(HttpHeaderNames.KEEP_ALIVE)
                .remove(HttpHeaderNames.TRANSFER_ENCODING).remove(HttpHeaderNames.PROXY_CONNECTION)
                .remove(HttpHeaderNames.TE).remove(HttpHeaderNames.TRAILER).remove(HttpHeaderNames.UPGRADE);
        int code = r.status().code();
        boolean bodyless = code == 204 || code == 304 || code < 200;
        if (!bodyless && !r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (version.equals(HttpVersion.HTTP_1_1)) {
                HttpUtil.setTransferEncodingChunked(r, true);
            } else {
                keepAlive = false;
            }
        }
        HttpUtil.setKeepAlive(r, keepAlive);
        return r;
    }
}
