package org.bcm.rpcproxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch (a JSON array of requests) with {@code getblock} elements. It is split, in order, into segments:
 * runs of other elements, each sent to bitcoind as a smaller batch ({@link BatchSegment.Run}), and single
 * {@code getblock}s, each through a {@link GetBlockFlow} of its own ({@link BatchSegment.GetBlockElement}).
 * The answers are spliced, segment after segment as they come, into one chunked JSON array without being
 * buffered: the array Core would answer the whole batch with, one answer per element that is not a
 * notification, in order (src/httprpc.cpp). The status (200) is written with the first element; a failure
 * of bitcoind before that is the whole answer, after it an error element (code -1) for each element
 * affected.
 */
final class BatchFlow extends Flow {
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
        startNextSegment();
    }

    /** The current segment is done: the next one starts from the event loop (no recursion, however long the batch). */
    void segmentDone() {
        out.eventLoop().execute(this::startNextSegment);
    }

    /** Sends the next segment to bitcoind, or ends the array after the last. */
    private void startNextSegment() {
        if (finished || !answering()) return;
        abortCurrent = null;
        if (index == segments.size()) {
            endArray();
            return;
        }
        List<RpcRequest.Element> seg = segments.get(index++);
        RpcRequest.Element first = seg.get(0);
        if (seg.size() == 1 && first.getBlock() != null) {
            byte[] element = slice(first);
            GetBlockFlow g = new GetBlockFlow(this, path, element, first, new BatchSegment.GetBlockElement(this, seg));
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
            BatchSegment.Run h = new BatchSegment.Run(this, seg);
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

    /** True while this batch is the answer being written (the client did not close, the answer did not end). */
    boolean answering() {
        return out.answering(this);
    }

    /** True once the array's head (HTTP 200) is written: from then on a failure is an element, not the answer. */
    boolean headWritten() {
        return headWritten;
    }

    /** Emits the bytes of an element group; the first bytes of a group are preceded by a comma. */
    void emit(ByteBuf bytes, boolean groupStart) {
        ensureHead();
        if (groupStart && groups++ > 0) {
            out.write(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {','})));
        }
        out.write(new DefaultHttpContent(bytes));
    }

    /**
     * An error element (code -1, {@code message}) in the array for each element of {@code seg} that is not a
     * notification.
     */
    void errorElements(List<RpcRequest.Element> seg, String message) {
        for (RpcRequest.Element e : seg) {
            if (e.notification()) continue;
            emit(Unpooled.wrappedBuffer(CoreReplies.replyObject(e.v2(), e.hasId() ? e.id(rpc.body) : null,
                    CoreReplies.MISC_ERROR, message, false)), true);
        }
    }

    private void endArray() {
        if (finished) return;
        finished = true;
        ensureHead();
        out.write(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {']', '\n'})));
        out.writeLast(this, 200, responseKeepAlive, LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /** Before the array's head: {@code r} is the whole answer instead of the array. */
    void replyInstead(FullHttpResponse r) {
        finished = true;
        out.reply(this, r);
    }

    /**
     * Before the array's head: bitcoind's answer to a segment, {@code bitcoindHead} and {@code body} (its status
     * {@code status}), is the whole answer instead of the array, with the exact Content-Length.
     */
    void replyInstead(HttpResponse bitcoindHead, int status, ByteBuf body) {
        HttpResponse h = ClientHead.of(bitcoindHead, version, keepAlive);
        h.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        finished = true;
        out.write(h);
        boolean keep = HttpUtil.isKeepAlive(h);
        out.writeLast(this, status, keep, new DefaultLastHttpContent(body));
    }

    /**
     * Before the array's head: bitcoind's answer to a sub-batch, starting with {@code bitcoindHead}, is passed
     * on as the whole answer instead of the array ({@link #passOnContent} its body).
     */
    void passOnHead(HttpResponse bitcoindHead) {
        HttpResponse h = ClientHead.of(bitcoindHead, version, keepAlive);
        responseKeepAlive = HttpUtil.isKeepAlive(h);
        finished = true;
        out.write(h);
    }

    /** A piece of the answer {@link #passOnHead} started; {@code last} ends it (counted as status 200). */
    void passOnContent(HttpContent content, boolean last) {
        if (last) {
            out.writeLast(this, 200, responseKeepAlive, content);
        } else {
            out.write(content);
        }
    }

    /** The answer broke off after its head: the connection is closed. */
    void broken() {
        if (finished) return;
        finished = true;
        out.breakOff(this, 200);
    }

    @Override
    void clientClosed() {
        finished = true;
        if (abortCurrent != null) abortCurrent.run();
    }
}
