package org.bcm.rpcproxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings pruned blocks back into bitcoind with {@code getblockfrompeer} (Core 23+, for pruned nodes
 * since 24), one fetch per block hash however many clients wait for it (single flight).
 *
 * <p>A fetch: read {@code getpeerinfo} and pick the best qualifying peer not yet tried ({@link
 * PeerSelector}); {@code getblockfrompeer <hash> <peer>}, which only queues the request (Core answers
 * {@code {}}); then ask bitcoind every {@code fetch-poll} for {@code getblock <hash> 0} until the block
 * is there. A peer that has not delivered within {@code fetch-peer-timeout} is given up for the next
 * one (asking again replaces the earlier request in Core, so at most one request per block is in
 * flight); after {@code fetch-timeout} in all, or with no peer left, the fetch fails. Core's errors are
 * handled by their exact messages (src/rpc/blockchain.cpp getblockfrompeer, src/net_processing.cpp
 * FetchBlock): "Block already downloaded" ends the fetch as a success, "Already requested from this
 * peer" counts as requested, "Peer does not exist", "Pre-SegWit peer" and "Peer not fully connected"
 * move to the next peer, "Loading blocks ..." waits a second, "Block header missing" and "In prune
 * mode, only blocks that the node has already synced previously can be fetched from a peer" fail.
 *
 * <p>The answer that shows the block arrived is streamed into the {@link BlockCache} (hex decoded to
 * bytes), so the block outlives a later pruning. All of a fetch's work runs on one event loop.
 */
final class BlockFetcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BlockFetcher.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Answers up to this size are parsed whole; a bigger getblock answer is a block. */
    static final int PEEK_LIMIT = 64 * 1024;
    private static final int MAX_CALL_ANSWER = 16 * 1024 * 1024;
    private static final long LOADING_RETRY_MILLIS = 1000;

    /** Why a fetch ended without the block. */
    static final class FetchFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FetchFailedException(String message) {
            super(message, null, false, false);
        }
    }

    private final Upstream upstream;
    private final EventLoop loop;
    private final BlockCache cache;
    private final ProxyMetrics metrics;
    private final long peerTimeoutNanos;
    private final long fetchTimeoutNanos;
    private final long pollNanos;
    private final Map<String, Fetch> inFlight = new ConcurrentHashMap<>();
    private volatile boolean closed;

    BlockFetcher(Upstream upstream, EventLoop loop, RpcProxyConfig config, BlockCache cache, ProxyMetrics metrics) {
        this.upstream = upstream;
        this.loop = loop;
        this.cache = cache;
        this.metrics = metrics;
        this.peerTimeoutNanos = config.fetchPeerTimeout().toNanos();
        this.fetchTimeoutNanos = config.fetchTimeout().toNanos();
        this.pollNanos = config.fetchPoll().toNanos();
    }

    /**
     * The fetch of {@code hash}: the one in flight, or a new one.
     *
     * @return completes when bitcoind has the block, or exceptionally with {@link FetchFailedException}
     */
    CompletableFuture<Void> fetch(String hash) {
        if (closed) {
            return CompletableFuture.failedFuture(new FetchFailedException("bcm-rpcproxy is shutting down"));
        }
        Fetch[] created = new Fetch[1];
        Fetch f = inFlight.computeIfAbsent(hash, h -> created[0] = new Fetch(h));
        if (created[0] != null) {
            metrics.fetchStarted();
            loop.execute(created[0]::start);
        }
        return f.done;
    }

    int inFlight() {
        return inFlight.size();
    }

    @Override
    public void close() {
        closed = true;
        loop.execute(() -> List.copyOf(inFlight.values()).forEach(f -> f.fail("bcm-rpcproxy is shutting down")));
    }

    /** The result of a small JSON-RPC call to bitcoind. */
    private interface Reply {
        void result(JsonNode result);

        void error(int code, String message);

        void failure(String why);
    }

    private void call(String method, String params, Reply reply) {
        byte[] body = ("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"" + method + "\",\"params\":" + params + "}")
                .getBytes(StandardCharsets.UTF_8);
        upstream.send(loop, "/", Unpooled.wrappedBuffer(body), new Buffered(reply));
    }

    /** Collects a small answer and hands its result or error to a {@link Reply}. */
    private static final class Buffered implements Upstream.Handler {
        private final Reply reply;
        private HttpResponse head;
        private CompositeByteBuf body;

        Buffered(Reply reply) {
            this.reply = reply;
        }

        @Override
        public void onResponse(HttpResponse h, Upstream.Exchange exchange) {
            head = h;
            body = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        }

        @Override
        public void onContent(HttpContent content, Upstream.Exchange exchange) {
            body.addComponent(true, content.content().retain());
            content.release();
            if (body.readableBytes() > MAX_CALL_ANSWER) {
                body.release();
                exchange.abort();
                reply.failure("answer larger than " + MAX_CALL_ANSWER + " bytes");
                return;
            }
            if (content instanceof LastHttpContent) {
                try {
                    int status = head.status().code();
                    JsonNode tree = null;
                    try {
                        tree = JSON.readTree(ByteBufUtil.getBytes(body));
                    } catch (IOException e) {
                        // not JSON
                    }
                    if (tree == null || !tree.isObject()) {
                        String text = body.toString(StandardCharsets.UTF_8).strip();
                        reply.failure("HTTP " + status + (text.isEmpty() ? "" : ": " + text));
                    } else if (tree.hasNonNull("error")) {
                        JsonNode e = tree.get("error");
                        reply.error(e.path("code").asInt(), e.path("message").asText());
                    } else {
                        reply.result(tree.get("result"));
                    }
                } finally {
                    body.release();
                }
            }
        }

        @Override
        public void onFailure(UpstreamFailure failure, boolean afterResponse) {
            if (body != null && body.refCnt() > 0) body.release();
            reply.failure(failure.message());
        }
    }

    /** One block's fetch; every method runs on the fetcher's loop. */
    private final class Fetch {
        final String hash;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Set<Long> tried = new HashSet<>();
        final long startNanos = System.nanoTime();
        PeerSelector.Candidate peer;
        long requestedNanos;
        boolean finished;

        Fetch(String hash) {
            this.hash = hash;
        }

        void start() {
            nextPeer();
        }

        private boolean overdue() {
            return System.nanoTime() - startNanos > fetchTimeoutNanos;
        }

        private void later(long nanos, Runnable step) {
            if (finished) return;
            if (overdue()) {
                fail("no delivery within fetch-timeout (" + Duration.ofNanos(fetchTimeoutNanos).toSeconds() + " s)");
                return;
            }
            loop.schedule(step, nanos, TimeUnit.NANOSECONDS);
        }

        void nextPeer() {
            if (finished) return;
            if (overdue()) {
                fail("no delivery within fetch-timeout (" + Duration.ofNanos(fetchTimeoutNanos).toSeconds() + " s)");
                return;
            }
            call("getpeerinfo", "[]", new Reply() {
                @Override
                public void result(JsonNode peers) {
                    List<PeerSelector.Candidate> candidates = PeerSelector.candidates(peers, tried);
                    if (candidates.isEmpty()) {
                        fail(tried.isEmpty()
                                ? "bitcoind has no outbound full-relay peer offering NETWORK (full blocks)"
                                : "none of the " + tried.size() + " suitable peers delivered it");
                        return;
                    }
                    request(candidates.get(0));
                }

                @Override
                public void error(int code, String message) {
                    fail("getpeerinfo failed: " + message + " (" + code + ")");
                }

                @Override
                public void failure(String why) {
                    LOG.debug("getpeerinfo for block {} failed: {}", hash, why);
                    later(LOADING_RETRY_MILLIS * 1_000_000, Fetch.this::nextPeer);
                }
            });
        }

        void request(PeerSelector.Candidate candidate) {
            if (finished) return;
            call("getblockfrompeer", "[\"" + hash + "\"," + candidate.id() + "]", new Reply() {
                @Override
                public void result(JsonNode result) {
                    requested(candidate);
                }

                @Override
                public void error(int code, String message) {
                    switch (message) {
                        case "Block already downloaded" -> {
                            peer = null;
                            poll();
                        }
                        case "Already requested from this peer" -> requested(candidate);
                        case "Peer does not exist", "Pre-SegWit peer", "Peer not fully connected" -> {
                            LOG.info("peer {} ({}) cannot serve block {}: {}", candidate.id(), candidate.addr(), hash, message);
                            tried.add(candidate.id());
                            nextPeer();
                        }
                        case "Loading blocks ..." -> later(LOADING_RETRY_MILLIS * 1_000_000, () -> request(candidate));
                        default -> fail("getblockfrompeer failed: " + message + " (" + code + ")");
                    }
                }

                @Override
                public void failure(String why) {
                    LOG.debug("getblockfrompeer for block {} failed: {}", hash, why);
                    later(LOADING_RETRY_MILLIS * 1_000_000, Fetch.this::nextPeer);
                }
            });
        }

        private void requested(PeerSelector.Candidate candidate) {
            peer = candidate;
            requestedNanos = System.nanoTime();
            tried.add(candidate.id());
            LOG.info("fetching pruned block {} from peer {} ({}{})", hash, candidate.id(), candidate.addr(),
                    Double.isInfinite(candidate.pingSeconds()) ? "" : ", ping " + Math.round(candidate.pingSeconds() * 1000) + " ms");
            later(pollNanos, this::poll);
        }

        void poll() {
            if (finished) return;
            byte[] body = ("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"getblock\",\"params\":[\"" + hash + "\",0]}")
                    .getBytes(StandardCharsets.UTF_8);
            upstream.send(loop, "/", Unpooled.wrappedBuffer(body), new Probe(this));
        }

        /** The block is not there yet. */
        void notYet() {
            if (finished) return;
            if (peer != null && System.nanoTime() - requestedNanos > peerTimeoutNanos) {
                LOG.warn("peer {} ({}) did not deliver block {} within {} s; asking another peer", peer.id(), peer.addr(),
                        hash, Duration.ofNanos(peerTimeoutNanos).toSeconds());
                peer = null;
                nextPeer();
                return;
            }
            if (peer == null) {
                // "Block already downloaded" but getblock says pruned: pruned again at once; start over
                later(pollNanos, this::nextPeer);
                return;
            }
            later(pollNanos, this::poll);
        }

        void succeed() {
            if (finished) return;
            finished = true;
            inFlight.remove(hash, this);
            long ms = (System.nanoTime() - startNanos) / 1_000_000;
            if (peer != null) {
                LOG.info("fetched block {} from peer {} ({}) in {} ms", hash, peer.id(), peer.addr(), ms);
            } else {
                LOG.info("block {} is available again in bitcoind after {} ms", hash, ms);
            }
            metrics.fetchSucceeded();
            done.complete(null);
        }

        void fail(String why) {
            if (finished) return;
            finished = true;
            inFlight.remove(hash, this);
            LOG.warn("giving up fetching block {} after {} ms: {}", hash, (System.nanoTime() - startNanos) / 1_000_000, why);
            metrics.fetchFailed();
            done.completeExceptionally(new FetchFailedException(why));
        }
    }

    /**
     * {@code getblock <hash> 0}: a pruned error means not yet; a result means the block is there, and
     * its hex goes to the cache as it streams.
     */
    private final class Probe implements Upstream.Handler {
        private final Fetch fetch;
        private CompositeByteBuf peek;
        private HexExtractor extractor;

        Probe(Fetch fetch) {
            this.fetch = fetch;
        }

        @Override
        public void onResponse(HttpResponse head, Upstream.Exchange exchange) {
            peek = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        }

        @Override
        public void onContent(HttpContent content, Upstream.Exchange exchange) {
            boolean last = content instanceof LastHttpContent;
            if (extractor != null) {
                extractor.feed(content.content());
                content.release();
                if (last) extractor.end();
                return;
            }
            peek.addComponent(true, content.content().retain());
            content.release();
            if (peek.readableBytes() > PEEK_LIMIT) {
                startStreaming();
                if (last) extractor.end();
                return;
            }
            if (!last) return;
            JsonNode tree = null;
            try {
                tree = JSON.readTree(ByteBufUtil.getBytes(peek));
            } catch (IOException e) {
                // not JSON
            }
            if (tree != null && tree.isObject() && tree.hasNonNull("result") && tree.get("result").isTextual()) {
                startStreaming();
                extractor.end();
                return;
            }
            peek.release();
            JsonNode error = tree == null ? null : tree.get("error");
            if (error != null && error.isObject()) {
                int code = error.path("code").asInt();
                String message = error.path("message").asText();
                if (code == CoreReplies.MISC_ERROR && message.equals(CoreReplies.PRUNED_MESSAGE)) {
                    fetch.notYet();
                } else if (code == -5) {
                    fetch.fail("bitcoind no longer knows the block (" + message + ")");
                } else {
                    LOG.debug("getblock {} while fetching: {} ({})", fetch.hash, message, code);
                    fetch.notYet();
                }
            } else {
                fetch.notYet();
            }
        }

        private void startStreaming() {
            extractor = new HexExtractor(cache.writer(fetch.hash));
            fetch.succeed();
            extractor.feed(peek);
            peek.release();
        }

        @Override
        public void onFailure(UpstreamFailure failure, boolean afterResponse) {
            if (peek != null && peek.refCnt() > 0) peek.release();
            if (extractor != null) {
                extractor.abort();
                return;
            }
            LOG.debug("polling for block {} failed: {}", fetch.hash, failure.message());
            if (!fetch.finished) fetch.later(pollNanos, fetch::poll);
        }
    }

    /**
     * Finds the hex string after {@code "result":"} in Core's compact answer and feeds it to a cache
     * writer as it streams.
     */
    static final class HexExtractor {
        private static final byte[] MARKER = "\"result\":\"".getBytes(StandardCharsets.US_ASCII);
        private final BlockCache.Writer writer;
        private int matched;
        private boolean inHex;
        private boolean ended;

        HexExtractor(BlockCache.Writer writer) {
            this.writer = writer;
        }

        void feed(ByteBuf buf) {
            if (ended) return;
            int i = buf.readerIndex();
            int end = buf.writerIndex();
            while (i < end && !inHex) {
                byte b = buf.getByte(i++);
                matched = b == MARKER[matched] ? matched + 1 : (b == MARKER[0] ? 1 : 0);
                if (matched == MARKER.length) inHex = true;
            }
            if (!inHex || i >= end) return;
            int quote = buf.indexOf(i, end, (byte) '"');
            if (quote < 0) {
                writer.hex(buf.slice(i, end - i));
            } else {
                writer.hex(buf.slice(i, quote - i));
                ended = true;
                writer.commit();
            }
        }

        void end() {
            if (!ended) {
                ended = true;
                writer.abort();
            }
        }

        void abort() {
            end();
        }
    }
}
