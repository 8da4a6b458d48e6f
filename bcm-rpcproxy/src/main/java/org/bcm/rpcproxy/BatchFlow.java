package org.bcm.rpcproxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch with {@code getblock} elements, answered element group by element group in order, as one
 * chunked JSON array. The status (200) is written with the first element; a failure of bitcoind
 * before that is the whole answer, after it an error element (code -1) for each element affected.
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
            GetBlockFlow g = new GetBlockFlow(this, path, element, first, new ElementOutput(seg));
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
    private final class ElementOutput implements GetBlockFlow.Output {
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
