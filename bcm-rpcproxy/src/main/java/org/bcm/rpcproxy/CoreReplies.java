package org.bcm.rpcproxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The replies the proxy writes itself, byte for byte as Core writes them (src/httprpc.cpp
 * JSONErrorReply and HTTPReq_JSONRPC, src/rpc/request.cpp JSONRPCReplyObj, libevent's default
 * Content-Type for plain-text bodies), and the proxy's own gateway errors.
 */
final class CoreReplies {

    /** Core's getblock error for a pruned block (src/rpc/blockchain.cpp CheckBlockDataAvailability). */
    static final String PRUNED_MESSAGE = "Block not available (pruned data)";
    /** RPC_MISC_ERROR. */
    static final int MISC_ERROR = -1;
    /** RPC_INVALID_REQUEST. */
    static final int INVALID_REQUEST = -32600;
    /** RPC_PARSE_ERROR. */
    static final int PARSE_ERROR = -32700;
    /** Core src/httprpc.cpp WWW_AUTH_HEADER_DATA. */
    static final String WWW_AUTHENTICATE = "Basic realm=\"jsonrpc\"";
    /** libevent's Content-Type for a reply with a body but none set. */
    static final String LIBEVENT_TEXT = "text/html; charset=ISO-8859-1";

    private CoreReplies() {}

    /** 401 with WWW-Authenticate and an empty body. */
    static FullHttpResponse unauthorized(HttpVersion version) {
        FullHttpResponse r = empty(version, HttpResponseStatus.UNAUTHORIZED);
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, WWW_AUTHENTICATE);
        return r;
    }

    /** A reply with an empty body (403 of -rpcwhitelist, 404 of an unknown path, 204, 405). */
    static FullHttpResponse empty(HttpVersion version, HttpResponseStatus status) {
        FullHttpResponse r = new DefaultFullHttpResponse(version, status, Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    /** A plain-text reply as libevent sends Core's {@code WriteReply(status, text)}. */
    static FullHttpResponse text(HttpVersion version, HttpResponseStatus status, String text) {
        ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(version, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, LIBEVENT_TEXT);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    /**
     * What the client gets when bitcoind gave no answer: Core's own 503 "Work queue depth exceeded" (src/httpserver.cpp)
     * when the proxy's queue for bitcoind is full, else the proxy's {@link #own} reply with the failure's status
     * ({@link UpstreamFailure.Kind#status}) and message.
     */
    static FullHttpResponse gateway(HttpVersion version, UpstreamFailure f) {
        if (f.kind() == UpstreamFailure.Kind.QUEUE_FULL) {
            return text(version, HttpResponseStatus.SERVICE_UNAVAILABLE, "Work queue depth exceeded");
        }
        return own(version, HttpResponseStatus.valueOf(f.kind().status), f.message());
    }

    /** The proxy's own answer (not Core's): {@code bcm-rpcproxy: <message>} and a newline, as text/plain UTF-8. */
    static FullHttpResponse own(HttpVersion version, HttpResponseStatus status, String message) {
        ByteBuf body = Unpooled.copiedBuffer("bcm-rpcproxy: " + message + "\n", StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(version, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    /**
     * Core's JSONErrorReply for an error raised before any request was parsed (id null, legacy
     * version): HTTP 400 for -32600, 500 otherwise.
     */
    static FullHttpResponse jsonError(HttpVersion version, int code, String message) {
        byte[] body = replyObject(false, "null".getBytes(StandardCharsets.US_ASCII), code, message, true);
        FullHttpResponse r = new DefaultFullHttpResponse(version,
                code == INVALID_REQUEST ? HttpResponseStatus.BAD_REQUEST : HttpResponseStatus.INTERNAL_SERVER_ERROR,
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    /**
     * JSONRPCReplyObj with an error: {@code {"result":null,"error":{...},"id":...}} (legacy) or {@code
     * {"jsonrpc":"2.0","error":{...},"id":...}}; no id key when {@code id} is null.
     */
    static byte[] replyObject(boolean v2, byte[] id, int code, String message, boolean newline) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(96 + message.length());
        out.writeBytes(ascii(v2 ? "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":" : "{\"result\":null,\"error\":{\"code\":"));
        out.writeBytes(ascii(Integer.toString(code)));
        out.writeBytes(ascii(",\"message\":\""));
        out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(message));
        out.writeBytes(ascii("\"}"));
        return endWithId(out, id, newline);
    }

    /** Ends a reply: {@code ,"id":<id>} when there is an id, the closing brace, and the newline when asked. */
    private static byte[] endWithId(ByteArrayOutputStream out, byte[] id, boolean newline) {
        if (id != null) {
            out.writeBytes(ascii(",\"id\":"));
            out.writeBytes(id);
        }
        out.write('}');
        if (newline) {
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** The head of a successful reply up to the opening quote of a string result. */
    static byte[] resultStringPrefix(boolean v2) {
        return ascii(v2 ? "{\"jsonrpc\":\"2.0\",\"result\":\"" : "{\"result\":\"");
    }

    /** What follows a string result: {@code ","error":null,"id":<id>}} (legacy) or {@code ","id":<id>}}. */
    static byte[] resultStringSuffix(boolean v2, byte[] id, boolean newline) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32);
        out.writeBytes(ascii(v2 ? "\"" : "\",\"error\":null"));
        return endWithId(out, id, newline);
    }

    private static final JsonFactory JSON = JsonFactory.builder().build();

    /**
     * How bitcoind framed one answer, for an answer the proxy writes in its place (a cached block after
     * bitcoind's pruned error for the same request): the framing differs between Core versions (Core 28
     * and later answer a 2.0 request with {@code "jsonrpc":"2.0"} and without {@code "error"}; Core 24-27
     * answer every request in the legacy form) and Core writes the id as it serialises it, compact.
     *
     * @param v2 the answer has a {@code jsonrpc} member
     * @param id the id member's value exactly as bitcoind wrote it, or null when the answer has none
     */
    record Envelope(boolean v2, byte[] id) {

        /**
         * Reads the envelope of {@code answer}, one JSON object (not consumed).
         *
         * @throws IOException when {@code answer} is not a JSON object
         */
        static Envelope of(ByteBuf answer) throws IOException {
            byte[] b = ByteBufUtil.getBytes(answer);
            try (JsonParser p = JSON.createParser(b)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IOException("not a JSON object");
                }
                boolean v2 = false;
                byte[] id = null;
                JsonToken t = p.nextToken();
                while (t == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    p.skipChildren();
                    t = p.nextToken();
                    if (name.equals("jsonrpc")) {
                        v2 = true;
                    } else if (name.equals("id")) {
                        // the value ends where the next token starts, less the separator and any blank
                        int end = (int) p.currentTokenLocation().getByteOffset();
                        while (end > start && (b[end - 1] == ',' || b[end - 1] == ' ' || b[end - 1] == '\n'
                                || b[end - 1] == '\r' || b[end - 1] == '\t')) {
                            end--;
                        }
                        id = Arrays.copyOfRange(b, start, end);
                    }
                }
                if (t != JsonToken.END_OBJECT) {
                    throw new IOException("not a JSON object");
                }
                return new Envelope(v2, id);
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
