package org.bcm.rpcproxy;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The request gate of one client connection: it takes each request up and either answers it itself, where
 * Core would answer without running anything, or starts the flow that answers it through bitcoind. The
 * checks, in Core's order (src/httpserver.cpp http_request_cb, src/httprpc.cpp HTTPReq_JSONRPC):
 *
 * <ol>
 *   <li>a request the HTTP decoder refused: 400 "Bad Request"; one that would take more than {@code
 *       request-memory}: 503, the proxy's own; both close the connection;
 *   <li>an HTTP method other than GET, POST, HEAD, PUT: 405, empty;
 *   <li>a path other than {@code /} or {@code /wallet/...}: 404, empty;
 *   <li>not POST: 405 "JSONRPC server handles only POST requests";
 *   <li>no credentials: 401 at once; wrong credentials: 401 after 250 ms, without holding a thread, then the
 *       connection is closed (one guess per connection); from an address with too many wrong ones lately
 *       ({@link AuthFailures}): the connection is closed unchecked, without an answer;
 *   <li>not JSON: 500, -32700 "Parse error";
 *   <li>{@code -rpcwhitelist} refusals: 403, empty (in a batch, with a whitelist, an element that is not an
 *       object: 400, -32600 "Invalid Request object"; a method that is not a string: 500, -32700);
 *   <li>a JSON scalar: 500, -32700 "Top-level object parse error";
 *   <li>else: a {@code getblock} of a block hash: {@link GetBlockFlow}; a batch holding one: {@link
 *       BatchFlow}; anything else: {@link ForwardFlow}.
 * </ol>
 *
 * <p>All methods run on the connection's event loop.
 */
final class RequestGate {

    private static final Logger LOG = ClientHandler.LOG;
    /** The HTTP methods Core's server takes up; any other is answered 405. */
    private static final Set<String> HTTP_METHODS = Set.of("GET", "POST", "HEAD", "PUT");
    /** Core's pause before it answers wrong credentials (src/httprpc.cpp, against guessing). */
    private static final long AUTH_FAILURE_DELAY_MILLIS = 250;

    private final ProxyContext px;
    private final ChannelHandlerContext ctx;
    private final ResponseWriter out;
    /** The {@code Authorization} value this connection last proved, and its user. */
    private String verifiedAuthorization;
    private String verifiedUser;

    RequestGate(ProxyContext px, ChannelHandlerContext ctx, ResponseWriter out) {
        this.px = px;
        this.ctx = ctx;
        this.out = out;
    }

    /**
     * When clients authenticate, closes a connection just accepted from an address with too many wrong
     * credentials lately ({@link AuthFailures}; logged once, when it was blocked).
     *
     * @return true when it closed the connection
     */
    boolean refuseBlockedAddress() {
        return !px.auth.disabled() && closeIfBlocked(peer());
    }

    /**
     * Starts answering {@code req}: the proxy's own reply, or the flow that answers it. {@code req} is not
     * released; the flow keeps a copy of the body.
     */
    void startAnswer(FullHttpRequest req) {
        long start = System.nanoTime();
        px.metrics.request();
        HttpVersion version = req.protocolVersion();
        boolean keepAlive = HttpUtil.isKeepAlive(req) && !px.draining;
        Flow flow = out.begin(new Flow(px, out, start, version, keepAlive));
        if (req.decoderResult().isFailure()) {
            Flow closing = out.begin(new Flow(px, out, start, version, false));
            if (req.decoderResult().cause() instanceof RequestMemory.Exceeded e) {
                out.reply(closing, CoreReplies.own(version, HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage()));
            } else {
                out.reply(closing, CoreReplies.text(version, HttpResponseStatus.BAD_REQUEST, "Bad Request"));
            }
            return;
        }
        String method = req.method().name();
        if (!HTTP_METHODS.contains(method)) {
            out.reply(flow, CoreReplies.empty(version, HttpResponseStatus.METHOD_NOT_ALLOWED));
            return;
        }
        String uri = req.uri();
        if (!uri.equals("/") && !uri.startsWith("/wallet/")) {
            out.reply(flow, CoreReplies.empty(version, HttpResponseStatus.NOT_FOUND));
            return;
        }
        if (!method.equals("POST")) {
            out.reply(flow, CoreReplies.text(version, HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "JSONRPC server handles only POST requests"));
            return;
        }
        String user = null;
        if (!px.auth.disabled()) {
            user = authenticatedUser(req, flow);
            if (user == null) {
                return;
            }
        }
        byte[] body = ByteBufUtil.getBytes(req.content());
        RpcRequest rpc = RpcRequest.parse(body);
        if (rpc.kind == RpcRequest.Kind.MALFORMED) {
            out.reply(flow, CoreReplies.jsonError(version, CoreReplies.PARSE_ERROR, "Parse error"));
            return;
        }
        Set<String> whitelist = user == null ? null : px.auth.whitelist(user);
        if (user != null && whitelist == null && px.auth.whitelistDefault()) {
            LOG.warn("RPC user {} not allowed to call any methods", user);
            out.reply(flow, CoreReplies.empty(version, HttpResponseStatus.FORBIDDEN));
            return;
        }
        Flow next;
        switch (rpc.kind) {
            case SCALAR -> {
                out.reply(flow, CoreReplies.jsonError(version, CoreReplies.PARSE_ERROR, "Top-level object parse error"));
                return;
            }
            case SINGLE -> {
                RpcRequest.Element e = rpc.single();
                if (whitelist != null && e.wellFormed() && !whitelist.contains(e.method())) {
                    LOG.warn("RPC user {} not allowed to call method {}", user, LogText.safe(e.method()));
                    out.reply(flow, CoreReplies.empty(version, HttpResponseStatus.FORBIDDEN));
                    return;
                }
                next = e.getBlock() != null ? new GetBlockFlow(flow, uri, body, e) : new ForwardFlow(flow, uri, body);
            }
            default -> {
                FullHttpResponse refusal = whitelist == null ? null : batchRefusal(rpc, whitelist, user, version);
                if (refusal != null) {
                    out.reply(flow, refusal);
                    return;
                }
                next = rpc.hasGetBlock() ? new BatchFlow(flow, uri, rpc) : new ForwardFlow(flow, uri, body);
            }
        }
        out.begin(next).start();
    }

    /**
     * Checks the request's credentials against the rpcauth users or the cookie (Core's RPCAuthorized); the
     * last good ones of this connection are not checked again.
     *
     * @return the user, or null when the request is answered already: 401 without credentials, the
     *     connection closed for a blocked address, or 401 after {@link #AUTH_FAILURE_DELAY_MILLIS} for wrong
     *     credentials
     */
    private String authenticatedUser(FullHttpRequest req, Flow flow) {
        String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization == null) {
            out.reply(flow, CoreReplies.unauthorized(flow.version));
            return null;
        }
        InetAddress peer = peer();
        if (verifiedAuthorization != null && IncomingAuth.sameCredentials(verifiedAuthorization, authorization)) {
            // the same credentials as this connection's last good request: the users do not change
            return verifiedUser;
        }
        if (closeIfBlocked(peer)) {
            // refused without checking: an address that guessed too often gets no more guesses for a while
            return null;
        }
        String user = px.auth.check(authorization);
        if (user != null) {
            verifiedAuthorization = authorization;
            verifiedUser = user;
            return user;
        }
        authFailed(peer, authorization);
        // Core's answer after Core's delay, then the connection is closed: one guess per connection
        Flow closing = out.begin(new Flow(px, out, flow.start, flow.version, false));
        out.eventLoop().schedule(() -> out.reply(closing, CoreReplies.unauthorized(flow.version)),
                AUTH_FAILURE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        return null;
    }

    /**
     * Core's {@code -rpcwhitelist} check of a batch, element by element: the answer to the first element
     * that fails it, or null when all pass.
     */
    private static FullHttpResponse batchRefusal(RpcRequest rpc, Set<String> whitelist, String user, HttpVersion version) {
        for (RpcRequest.Element e : rpc.elements) {
            if (!e.object()) {
                return CoreReplies.jsonError(version, CoreReplies.INVALID_REQUEST, "Invalid Request object");
            }
            if (e.method() == null) {
                return CoreReplies.jsonError(version, CoreReplies.PARSE_ERROR,
                        "JSON value of type " + e.methodType() + " is not of expected type string");
            }
            if (!whitelist.contains(e.method())) {
                LOG.warn("RPC user {} not allowed to call method {}", user, LogText.safe(e.method()));
                return CoreReplies.empty(version, HttpResponseStatus.FORBIDDEN);
            }
        }
        return null;
    }

    /** The client's address; null when the connection is not over IP. */
    private InetAddress peer() {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** Closes the connection, without an answer, when {@code peer} is blocked; true when it did. */
    private boolean closeIfBlocked(InetAddress peer) {
        if (peer == null || !px.authFailures.blocked(peer)) {
            return false;
        }
        px.metrics.authBlocked();
        ctx.close();
        return true;
    }

    /** Counts a wrong credential; logs the first of a window and the block, never every attempt. */
    private void authFailed(InetAddress peer, String authorization) {
        px.metrics.authFailure();
        if (peer == null) {
            return;
        }
        AuthFailures f = px.authFailures;
        switch (f.failed(peer)) {
            case FIRST_IN_WINDOW -> {
                String claimed = IncomingAuth.claimedUser(authorization);
                LOG.warn("incorrect password attempt from {} ({}); further attempts from this address are counted "
                        + "(rpcproxy_auth_failures_total), not logged, and {} within {} s block it", AuthFailures.key(peer),
                        claimed == null ? "no Basic user:password" : "user '" + LogText.safe(claimed) + "'",
                        f.maxFailures(), f.window().toSeconds());
            }
            case NOW_BLOCKED -> LOG.warn("blocking {} for {} s: {} incorrect password attempts within {} s; its connections "
                    + "are closed at once until then", AuthFailures.key(peer), f.window().toSeconds(), f.maxFailures(),
                    f.window().toSeconds());
            case COUNTED -> { }
        }
    }
}
