package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config file and flags: format, defaults per chain, every key, and readable errors naming their source. */
class RpcProxySettingsTest {

    @TempDir
    Path dir;

    private static final Map<String, String> ENV = Map.of("XDG_CACHE_HOME", "/var/cache");

    @Test
    void defaultsFollowTheChain() {
        RpcProxyConfig c = RpcProxySettings.parse("chain=regtest\n", "f").toConfig(ENV);
        assertThat(c.listen()).isEqualTo(new InetSocketAddress("127.0.0.1", 18453));
        assertThat(c.upstream()).isEqualTo(URI.create("http://127.0.0.1:18443"));
        assertThat(c.upstreamCredentials()).isEqualTo(new UpstreamCredentials.Cookie(
                Path.of(System.getProperty("user.home"), ".bitcoin", "regtest", ".cookie")));
        assertThat(c.cacheDir()).isEqualTo(Path.of("/var/cache/bcm-rpcproxy/regtest"));
        assertThat(c.fetchWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.upstreamConnections()).isEqualTo(3);
        assertThat(c.authenticationDisabled()).isFalse();
        assertThat(c.cookieAuthentication()).isTrue();
        assertThat(c.rpcCookieFile()).isEqualTo(Path.of("/var/cache/bcm-rpcproxy/regtest/.cookie"));
        RpcProxyConfig main = RpcProxySettings.empty().toConfig(ENV);
        assertThat(main.listen().getPort()).isEqualTo(8342);
        assertThat(main.upstream().getPort()).isEqualTo(8332);
        assertThat(main.upstreamCredentials()).isEqualTo(new UpstreamCredentials.Cookie(
                Path.of(System.getProperty("user.home"), ".bitcoin", ".cookie")));
        RpcProxyConfig t4 = RpcProxySettings.parse("chain=testnet4\ndatadir=/srv/btc\n", "f").toConfig(ENV);
        assertThat(t4.upstreamCredentials()).isEqualTo(new UpstreamCredentials.Cookie(Path.of("/srv/btc/testnet4/.cookie")));
        assertThat(t4.upstream().getPort()).isEqualTo(48332);
        assertThat(RpcProxySettings.parse("chain=signet\nupstream=10.0.0.2\n", "f").toConfig(ENV).upstream())
                .isEqualTo(URI.create("http://10.0.0.2:38332"));
    }

    @Test
    void everyKeyIsRead() {
        RpcAuthUser u = RpcAuthUser.create("ln", "secret");
        String text = String.join("\n",
                "# comment", "  ", "chain = test", "listen=[::1]:9000", "upstream=http://10.1.2.3:18332/",
                "upstream-user=proxy", "upstream-password=p#ss=word", "upstream-timeout=90s", "upstream-connections=7",
                "upstream-queue=10", "rpcauth=" + u.value(), "rpcwhitelist=ln:getblock, getblockhash", "rpcwhitelist=ln:getblock",
                "rpcwhitelistdefault=0", "fetch-wait=2500ms", "fetch-peer-timeout=1m", "fetch-timeout=1h", "fetch-poll=20ms",
                "cache-dir=/c", "cache-size=0", "max-request-size=4MiB", "request-memory=64MiB", "client-timeout=10", "max-clients=9",
                "metrics-listen=127.0.0.1:9400", "metrics-allow-remote=1", "io-threads=2", "shutdown-grace=0", "log-level=DEBUG");
        RpcProxySettings s = RpcProxySettings.parse(text, "f");
        RpcProxyConfig c = s.toConfig(ENV);
        assertThat(c.chain()).isEqualTo(Chain.TEST);
        assertThat(RpcProxySettings.format(c.listen())).isEqualTo("[0:0:0:0:0:0:0:1]:9000");
        assertThat(c.upstream()).isEqualTo(URI.create("http://10.1.2.3:18332"));
        assertThat(c.upstreamCredentials()).isEqualTo(new UpstreamCredentials.Password("proxy", "p#ss=word"));
        assertThat(c.upstreamCredentials().toString()).doesNotContain("p#ss");
        assertThat(c.upstreamTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.upstreamConnections()).isEqualTo(7);
        assertThat(c.upstreamQueue()).isEqualTo(10);
        assertThat(c.rpcAuth()).containsExactly(u);
        assertThat(c.rpcWhitelist()).isEqualTo(Map.of("ln", Set.of("getblock")));
        assertThat(c.rpcWhitelistDefault()).isFalse();
        assertThat(c.fetchWait()).isEqualTo(Duration.ofMillis(2500));
        assertThat(c.fetchPeerTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.fetchTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(c.fetchPoll()).isEqualTo(Duration.ofMillis(20));
        assertThat(c.cacheDir()).isEqualTo(Path.of("/c"));
        assertThat(c.cacheSizeMiB()).isZero();
        assertThat(c.maxRequestBytes()).isEqualTo(4L << 20);
        assertThat(c.requestMemoryBytes()).isEqualTo(64L << 20);
        assertThat(c.clientTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.maxClients()).isEqualTo(9);
        assertThat(c.metricsListen()).isEqualTo(new InetSocketAddress("127.0.0.1", 9400));
        assertThat(c.metricsAllowRemote()).isTrue();
        assertThat(c.ioThreads()).isEqualTo(2);
        assertThat(c.shutdownGrace()).isZero();
        assertThat(s.logLevel()).isEqualTo("debug");
        assertThat(c.rpcCookieFile()).isNull();
        assertThat(c.authenticationDisabled()).isFalse();
        // upstream-cookie and datadir exclude upstream-user/password, rpccookiefile and insecure-no-authentication
        // exclude rpcauth: read below
        assertThat(RpcProxySettings.KEYS)
                .filteredOn(k -> !Set.of("upstream-cookie", "datadir", "rpccookiefile", "insecure-no-authentication").contains(k))
                .allMatch(k -> text.contains(k + "=") || text.contains(k + " ="));
        assertThat(RpcProxySettings.parse("cache-dir=/c\nrpccookiefile=/run/proxy/.cookie\n", "f").toConfig(ENV).rpcCookieFile())
                .isEqualTo(Path.of("/run/proxy/.cookie"));
        // relative: to the cache directory, as Core's -rpccookiefile is relative to its datadir
        assertThat(RpcProxySettings.parse("cache-dir=/c\nrpccookiefile=run/proxy.cookie\n", "f").toConfig(ENV).rpcCookieFile())
                .isEqualTo(Path.of("/c/run/proxy.cookie"));
        RpcProxyConfig open = RpcProxySettings.parse("insecure-no-authentication=1\n", "f").toConfig(ENV);
        assertThat(open.authenticationDisabled()).isTrue();
        assertThat(open.rpcCookieFile()).isNull();
        assertThat(RpcProxySettings.parse("upstream-cookie=/run/btc/.cookie\n", "f").toConfig(ENV).upstreamCredentials())
                .isEqualTo(new UpstreamCredentials.Cookie(Path.of("/run/btc/.cookie")));
    }

    @Test
    void flagsOverrideTheFileAndRepeatableKeysAdd() {
        RpcAuthUser a = RpcAuthUser.create("a", "1");
        RpcAuthUser b = RpcAuthUser.create("b", "2");
        RpcProxySettings file = RpcProxySettings.parse("fetch-wait=3s\nrpcauth=" + a.value() + "\n", "f");
        RpcProxySettings flags = RpcProxySettings.empty().add("fetch-wait", "1s", "--fetch-wait").add("rpcauth", b.value(), "--rpcauth");
        RpcProxyConfig c = file.overriddenBy(flags).toConfig(ENV);
        assertThat(c.fetchWait()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.rpcAuth()).containsExactly(a, b);
    }

    @Test
    void passwordsComeFromTheEnvironment() {
        RpcProxyConfig c = RpcProxySettings.parse("upstream-user=u\n", "f")
                .toConfig(Map.of(RpcProxySettings.PASSWORD_ENV, "from-env"));
        assertThat(c.upstreamCredentials()).isEqualTo(new UpstreamCredentials.Password("u", "from-env"));
    }

    @Test
    void errorsNameTheSourceAndTheFix() throws Exception {
        assertInvalid("listen=localhost\n", "f:1: listen must be HOST:PORT");
        assertInvalid("\n\nnosuch=1\n", "f:3: unknown setting 'nosuch'");
        assertInvalid("chain=main\nchain=test\n", "f:2: chain is already set at f:1");
        assertInvalid("just words\n", "f:1: expected key=value");
        assertInvalid("chain=moon\n", "f:1: unknown chain 'moon'");
        assertInvalid("fetch-wait=soon\n", "f:1: fetch-wait must be a duration");
        assertInvalid("fetch-wait=0\n", "fetch-wait must be more than 0");
        assertInvalid("max-request-size=lots\n", "max-request-size must be a size");
        assertInvalid("upstream-connections=x\n", "upstream-connections must be a whole number");
        assertInvalid("upstream-connections=0\n", "upstream-connections must be at least 1");
        assertInvalid("upstream=https://node:8332\n", "upstream must be an http:// URL");
        assertInvalid("upstream=http://node:8332/wallet/x\n", "must not have a path");
        assertInvalid("upstream=http://alice:s3cret@node:8332\n", "upstream must not carry credentials (got 'http://…@node'); use upstream-user");
        assertThatThrownBy(() -> RpcProxySettings.parse("upstream=http://alice:s3cret@node\n", "f").toConfig(ENV))
                .hasMessageNotContaining("s3cret");
        assertInvalid("max-request-size=2MiB\nrequest-memory=1MiB\n", "request-memory (1048576 bytes) must be at least max-request-size (2097152 bytes)");
        assertInvalid("io-threads=4\nupstream-connections=3\n", "io-threads (4) must not exceed upstream-connections (3)");
        assertInvalid("upstream-user=u\n", "upstream-password is missing");
        assertInvalid("upstream-password=p\n", "upstream-user is missing");
        assertInvalid("upstream-user=u\nupstream-password=p\nupstream-cookie=/c\n", "exclude each other");
        assertInvalid("rpcauth=alice\n", "f:1: rpcauth must be <user>:<salt>$<hmac>");
        assertInvalid("rpcwhitelistdefault=maybe\n", "rpcwhitelistdefault must be 0 or 1");
        assertInvalid("log-level=loud\n", "log-level must be error, warn, info, debug or trace");
        assertInvalid("insecure-no-authentication=1\nlisten=0.0.0.0:8342\n",
                "insecure-no-authentication=1 lets every client call bitcoind without a password, which the proxy allows only "
                        + "on a loopback address; listen=0.0.0.0:8342 is not one");
        assertInvalid("insecure-no-authentication=1\nlisten=[::]:8342\n", "remove insecure-no-authentication");
        assertInvalid("insecure-no-authentication=1\nrpcauth=" + RpcAuthUser.create("x", "y").value() + "\n",
                "insecure-no-authentication=1 contradicts the rpcauth users");
        assertInvalid("insecure-no-authentication=please\n", "insecure-no-authentication must be 0 or 1");
        assertInvalid("rpcauth=" + RpcAuthUser.create("x", "y").value() + "\nrpccookiefile=/c\n",
                "f:2: rpccookiefile is used only without rpcauth users and without insecure-no-authentication");
        assertInvalid("insecure-no-authentication=1\nrpccookiefile=/c\n", "rpccookiefile is used only without rpcauth users");
        assertInvalid("rpccookiefile=\n", "f:1: rpccookiefile is empty");
        // with the cookie, any address: as bitcoind
        RpcProxyConfig anywhere = RpcProxySettings.parse("listen=0.0.0.0:8342\n", "f").toConfig(ENV);
        assertThat(anywhere.cookieAuthentication()).isTrue();
        assertThat(anywhere.listen()).isEqualTo(new InetSocketAddress("0.0.0.0", 8342));
        assertInvalid("metrics-listen=0.0.0.0:9342\n", "metrics-listen=0.0.0.0:9342 is not a loopback address");
        assertInvalid("metrics-listen=[::]:9342\nmetrics-allow-remote=0\n", "or set metrics-allow-remote=1");
        assertInvalid("metrics-listen=0.0.0.0:9342\nmetrics-allow-remote=maybe\n", "metrics-allow-remote must be 0 or 1");
        assertThat(RpcProxySettings.parse("metrics-listen=0.0.0.0:9342\nmetrics-allow-remote=1\n", "f").toConfig(ENV).metricsListen())
                .isEqualTo(new InetSocketAddress("0.0.0.0", 9342));
        assertThatThrownBy(() -> RpcProxySettings.readFile(dir.resolve("missing.conf")))
                .hasMessage("config file " + dir.resolve("missing.conf") + " does not exist");
        RpcAuthUser u = RpcAuthUser.create("x", "y");
        assertThat(RpcProxySettings.parse("listen=0.0.0.0:8342\nrpcauth=" + u.value() + "\n", "f").toConfig(ENV).listen().getPort())
                .isEqualTo(8342);
        Path conf = Files.writeString(dir.resolve("p.conf"), "upstream-password=secret-value\nupstream-user=u\nlisten=bad\n");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> RpcProxySettings.readFile(conf).toConfig(ENV)).hasMessageContaining("listen must be HOST:PORT")
                .hasMessageNotContaining("secret-value");
    }

    @Test
    void aConfigFileHoldingThePasswordMustBeOwnerOnly() throws Exception {
        Path conf = Files.writeString(dir.resolve("p.conf"), "upstream-user=u\nupstream-password=secret-value\n");
        for (String mode : new String[] {"rw-r-----", "rw----r--", "rw--w----", "rw-----w-", "r--r--r--"}) {
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString(mode));
            assertThatThrownBy(() -> RpcProxySettings.readFile(conf)).as(mode)
                    .hasMessageContaining("holds upstream-password but other users may read or change it (mode " + mode + ")")
                    .hasMessageContaining("chmod 600").hasMessageNotContaining("secret-value");
        }
        for (String mode : new String[] {"rw-------", "r--------"}) {
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString(mode));
            assertThat(RpcProxySettings.readFile(conf).toConfig(ENV).upstreamCredentials())
                    .isEqualTo(new UpstreamCredentials.Password("u", "secret-value"));
        }
        // rpcauth lines are hashes, not secrets: a world-readable file without the password is fine
        Path open = Files.writeString(dir.resolve("open.conf"), "upstream-user=u\nrpcauth=" + RpcAuthUser.create("a", "b").value() + "\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(RpcProxySettings.readFile(open).get("upstream-user")).isEqualTo("u");
    }

    private static void assertInvalid(String text, String message) {
        assertThatThrownBy(() -> RpcProxySettings.parse(text, "f").toConfig(ENV))
                .isInstanceOf(RpcProxyException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((RpcProxyException) e).reason()).isEqualTo(RpcProxyException.Reason.INVALID_CONFIG));
    }
}
