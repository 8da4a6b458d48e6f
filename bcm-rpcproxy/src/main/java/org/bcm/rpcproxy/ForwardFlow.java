package org.bcm.rpcproxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;

/**
 * Plain forwarding: the request goes to bitcoind as it came and bitcoind's answer comes back as it comes,
 * its status, its headers (fixed for the client by {@link ClientHead}) and its body, streamed with back pressure.
 * An answer with a Content-Length whose body comes in one piece is written as one message. bitcoind gives no
 * answer: {@link CoreReplies#gateway}; its answer breaks off: the client connection is closed.
 */
final class ForwardFlow extends Flow implements Upstream.Handler {

    private static final Logger LOG = ClientHandler.LOG;

    private final String path;
    private final byte[] body;
    private Upstream.Exchange exchange;
    private int status;
    private boolean responseKeepAlive;
    private HttpResponse pendingHead;

    /**
     * @param path the request's path, {@code /} or {@code /wallet/<name>}
     * @param body the request's body as the client sent it
     */
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
                FullHttpResponse oneMessage = new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
                        last.content(), head.headers(), last.trailingHeaders());
                out.writeLast(this, status, responseKeepAlive, oneMessage);
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
