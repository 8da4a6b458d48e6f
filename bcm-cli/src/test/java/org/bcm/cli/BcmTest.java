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

    /** As {@code bcm} runs it: only the invoked command's branch built whole. */
    private int run(String... args) {
        CommandLine cli = Bcm.commandLine(Bcm.invoked(args));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpListsTheCommandsAndTheExitCodes() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("cluster", "info", "show", "device", "release", "Exit codes:")
                .containsPattern("7\\s+verification failed").containsPattern("10\\s+no Trezor found")
                .containsPattern("3\\s+not found: a cluster, project").containsPattern("4\\s+conflict: a name or file");
    }

    @Test
    void theCommandsNotInvokedAreStandInsThatHelpAndMistakesStillSee() throws Exception {
        assertThat(Bcm.invoked(new String[] {"--stacktrace", "project", "deploy"})).containsExactly("project");
        assertThat(Bcm.invoked(new String[] {"help", "cluster"})).containsExactlyInAnyOrder("help", "cluster");
        assertThat(Bcm.invoked(new String[] {"@args"})).as("an @file: every command").isNull();

        assertThat(run("help", "project")).isZero();
        assertThat(out.toString()).contains("Usage: bcm project", "plan", "deploy", "remove");
        assertThat(run("projekt", "list")).isEqualTo(2);
        assertThat(err.toString()).contains("bcm: Unmatched argument").contains("hint: 'bcm --help'");

        java.nio.file.Path file = java.nio.file.Files.createTempFile("bcm-args", "");
        java.nio.file.Files.writeString(file, "project\n--help\n");
        out.getBuffer().setLength(0);
        assertThat(run("@" + file)).isZero();
        assertThat(out.toString()).contains("Usage: bcm project", "plan");
        java.nio.file.Files.delete(file);
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
    void anUnknownOptionIsAUsageErrorInOneLineWithAHint() {
        assertThat(run("cluster", "create", "--cluster-name=ok", "--no-such-option")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("bcm: Unknown option: '--no-such-option'\n"
                + "  hint: 'bcm cluster create --help' shows the usage\n");
    }

    /** docs/exit-codes.md lists exactly the codes and meanings bcm has (BcmException.Kind); bcm --help prints them. */
    @Test
    void theExitCodeDocumentAndTheHelpAgreeWithTheCode() throws Exception {
        java.util.Map<String, String> documented = new java.util.LinkedHashMap<>();
        java.util.regex.Matcher row = java.util.regex.Pattern.compile("(?m)^\\| (\\d+) \\| ([^|]+?) \\|")
                .matcher(java.nio.file.Files.readString(java.nio.file.Path.of("../docs/exit-codes.md")));
        while (row.find()) {
            documented.put(row.group(1), row.group(2));
        }
        assertThat(documented).containsExactlyEntriesOf(Bcm.exitCodes());
        assertThat(run("--help")).isZero();
        String help = out.toString().replaceAll("\\s+", " ");   // long meanings are wrapped
        Bcm.exitCodes().forEach((code, meaning) -> assertThat(help).contains(" " + code + " " + meaning));
    }
}
