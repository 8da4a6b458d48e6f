package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: one readable line and a documented exit code for every mistake, no stack trace. */
class RpcProxyCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        CommandLine cl = RpcProxyCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryKeyAndTheExitCodes() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        for (String key : RpcProxySettings.KEYS) {
            if (RpcProxySettings.FILE_ONLY.contains(key)) {
                assertThat(r.out()).doesNotContain("--" + key);
            } else {
                assertThat(r.out()).contains("--" + key);
            }
        }
        assertThat(r.out()).contains("Exit codes:").contains("3   cannot listen").contains("5   the proxy's cookie file");
    }

    @Test
    void usageAndConfigMistakesExitWith2() throws Exception {
        Result unknown = run("--frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("bcm-rpcproxy: Unknown option: '--frobnicate'").doesNotContain("\tat ");

        Result bad = run("--fetch-wait=later", "--cache-size=0");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo("bcm-rpcproxy: --fetch-wait: fetch-wait must be a duration such as 500ms, 5s, 2m or 1h (got 'later')"
                + System.lineSeparator());

        Path conf = Files.writeString(dir.resolve("proxy.conf"), "chain=regtest\nfetch-wait=2s\nlisten=0.0.0.0:1\n");
        Result open = run("--config=" + conf, "--cache-size=0", "--insecure-no-authentication=1");
        assertThat(open.code()).isEqualTo(2);
        assertThat(open.err()).contains("insecure-no-authentication=1 lets every client call bitcoind without a password")
                .doesNotContain("Exception");

        Result metrics = run("--chain=regtest", "--cache-size=0", "--metrics-listen=0.0.0.0:9342");
        assertThat(metrics.code()).isEqualTo(2);
        assertThat(metrics.err()).startsWith("bcm-rpcproxy: metrics-listen=0.0.0.0:9342 is not a loopback address")
                .contains("metrics-allow-remote=1");

        Result twice = run("--config=" + conf, "--config=" + conf);
        assertThat(twice.code()).isEqualTo(2);

        Result withTrace = run("--config=" + dir.resolve("missing"), "--stacktrace");
        assertThat(withTrace.code()).isEqualTo(2);
        assertThat(withTrace.err()).contains("does not exist").contains("\tat ");
    }

    @Test
    void thePasswordIsNeverAFlagAndTheMessageDoesNotRepeatIt() {
        for (String[] args : new String[][] {{"--upstream-user=u", "--upstream-password=hunter2"},
                {"--upstream-user=u", "--upstream-password", "hunter2"}}) {
            Result r = run(args);
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).startsWith("bcm-rpcproxy: --upstream-password is not accepted")
                    .contains("config file (mode 0600)", RpcProxySettings.PASSWORD_ENV).doesNotContain("hunter2");
        }
    }

    @Test
    void aConfigFileWithThePasswordThatOthersCanReadIsRefused() throws Exception {
        Path conf = Files.writeString(dir.resolve("proxy.conf"), "chain=regtest\nupstream-user=u\nupstream-password=hunter2\n");
        Files.setPosixFilePermissions(conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Result r = run("--config=" + conf, "--listen=bad");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bcm-rpcproxy: config file " + conf + " holds upstream-password but other users may read or "
                + "change it (mode rw-r--r--): chmod 600 " + conf + ", or give the password in BCM_RPCPROXY_UPSTREAM_PASSWORD instead"
                + System.lineSeparator());
        // owner-only: read, and the next mistake is the one reported
        Files.setPosixFilePermissions(conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(run("--config=" + conf, "--listen=bad").err()).contains("--listen: listen must be HOST:PORT");
    }

    @Test
    void anAddressInUseExitsWith3AnUnusableCacheWith4AndAnUnwritableCookieWith5() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Result r = run("--chain=regtest", "--listen=127.0.0.1:" + taken.getLocalPort(), "--cache-size=0",
                    "--upstream-cookie=" + dir.resolve(".cookie"));
            assertThat(r.code()).isEqualTo(3);
            assertThat(r.err()).startsWith("bcm-rpcproxy: cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (listen)");
        }
        Path file = Files.writeString(dir.resolve("file"), "x");
        Result r = run("--chain=regtest", "--listen=127.0.0.1:0", "--cache-dir=" + file.resolve("sub"),
                "--upstream-cookie=" + dir.resolve(".cookie"));
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.err()).startsWith("bcm-rpcproxy: cannot use the block cache directory");
        Result cookie = run("--chain=regtest", "--listen=127.0.0.1:0", "--cache-size=0", "--upstream-cookie=" + dir.resolve(".cookie"),
                "--rpccookiefile=" + file.resolve("sub/.cookie"));
        assertThat(cookie.code()).isEqualTo(5);
        assertThat(cookie.err()).startsWith("bcm-rpcproxy: cannot write the cookie file " + file.resolve("sub/.cookie"));
    }

    @Test
    void rpcauthPrintsALineTheProxyAccepts() {
        Result r = run("rpcauth", "lightning");
        assertThat(r.code()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).startsWith("rpcauth=lightning:");
        String password = lines[1].substring(lines[1].lastIndexOf(' ') + 1);
        RpcAuthUser user = RpcAuthUser.parse(lines[0].substring("rpcauth=".length()));
        RpcProxyConfig c = RpcProxyConfig.builder(Chain.REGTEST).addRpcAuth(user).cacheDir(dir).build();
        assertThat(new IncomingAuth(c).check(Http.basic("lightning", password))).isEqualTo("lightning");
        assertThat(run("rpcauth", "a:b").code()).isEqualTo(2);
    }
}
