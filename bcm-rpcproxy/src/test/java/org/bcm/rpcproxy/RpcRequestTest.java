package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The request parser reads what Core's JSONRPCRequest::parse reads, with exact byte spans. */
class RpcRequestTest {

    private static final String HASH = "0f".repeat(32);

    private static RpcRequest parse(String s) {
        return RpcRequest.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String id(RpcRequest r, RpcRequest.Element e) {
        return new String(e.id(r.body), StandardCharsets.UTF_8);
    }

    @Test
    void kinds() {
        assertThat(parse("").kind).isEqualTo(RpcRequest.Kind.MALFORMED);
        assertThat(parse("{").kind).isEqualTo(RpcRequest.Kind.MALFORMED);
        assertThat(parse("{}x").kind).isEqualTo(RpcRequest.Kind.MALFORMED);
        assertThat(parse("{} {}").kind).isEqualTo(RpcRequest.Kind.MALFORMED);
        assertThat(parse("[1,]").kind).isEqualTo(RpcRequest.Kind.MALFORMED);
        assertThat(parse("  7 \n").kind).isEqualTo(RpcRequest.Kind.SCALAR);
        assertThat(parse("\"s\"").kind).isEqualTo(RpcRequest.Kind.SCALAR);
        assertThat(parse(" {}\n").kind).isEqualTo(RpcRequest.Kind.SINGLE);
        assertThat(parse("[]").kind).isEqualTo(RpcRequest.Kind.BATCH);
    }

    @Test
    void idsAreKeptAsWritten() {
        for (String raw : new String[] {"1", "-0.50", "1e3", "\"a\\\"b\"", "null", "[1, {\"x\": [2]}]", "{\"k\":\"v\"}", "true"}) {
            RpcRequest r = parse("{\"method\":\"m\", \"id\": " + raw + " , \"params\":[]}");
            RpcRequest.Element e = r.single();
            assertThat(e.hasId()).isTrue();
            assertThat(id(r, e)).isEqualTo(raw);
        }
        RpcRequest r = parse("{\"method\":\"m\"}");
        assertThat(r.single().hasId()).isFalse();
        assertThat(r.single().id(r.body)).isNull();
        // the first of duplicate keys counts, as UniValue's find_value
        RpcRequest dup = parse("{\"id\":1,\"method\":\"a\",\"id\":2,\"method\":\"b\"}");
        assertThat(id(dup, dup.single())).isEqualTo("1");
        assertThat(dup.single().method()).isEqualTo("a");
    }

    @Test
    void versionsNotificationsAndWellFormedness() {
        assertThat(parse("{\"jsonrpc\":\"2.0\",\"method\":\"m\"}").single().notification()).isTrue();
        assertThat(parse("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":null}").single().notification()).isFalse();
        assertThat(parse("{\"jsonrpc\":\"1.0\",\"method\":\"m\"}").single().notification()).isFalse();
        assertThat(parse("{\"method\":\"m\"}").single().v2()).isFalse();
        assertThat(parse("{\"jsonrpc\":\"2.0\"}").single().notification()).isTrue();
        assertThat(parse("{\"jsonrpc\":\"2.0\"}").single().wellFormed()).isFalse();
        assertThat(parse("{\"jsonrpc\":\"3.0\",\"method\":\"m\"}").single().wellFormed()).isFalse();
        assertThat(parse("{\"jsonrpc\":2,\"method\":\"m\"}").single().wellFormed()).isFalse();
        assertThat(parse("{\"jsonrpc\":null,\"method\":\"m\"}").single().wellFormed()).isTrue();
        assertThat(parse("{\"method\":\"m\",\"params\":3}").single().wellFormed()).isFalse();
        assertThat(parse("{\"method\":\"m\",\"params\":null}").single().wellFormed()).isTrue();
        RpcRequest.Element noMethod = parse("{\"method\":[1]}").single();
        assertThat(noMethod.method()).isNull();
        assertThat(noMethod.methodType()).isEqualTo("array");
        assertThat(parse("{}").single().methodType()).isEqualTo("null");
    }

    @Test
    void getBlockArgumentsPositionalNamedAndBools() {
        assertThat(parse("{\"method\":\"getblock\",\"params\":[\"" + HASH + "\"],\"id\":1}").single().getBlock())
                .isEqualTo(new RpcRequest.GetBlock(HASH, 1));
        assertThat(parse("{\"method\":\"getblock\",\"params\":[\"" + HASH.toUpperCase() + "\",0],\"id\":1}").single().getBlock())
                .isEqualTo(new RpcRequest.GetBlock(HASH, 0));
        assertThat(parse("{\"method\":\"getblock\",\"params\":[\"" + HASH + "\",false],\"id\":1}").single().getBlock().verbosity()).isZero();
        assertThat(parse("{\"method\":\"getblock\",\"params\":[\"" + HASH + "\",true],\"id\":1}").single().getBlock().verbosity()).isEqualTo(1);
        assertThat(parse("{\"method\":\"getblock\",\"params\":[\"" + HASH + "\",-4],\"id\":1}").single().getBlock().verbosity()).isZero();
        assertThat(parse("{\"method\":\"getblock\",\"params\":[\"" + HASH + "\",9],\"id\":1}").single().getBlock().verbosity()).isEqualTo(3);
        assertThat(parse("{\"method\":\"getblock\",\"params\":[\"" + HASH + "\",1.5],\"id\":1}").single().getBlock().verbosity()).isEqualTo(-1);
        assertThat(parse("{\"method\":\"getblock\",\"params\":{\"verbose\":false,\"blockhash\":\"" + HASH + "\"},\"id\":1}")
                .single().getBlock()).isEqualTo(new RpcRequest.GetBlock(HASH, 0));
        assertThat(parse("{\"method\":\"getblock\",\"params\":{\"blockhash\":\"" + HASH + "\",\"verbosity\":2,\"verbose\":false},\"id\":1}")
                .single().getBlock().verbosity()).isEqualTo(2);
        // not interceptable: Core answers an error of its own, which passes through
        assertThat(parse("{\"method\":\"getblock\",\"params\":{\"blockhash\":\"" + HASH + "\",\"x\":1},\"id\":1}").single().getBlock()).isNull();
        assertThat(parse("{\"method\":\"getblock\",\"params\":[\"abc\"],\"id\":1}").single().getBlock()).isNull();
        assertThat(parse("{\"method\":\"getblock\",\"params\":[5],\"id\":1}").single().getBlock()).isNull();
        assertThat(parse("{\"method\":\"getblock\",\"id\":1}").single().getBlock()).isNull();
        assertThat(parse("{\"jsonrpc\":\"2.0\",\"method\":\"getblock\",\"params\":[\"" + HASH + "\"]}").single().getBlock()).isNull();
        assertThat(parse("{\"method\":\"getblockheader\",\"params\":[\"" + HASH + "\"],\"id\":1}").single().getBlock()).isNull();
    }

    @Test
    void batchElementsHaveExactSpans() {
        String body = "[ {\"method\":\"a\",\"id\":1} , 5,\"s\", [1,[2]], {\"method\":\"getblock\",\"params\":[\"" + HASH + "\",0],\"id\":\"x\"}]";
        RpcRequest r = parse(body);
        assertThat(r.kind).isEqualTo(RpcRequest.Kind.BATCH);
        assertThat(r.elements).hasSize(5);
        String[] expected = {"{\"method\":\"a\",\"id\":1}", "5", "\"s\"", "[1,[2]]",
                "{\"method\":\"getblock\",\"params\":[\"" + HASH + "\",0],\"id\":\"x\"}"};
        for (int i = 0; i < 5; i++) {
            RpcRequest.Element e = r.elements.get(i);
            assertThat(body.substring(e.start(), e.end())).isEqualTo(expected[i]);
        }
        assertThat(r.elements.get(1).object()).isFalse();
        assertThat(r.hasGetBlock()).isTrue();
        assertThat(id(r, r.elements.get(4))).isEqualTo("\"x\"");
    }
}
