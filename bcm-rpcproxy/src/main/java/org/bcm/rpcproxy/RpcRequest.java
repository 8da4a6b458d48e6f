package org.bcm.rpcproxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A client's request body as the proxy needs to see it: whether it is JSON at all, a single request or a
 * batch, and for every element the fields Core's JSONRPCRequest::parse reads (src/rpc/request.cpp),
 * with byte offsets into the body so elements and ids can be copied verbatim. Parsed with Jackson's
 * streaming parser; values the proxy does not need are skipped, not built.
 *
 * <p>Like UniValue's {@code find_value}, the first of duplicate keys counts. A body with anything but
 * whitespace after the first JSON value is malformed, as for UniValue::read.
 */
final class RpcRequest {

    /** What the body is. */
    enum Kind {
        /** Not JSON: Core answers 500, -32700 "Parse error". */
        MALFORMED,
        /** JSON, but neither object nor array: Core answers 500, -32700 "Top-level object parse error". */
        SCALAR,
        SINGLE,
        BATCH
    }

    /**
     * The arguments of an interceptable {@code getblock}.
     *
     * @param hash the block hash, lower case
     * @param verbosity Core's verbosity (0 for {@code false}, 1 for {@code true} or absent, clamped to
     *     0..3), or -1 when not a plain integer or bool (Core then fails before looking the block up)
     */
    record GetBlock(String hash, int verbosity) {}

    /**
     * One request object (or, in a batch, one element that may be anything).
     *
     * @param start offset of the element's first byte
     * @param end offset after its last byte
     * @param object whether it is a JSON object
     * @param method the method when it is a string, else null
     * @param methodType UniValue's name of the method's JSON type: null (also when absent), bool,
     *     number, string, array, object
     * @param hasId whether an {@code id} key is present
     * @param idStart offset of the id value (valid when hasId)
     * @param idEnd offset after the id value
     * @param v2 {@code "jsonrpc":"2.0"}
     * @param wellFormed Core's parse succeeds: version absent/null/"1.0"/"2.0", method a string, params
     *     absent/null/array/object
     * @param getBlock the arguments when this is a {@code getblock} the proxy can intercept, else null
     */
    record Element(int start, int end, boolean object, String method, String methodType, boolean hasId, int idStart,
            int idEnd, boolean v2, boolean wellFormed, GetBlock getBlock) {

        /** Core's IsNotification: a 2.0 request without an id (no reply is sent). */
        boolean notification() {
            return v2 && !hasId;
        }

        /** The id exactly as the client wrote it, or null when absent. */
        byte[] id(byte[] body) {
            if (!hasId) return null;
            byte[] id = new byte[idEnd - idStart];
            System.arraycopy(body, idStart, id, 0, id.length);
            return id;
        }
    }

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    final Kind kind;
    final byte[] body;
    final List<Element> elements;

    private RpcRequest(Kind kind, byte[] body, List<Element> elements) {
        this.kind = kind;
        this.body = body;
        this.elements = elements;
    }

    /** The single element ({@link Kind#SINGLE}). */
    Element single() {
        return elements.get(0);
    }

    /** True when at least one element is an interceptable getblock. */
    boolean hasGetBlock() {
        for (Element e : elements) {
            if (e.getBlock() != null) return true;
        }
        return false;
    }

    static RpcRequest parse(byte[] body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new RpcRequest(Kind.MALFORMED, body, List.of());
            }
            RpcRequest r;
            if (t == JsonToken.START_OBJECT) {
                r = new RpcRequest(Kind.SINGLE, body, List.of(element(p, t, body)));
            } else if (t == JsonToken.START_ARRAY) {
                List<Element> list = new ArrayList<>();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) throw new IOException("unterminated array");
                    list.add(element(p, t, body));
                }
                r = new RpcRequest(Kind.BATCH, body, list);
            } else {
                skipValue(p, t);
                r = new RpcRequest(Kind.SCALAR, body, List.of());
            }
            if (p.nextToken() != null) {
                return new RpcRequest(Kind.MALFORMED, body, List.of());
            }
            return r;
        } catch (IOException e) {
            return new RpcRequest(Kind.MALFORMED, body, List.of());
        }
    }

    private static void skipValue(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
        } else {
            p.finishToken();
        }
    }

    private static int tokenStart(JsonParser p) {
        return (int) p.currentTokenLocation().getByteOffset();
    }

    private static int here(JsonParser p) {
        return (int) p.currentLocation().getByteOffset();
    }

    private static Element element(JsonParser p, JsonToken t, byte[] body) throws IOException {
        int start = tokenStart(p);
        if (t != JsonToken.START_OBJECT) {
            skipValue(p, t);
            return new Element(start, here(p), false, null, "null", false, 0, 0, false, false, null);
        }
        boolean hasId = false;
        int idStart = 0;
        int idEnd = 0;
        boolean haveVersion = false;
        JsonToken versionToken = null;
        String version = null;
        boolean haveMethod = false;
        String method = null;
        String methodType = "null";
        boolean haveParams = false;
        JsonToken paramsToken = null;
        int paramsStart = 0;
        int paramsEnd = 0;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            int vs = tokenStart(p);
            String text = null;
            if (v == JsonToken.VALUE_STRING && (name.equals("method") || name.equals("jsonrpc"))) {
                text = p.getText();
            }
            skipValue(p, v);
            int ve = here(p);
            switch (name) {
                case "id" -> {
                    if (!hasId) {
                        hasId = true;
                        idStart = vs;
                        idEnd = ve;
                    }
                }
                case "jsonrpc" -> {
                    if (!haveVersion) {
                        haveVersion = true;
                        versionToken = v;
                        version = text;
                    }
                }
                case "method" -> {
                    if (!haveMethod) {
                        haveMethod = true;
                        method = text;
                        methodType = typeName(v);
                    }
                }
                case "params" -> {
                    if (!haveParams) {
                        haveParams = true;
                        paramsToken = v;
                        paramsStart = vs;
                        paramsEnd = ve;
                    }
                }
                default -> {
                    // not read by Core's parse
                }
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new IOException("unterminated object");
        }
        int end = here(p);
        boolean versionOk = !haveVersion || versionToken == JsonToken.VALUE_NULL
                || (versionToken == JsonToken.VALUE_STRING && (version.equals("1.0") || version.equals("2.0")));
        boolean v2 = versionToken == JsonToken.VALUE_STRING && "2.0".equals(version);
        boolean paramsOk = !haveParams || paramsToken == JsonToken.VALUE_NULL || paramsToken == JsonToken.START_ARRAY
                || paramsToken == JsonToken.START_OBJECT;
        boolean wellFormed = versionOk && method != null && paramsOk;
        GetBlock getBlock = null;
        if (wellFormed && method.equals("getblock") && !(v2 && !hasId) && haveParams
                && paramsToken != JsonToken.VALUE_NULL) {
            getBlock = getBlockArgs(body, paramsStart, paramsEnd);
        }
        return new Element(start, end, true, method, methodType, hasId, idStart, idEnd, v2, wellFormed, getBlock);
    }

    /** UniValue's type names (src/univalue/lib/univalue.cpp uvTypeName). */
    private static String typeName(JsonToken t) {
        return switch (t) {
            case VALUE_TRUE, VALUE_FALSE -> "bool";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_STRING -> "string";
            case START_ARRAY -> "array";
            case START_OBJECT -> "object";
            default -> "null";
        };
    }

    /**
     * Reads {@code [hash, verbosity]} or {@code {"blockhash":..., "verbosity"|"verbose":...}}; null when
     * the hash is not 64 hex characters or a named argument Core would not map (Core then answers an
     * error of its own, which is passed through).
     */
    private static GetBlock getBlockArgs(byte[] body, int start, int end) throws IOException {
        try (JsonParser p = FACTORY.createParser(body, start, end - start)) {
            JsonToken t = p.nextToken();
            String hash = null;
            int verbosity = 1;
            if (t == JsonToken.START_ARRAY) {
                int index = 0;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (index == 0) {
                        if (t != JsonToken.VALUE_STRING) return null;
                        hash = p.getText();
                    } else if (index == 1) {
                        verbosity = verbosity(p, t);
                    }
                    skipValue(p, t);
                    index++;
                }
            } else if (t == JsonToken.START_OBJECT) {
                boolean sawVerbosity = false;
                JsonToken verboseToken = null;
                int verbose = 1;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    switch (name) {
                        case "blockhash" -> {
                            if (v != JsonToken.VALUE_STRING) return null;
                            hash = p.getText();
                        }
                        case "verbosity" -> {
                            sawVerbosity = true;
                            verbosity = verbosity(p, v);
                        }
                        case "verbose" -> {
                            verboseToken = v;
                            verbose = verbosity(p, v);
                        }
                        default -> {
                            return null;
                        }
                    }
                    skipValue(p, v);
                }
                if (!sawVerbosity && verboseToken != null) {
                    verbosity = verbose;
                }
            } else {
                return null;
            }
            if (hash == null || !hash.matches("[0-9a-fA-F]{64}")) {
                return null;
            }
            return new GetBlock(hash.toLowerCase(Locale.ROOT), verbosity);
        }
    }

    /** Core's getblock: null → 1, bool → 0/1, integer → itself clamped to 0..3, anything else → -1. */
    private static int verbosity(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_NULL -> 1;
            case VALUE_TRUE -> 1;
            case VALUE_FALSE -> 0;
            case VALUE_NUMBER_INT -> {
                if (!p.getNumberType().equals(JsonParser.NumberType.INT)) yield -1;
                int v = p.getIntValue();
                yield v <= 0 ? 0 : Math.min(v, 3);
            }
            default -> -1;
        };
    }
}
