package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command tree and its one error handler, in-process (no LXD needed). */
class BcmTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Bcm.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpListsTheCommandsAndTheExitCodes() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("cluster", "info", "show", "device", "Exit codes:")
                .containsPattern("7\\s+cluster verification failed").containsPattern("10\\s+no Trezor found");
    }

    @Test
    void proxyRunIsBcmRpcproxyWithItsExitCodes() {
        // no authentication on a non-loopback listen address: refused before anything listens
        assertThat(run("proxy", "run", "--listen=0.0.0.0:18443", "--insecure-no-authentication=1")).isEqualTo(2);
        assertThat(run("proxy", "run", "--no-such-flag")).isEqualTo(2);
    }

    @Test
    void proxyRunLogsAtItsOwnLevelNotAtBcmsWarn() {
        ch.qos.logback.classic.Logger proxyLogger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.bcm.rpcproxy");
        // the level is applied before the settings are checked, so a refused start shows it too
        assertThat(run("proxy", "run", "--listen=0.0.0.0:18443", "--insecure-no-authentication=1")).isEqualTo(2);
        assertThat(proxyLogger.getEffectiveLevel()).isEqualTo(ch.qos.logback.classic.Level.INFO);
        assertThat(run("proxy", "run", "--listen=0.0.0.0:18443", "--insecure-no-authentication=1", "--log-level=debug")).isEqualTo(2);
        assertThat(proxyLogger.getEffectiveLevel()).isEqualTo(ch.qos.logback.classic.Level.DEBUG);
        proxyLogger.setLevel(null);
    }

    @Test
    void anInvalidClusterNameIsOneMessageWithAHintAndExitCode2() {
        assertThat(run("cluster", "create", "--cluster-name=Bad_Name")).isEqualTo(2);
        assertThat(err.toString()).startsWith("bcm: Invalid cluster name 'Bad_Name'")
                .contains("hint: use 1 to 11 lower-case letters")
                .doesNotContain("at org.bcm");
    }

    @Test
    void stacktraceShowsTheTrace() {
        assertThat(run("cluster", "create", "--cluster-name=Bad_Name", "--stacktrace")).isEqualTo(2);
        assertThat(err.toString()).contains("at org.bcm");
    }

    @Test
    void anUnknownProviderIsInvalidInput() {
        assertThat(run("cluster", "create", "--cluster-name=ok", "--provider=cloud")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown provider 'cloud'").contains("--provider=local");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        assertThat(run("cluster", "create", "--cluster-name=ok", "--no-such-option")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option");
    }
}
