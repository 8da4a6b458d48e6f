package org.bcm.rpcproxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A {@code getblock} of a block hash: forwarded as it came. An answer larger than {@link
 * BlockFetcher#PEEK_LIMIT} (64 KiB) is a block and is streamed on; a smaller one is looked at, and only
 * Core's exact pruned error (code -1, "Block not available (pruned data)", src/rpc/blockchain.cpp
 * CheckBlockDataAvailability) starts the pruned path: the block from the on-disk cache when it is there and
 * verbosity is 0 ({@link CachedBlockStream}), else a fetch from a peer ({@link BlockFetcher}, one per block
 * however many ask) awaited at most {@code fetch-wait}, then the same request again; when the fetch fails or
 * takes longer, Core's pruned error as it came.
 *
 * <p>The answer goes to an {@link Output}: straight to the client ({@link ClientOutput}), or into a batch's
 * array ({@link BatchSegment.GetBlockElement}).
 */
final class GetBlockFlow extends Flow implements Upstream.Handler {

    private static final Logger LOG = ClientHandler.LOG;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Where a getblock answer goes: the client directly, or one element of a batch answer. An answer is {@link
     * #begin}, any number of {@link #data}, {@link #end}; or {@link #gateway} alone; or {@link #begin}, {@link
     * #data} and {@link #broken}.
     */
    interface Output {
        /** An answer starts: bitcoind's head, or one the proxy made for a cached block (not yet fixed for the client). */
        void begin(HttpResponse head);

        /** A piece of the body, as it comes (ownership passes; may be empty). */
        void data(ByteBuf bytes);

        /** The body ended. */
        void end();

        /** bitcoind gave no answer: nothing was begun. */
        void gateway(UpstreamFailure failure);

        /** The answer broke off after it began (bitcoind's connection, or reading the cached block, failed). */
        void broken();
    }

    private final String path;
    /** The bytes to send: the whole body, or the batch element. */
    private final byte[] body;
    private final RpcRequest.Element element;
    private final Output output;
    private Upstream.Exchange exchange;
    /** bitcoind's head of the answer being read. */
    private HttpResponse head;
    /** The answer so far while it is at most {@link BlockFetcher#PEEK_LIMIT}: it may be the pruned error. */
    private CompositeByteBuf peek;
    /** The answer is a block and passed on as it comes. */
    private boolean streaming;
    /** The request was sent again after the block was fetched. */
    private boolean afterFetch;
    /** Core's pruned error, kept to be the answer when the fetch fails or takes longer than {@code fetch-wait}. */
    private HttpResponse prunedHead;
    private ByteBuf prunedBody;
    private ScheduledFuture<?> waitTimer;
    /** A fetch is awaited. */
    private boolean waiting;
    /** The answer is decided (or the client went away): nothing more of bitcoind's is taken. */
    private boolean finished;
    private CachedBlockStream cacheStream;

    /**
     * A {@code getblock} request of its own, answered straight to the client.
     *
     * @param path the request's path, {@code /} or {@code /wallet/<name>}
     * @param body the request's body, sent to bitcoind as it came
     * @param element the request, with its {@link RpcRequest.Element#getBlock() getblock} arguments
     */
    GetBlockFlow(Flow request, String path, byte[] body, RpcRequest.Element element) {
        this(request, path, body, element, null);
    }

    /**
     * A {@code getblock} element of a batch.
     *
     * @param body the element's bytes, sent to bitcoind as a request of its own
     * @param output where the answer goes; null: straight to the client
     */
    GetBlockFlow(Flow request, String path, byte[] body, RpcRequest.Element element, Output output) {
        super(request);
        this.path = path;
        this.body = body;
        this.element = element;
        this.output = output != null ? output : new ClientOutput(this);
    }

    @Override
    void start() {
        sendToBitcoind();
    }

    private void sendToBitcoind() {
        head = null;
        streaming = false;
        exchange = px.upstream.send(out.eventLoop(), path, Unpooled.wrappedBuffer(body), this);
    }

    @Override
    public void onResponse(HttpResponse h, Upstream.Exchange ex) {
        head = h;
    }

    @Override
    public void onContent(HttpContent content, Upstream.Exchange ex) {
        if (finished) {
            content.release();
            ex.abort();
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (streaming) {
            output.data(content.content().retain());
            content.release();
            if (last) {
                finished = true;
                output.end();
            } else {
                out.pauseUntilWritable(ex);
            }
            return;
        }
        if (peek == null) {
            peek = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        }
        peek.addComponent(true, content.content().retain());
        content.release();
        if (peek.readableBytes() > BlockFetcher.PEEK_LIMIT) {
            streaming = true;
            output.begin(head);
            ByteBuf first = peek;
            peek = null;
            output.data(first);
            if (last) {
                finished = true;
                output.end();
            }
            return;
        }
        if (last) {
            ByteBuf answer = peek;
            peek = null;
            passOnOrTakePrunedPath(answer);
        }
    }

    @Override
    public void onReadComplete() {
        if (streaming && !finished) out.flush();
    }

    /**
     * bitcoind's whole answer is small (not a block): Core's pruned error takes the pruned path, anything else is
     * passed on.
     */
    private void passOnOrTakePrunedPath(ByteBuf answer) {
        if (isPrunedError(head, answer)) {
            px.metrics.prunedAnswer();
            takePrunedPath(head, answer);
            return;
        }
        passOn(head, answer);
    }

    /** The whole answer at once: {@code body} (ownership passes) under {@code h}. */
    private void passOn(HttpResponse h, ByteBuf body) {
        finished = true;
        output.begin(h);
        output.data(body);
        output.end();
    }

    /**
     * bitcoind answered Core's pruned error, {@code prunedAnswer} under {@code h}: the block from the cache, or a
     * fetch awaited at most {@code fetch-wait}.
     */
    private void takePrunedPath(HttpResponse h, ByteBuf prunedAnswer) {
        String hash = element.getBlock().hash();
        if (element.getBlock().verbosity() == 0 && serveFromCache(hash, prunedAnswer)) {
            prunedAnswer.release();
            return;
        }
        if (afterFetch) {
            // pruned again between the arrival and our request: Core's answer as it came
            passOn(h, prunedAnswer);
            return;
        }
        prunedHead = h;
        prunedBody = prunedAnswer;
        waiting = true;
        waitTimer = out.eventLoop().schedule(this::fetchWaitOver, px.config.fetchWait().toNanos(), TimeUnit.NANOSECONDS);
        px.fetcher.fetch(hash).whenComplete((ok, error) -> out.eventLoop().execute(() -> fetchEnded(error)));
    }

    /** The fetch ended within {@code fetch-wait}: the same request again, or Core's pruned error when it failed. */
    private void fetchEnded(Throwable error) {
        if (!waiting || finished) return;
        waiting = false;
        cancel(waitTimer);
        if (error == null) {
            afterFetch = true;
            prunedBody.release();
            prunedBody = null;
            sendToBitcoind();
        } else {
            answerWithPrunedError();
        }
    }

    private void fetchWaitOver() {
        if (!waiting || finished) return;
        waiting = false;
        answerWithPrunedError();
    }

    /** Core's pruned error as bitcoind answered it. */
    private void answerWithPrunedError() {
        ByteBuf b = prunedBody;
        prunedBody = null;
        passOn(prunedHead, b);
    }

    /**
     * Serves the block from the cache, framed as bitcoind framed its pruned error to this request ({@code
     * prunedAnswer}), so the answer is the one this bitcoind would give if it still had the block.
     */
    private boolean serveFromCache(String hash, ByteBuf prunedAnswer) {
        Optional<BlockCache.Entry> entry = px.cache.get(hash);
        if (entry.isEmpty()) return false;
        CoreReplies.Envelope envelope;
        FileChannel file;
        try {
            envelope = CoreReplies.Envelope.of(prunedAnswer);
            file = FileChannel.open(entry.get().file(), StandardOpenOption.READ);
        } catch (IOException e) {
            return false;
        }
        px.metrics.cacheHit();
        finished = true;
        cacheStream = new CachedBlockStream(out, file, entry.get().size(), CoreReplies.resultStringPrefix(envelope.v2()),
                CoreReplies.resultStringSuffix(envelope.v2(), envelope.id(), true), output);
        cacheStream.start();
        return true;
    }

    @Override
    public void onFailure(UpstreamFailure failure, boolean afterResponse) {
        if (finished) return;
        finished = true;
        if (peek != null) {
            peek.release();
            peek = null;
        }
        if (streaming) {
            LOG.warn("getblock answer from bitcoind broke off: {}", failure.message());
            output.broken();
        } else {
            output.gateway(failure);
        }
    }

    @Override
    void clientClosed() {
        finished = true;
        waiting = false;
        cancel(waitTimer);
        if (exchange != null) exchange.abort();
        if (peek != null) {
            peek.release();
            peek = null;
        }
        if (prunedBody != null) {
            prunedBody.release();
            prunedBody = null;
        }
        if (cacheStream != null) cacheStream.close();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    /**
     * True for Core's exact pruned error: HTTP 200 or 500 and an error object with code -1 (an integer) and
     * message "Block not available (pruned data)" ({@link CoreReplies#PRUNED_MESSAGE}).
     *
     * @param body one JSON answer; not consumed; anything but JSON is no pruned error
     */
    static boolean isPrunedError(HttpResponse head, ByteBuf body) {
        int status = head.status().code();
        if (status != 200 && status != 500) return false;
        try {
            JsonNode tree = JSON.readTree(ByteBufUtil.getBytes(body));
            JsonNode error = tree == null ? null : tree.get("error");
            return error != null && error.isObject() && error.path("code").asInt() == CoreReplies.MISC_ERROR
                    && error.path("code").isIntegralNumber()
                    && CoreReplies.PRUNED_MESSAGE.equals(error.path("message").asText(null));
        } catch (IOException e) {
            return false;
        }
    }
}
