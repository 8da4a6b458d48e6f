package org.bcm.rpcproxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Where the answer of a {@code getblock} request of its own goes: straight to the client, bitcoind's head fixed
 * by {@link ClientHead}, then the body as it comes.
 */
final class ClientOutput implements GetBlockFlow.Output {
    private final Flow flow;
    private final ResponseWriter out;
    private int status;
    private boolean responseKeepAlive;

    /** @param flow the request answered */
    ClientOutput(Flow flow) {
        this.flow = flow;
        this.out = flow.out;
    }

    @Override
    public void begin(HttpResponse h) {
        HttpResponse head = ClientHead.of(h, flow.version, flow.keepAlive);
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
        out.writeLast(flow, status, responseKeepAlive, LastHttpContent.EMPTY_LAST_CONTENT);
    }

    @Override
    public void gateway(UpstreamFailure failure) {
        out.reply(flow, CoreReplies.gateway(flow.version, failure));
    }

    @Override
    public void broken() {
        out.breakOff(flow, status);
    }
}
