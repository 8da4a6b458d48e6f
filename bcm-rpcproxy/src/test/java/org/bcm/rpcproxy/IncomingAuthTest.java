package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Set;
import org.bcm.fixtures.bitcoind.RpcAuth;
import org.junit.jupiter.api.Test;

/** rpcauth lines as Core writes and checks them. */
class IncomingAuthTest {

    @Test
    void rpcauthLinesParseAndVerifyAsCoreDoes() {
        // a line made by the simulator's independent implementation (Core's share/rpcauth/rpcauth.py algorithm)
        String line = RpcAuth.line("alice", "p:a:s:s", "cb77f0957de88ff388cf817ddbc7273");
        RpcAuthUser u = RpcAuthUser.parse(line);
        assertThat(u.value()).isEqualTo(line);
        IncomingAuth auth = new IncomingAuth(config(u));
        assertThat(auth.check(Http.basic("alice", "p:a:s:s"))).isEqualTo("alice");
        assertThat(auth.check(Http.basic("alice", "p:a:s"))).isNull();
        assertThat(auth.check(Http.basic("Alice", "p:a:s:s"))).isNull();
        assertThat(auth.check("Basic " + java.util.Base64.getEncoder().encodeToString("alice".getBytes()))).isNull();
        assertThat(auth.check("Basic ???")).isNull();
        assertThat(auth.check("basic " + Http.basic("alice", "p:a:s:s").substring(6))).isNull();
        assertThat(auth.check(null)).isNull();
        // Core accepts an empty salt: HMAC-SHA256 with an empty key (computed with Python's hmac module)
        RpcAuthUser unsalted = RpcAuthUser.parse("carol:$8a5b26eedd938e17bea4bba5c9f641c099a35b4b71eda0dd0bc8b8a4b74f7eca");
        assertThat(new IncomingAuth(config(unsalted)).check(Http.basic("carol", "pw:x"))).isEqualTo("carol");
        assertThat(new IncomingAuth(config(unsalted)).check(Http.basic("carol", "pw"))).isNull();
        RpcAuthUser made = RpcAuthUser.create("bob", "x");
        assertThat(new IncomingAuth(config(made)).check(Http.basic("bob", "x"))).isEqualTo("bob");
    }

    @Test
    void malformedLinesAreRefusedWithoutRepeatingTheSecret() {
        assertThatThrownBy(() -> RpcAuthUser.parse("alice")).hasMessageContaining("exactly one ':'");
        assertThatThrownBy(() -> RpcAuthUser.parse("a:b:c$" + "0".repeat(64))).hasMessageContaining("exactly one ':'");
        assertThatThrownBy(() -> RpcAuthUser.parse("alice:salt")).hasMessageContaining("exactly one '$'");
        assertThatThrownBy(() -> RpcAuthUser.parse("alice:salt$zz")).hasMessageContaining("64 hex").hasMessageNotContaining("zz");
        assertThatThrownBy(() -> RpcAuthUser.parse(":salt$" + "0".repeat(64))).hasMessageContaining("empty user");
    }

    @Test
    void timingResistantEqual() {
        assertThat(IncomingAuth.timingResistantEqual("abc", "abc")).isTrue();
        assertThat(IncomingAuth.timingResistantEqual("abc", "abd")).isFalse();
        assertThat(IncomingAuth.timingResistantEqual("abc", "abcabc")).isFalse();
        assertThat(IncomingAuth.timingResistantEqual("abcabc", "abc")).isFalse();
        assertThat(IncomingAuth.timingResistantEqual("", "")).isTrue();
        assertThat(IncomingAuth.timingResistantEqual("a", "")).isFalse();
    }

    private static RpcProxyConfig config(RpcAuthUser u) {
        return RpcProxyConfig.builder(Chain.REGTEST).listen(new InetSocketAddress("127.0.0.1", 0)).addRpcAuth(u)
                .addRpcWhitelist("x", Set.of("a")).cacheDir(Path.of("/nonexistent")).build();
    }
}
