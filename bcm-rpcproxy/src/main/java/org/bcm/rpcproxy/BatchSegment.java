package org.bcm.rpcproxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One segment of a {@link BatchFlow} being answered: bitcoind's JSON answer to it, re-framed by a {@link
 * JsonFramer} and spliced into the batch's array as one group of elements as it comes. When bitcoind answers
 * with something else, or gives no answer, before the array's head is written, that answer (or the proxy's
 * gateway reply) is the batch's whole answer; after it, each element of the segment that is not a
 * notification gets an error element (code -1) in the array: "bitcoind answered HTTP &lt;status&gt;: &lt;the
 * start of its body&gt;", or "bcm-rpcproxy: &lt;why there was no answer&gt;".
 *
 * <p>All methods run on the connection's event loop.
 */
abstract class BatchSegment {

    /** A failed answer's body is kept up to this many bytes (and the piece that crosses it) for the error message. */
    private static final int FAILED_BODY_KEPT = 4096;

    final BatchFlow batch;
    /** The batch's elements this segment holds, in order. */
    final List<RpcRequest.Element> elements;
    final JsonFramer framer;
    /** True once bytes of this segment's answer are in the array. */
    boolean spliced;
    /** The status of bitcoind's answer when it is not one to splice, and the start of its body; null while it is. */
    int failedStatus;
    CompositeByteBuf failedBody;

    /** @param array true when bitcoind's answer is an array (a sub-batch's), whose brackets are dropped */
    BatchSegment(BatchFlow batch, List<RpcRequest.Element> elements, boolean array) {
        this.batch = batch;
        this.elements = elements;
        this.framer = new JsonFramer(array);
    }

    /** Splices bytes of bitcoind's JSON answer into the array (ownership passes). */
    final void splice(ByteBuf bytes) {
        framer.feed(bytes, b -> {
            batch.emit(b, !spliced);
            spliced = true;
        });
    }

    /** bitcoind's JSON answer ended: the batch goes on with the next segment. */
    final void spliceEnded() {
        framer.end();
        batch.segmentDone();
    }

    /** bitcoind answered with {@code status} and an answer not to splice: its body is kept from now on. */
    final void startFailed(int status) {
        failedStatus = status;
        failedBody = Unpooled.compositeBuffer();
    }

    final boolean failed() {
        return failedBody != null;
    }

    /** Keeps bytes of the failed answer's body up to {@link #FAILED_BODY_KEPT} (ownership passes). */
    final void keepFailed(ByteBuf bytes) {
        if (failedBody.readableBytes() < FAILED_BODY_KEPT) {
            failedBody.addComponent(true, bytes);
        } else {
            bytes.release();
        }
    }

    /** The failed answer ended: an error element for each element, naming its status and body; then the next segment. */
    final void failedEnded() {
        String text = failedBody.toString(StandardCharsets.UTF_8).strip();
        failedBody.release();
        batch.errorElements(elements, "bitcoind answered HTTP " + failedStatus + (text.isEmpty() ? "" : ": " + text));
        batch.segmentDone();
    }

    /**
     * bitcoind gave no answer: before the array's head the proxy's gateway reply ({@link CoreReplies#gateway}) is
     * the whole answer; after it, an error element for each element, then the next segment.
     */
    final void noAnswer(UpstreamFailure failure) {
        if (!batch.headWritten()) {
            batch.replyInstead(CoreReplies.gateway(batch.version, failure));
            return;
        }
        batch.errorElements(elements, "bcm-rpcproxy: " + failure.message());
        batch.segmentDone();
    }

    /**
     * A run of elements other than {@code getblock}, sent to bitcoind as a smaller batch; its answer is spliced in
     * without its brackets. An answer other than 200 or 204 before the array's head is passed on as the whole
     * answer.
     */
    static final class Run extends BatchSegment implements Upstream.Handler {
        private boolean passThrough;

        Run(BatchFlow batch, List<RpcRequest.Element> elements) {
            super(batch, elements, true);
        }

        @Override
        public void onResponse(HttpResponse head, Upstream.Exchange ex) {
            int code = head.status().code();
            if (code == 200 || code == 204) return;
            if (!batch.headWritten()) {
                passThrough = true;
                batch.passOnHead(head);
                return;
            }
            startFailed(code);
        }

        @Override
        public void onContent(HttpContent content, Upstream.Exchange ex) {
            boolean last = content instanceof LastHttpContent;
            if (!batch.answering()) {
                content.release();
                ex.abort();
                return;
            }
            if (passThrough) {
                batch.passOnContent(content, last);
                return;
            }
            if (failed()) {
                keepFailed(content.content().retain());
                content.release();
                if (last) failedEnded();
                return;
            }
            splice(content.content().retain());
            content.release();
            if (last) {
                spliceEnded();
            } else {
                batch.out.pauseUntilWritable(ex);
            }
        }

        @Override
        public void onReadComplete() {
            batch.out.flush();
        }

        @Override
        public void onFailure(UpstreamFailure failure, boolean afterResponse) {
            if (!batch.answering()) return;
            if (failedBody != null && failedBody.refCnt() > 0) failedBody.release();
            framer.end();
            if (passThrough || spliced) {
                batch.broken();
            } else {
                noAnswer(failure);
            }
        }
    }

    /**
     * A {@code getblock} element, answered through a {@link GetBlockFlow} of its own; its answer is spliced in
     * without its trailing newline. An answer that is not JSON with a status Core answers JSON-RPC with (200, 400,
     * 404, 500) before the array's head is the whole answer.
     */
    static final class GetBlockElement extends BatchSegment implements GetBlockFlow.Output {
        private HttpResponse failedHead;

        GetBlockElement(BatchFlow batch, List<RpcRequest.Element> elements) {
            super(batch, elements, false);
        }

        @Override
        public void begin(HttpResponse head) {
            int code = head.status().code();
            String type = head.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
            boolean json = (code == 200 || code == 400 || code == 404 || code == 500) && type.startsWith("application/json");
            if (!json) {
                failedHead = head;
                startFailed(code);
            }
        }

        @Override
        public void data(ByteBuf bytes) {
            if (!batch.answering()) {
                bytes.release();
                return;
            }
            if (failed()) {
                keepFailed(bytes);
                return;
            }
            splice(bytes);
        }

        @Override
        public void end() {
            if (!batch.answering()) return;
            if (!failed()) {
                spliceEnded();
            } else if (!batch.headWritten()) {
                batch.replyInstead(failedHead, failedStatus, failedBody);
            } else {
                failedEnded();
            }
        }

        @Override
        public void gateway(UpstreamFailure failure) {
            if (!batch.answering()) return;
            noAnswer(failure);
        }

        @Override
        public void broken() {
            batch.broken();
        }
    }
}
