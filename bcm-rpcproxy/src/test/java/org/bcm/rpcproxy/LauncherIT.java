package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bcm.fixtures.bitcoind.BitcoindSimulator;
import org.bcm.fixtures.bitcoind.Delivery;
import org.bcm.fixtures.bitcoind.SimulatedPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged launcher ({@code target/bcm-rpcproxy/bin/bcm-rpcproxy}) as an operator runs it: config
 * file, its own cookie for clients (removed at exit), readable logs (a line per peer fetch with the peer
 * and the time), SIGTERM ends it gracefully with exit code 0, a bad flag gives one line and exit code 2.
 */
class LauncherIT {

    @TempDir
    Path dir;

    private static Path launcher() {
        return Path.of(System.getProperty("rpcproxy.launcher", "target/bcm-rpcproxy/bin/bcm-rpcproxy"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void runsFromAConfigFileLogsFetchesAndStopsOnSigterm() throws Exception {
        BitcoindSimulator.Builder node = BitcoindSimulator.builder().blocks(30).pruned(true)
                .peers(List.of(SimulatedPeer.outboundFullRelay(4, 0.02, Delivery.after(Duration.ofMillis(50)))));
        try (BitcoindSimulator sim = node.start()) {
            sim.prune(20);
            int port = freePort();
            Path conf = Files.writeString(dir.resolve("proxy.conf"), String.join("\n",
                    "chain=regtest", "listen=127.0.0.1:" + port, "upstream=http://127.0.0.1:" + sim.port(),
                    "upstream-cookie=" + sim.cookieFile().orElseThrow(), "cache-dir=" + dir.resolve("cache"), "fetch-poll=10ms", ""));
            Path log = dir.resolve("stderr.log");
            Process p = new ProcessBuilder(launcher().toString(), "--config=" + conf)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Path cookie = dir.resolve("cache/.cookie");
            try {
                Await.until(Duration.ofSeconds(30), "the proxy to listen", () -> read(log).contains("listening on 127.0.0.1:" + port));
                String hash = sim.blockHash(3);
                assertThat(Http.post(port, null, "{\"method\":\"getblockcount\",\"id\":1}").status()).isEqualTo(401);
                Http.Response r = Http.post(port, Http.cookie(cookie), "{\"method\":\"getblock\",\"params\":[\"" + hash + "\",0],\"id\":1}");
                assertThat(r.text()).contains(sim.blockHex(hash));
                Await.until(Duration.ofSeconds(5), "the fetch line", () -> read(log).contains("fetched block " + hash + " from peer 4 (10.0.0.4:8333) in "));
            } finally {
                p.destroy(); // SIGTERM
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(p.exitValue()).isZero();
            assertThat(cookie).as("the cookie is removed at exit, as bitcoind's").doesNotExist();
            String out = read(log);
            assertThat(out).contains("INFO  generated the RPC authentication cookie " + cookie).contains("bcm-rpcproxy stopped")
                    .doesNotContain("Exception").doesNotContain("DEBUG");
            assertThat(out.lines().filter(l -> l.contains("fetching pruned block"))).hasSize(1);
        }
    }

    @Test
    void logLevelWarnLeavesOutTheInfoLines() throws Exception {
        try (BitcoindSimulator sim = BitcoindSimulator.builder().blocks(5).start()) {
            int port = freePort();
            Path log = dir.resolve("warn.log");
            Process p = new ProcessBuilder(launcher().toString(), "--chain=regtest", "--listen=127.0.0.1:" + port,
                    "--upstream=http://127.0.0.1:" + sim.port(), "--upstream-cookie=" + sim.cookieFile().orElseThrow(),
                    "--cache-size=0", "--log-level=warn", "--insecure-no-authentication=1")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                Await.until(Duration.ofSeconds(30), "the warning", () -> read(log).contains("WARN  INSECURE: insecure-no-authentication=1"));
                Http.Response r = Http.post(port, null, "{\"method\":\"getblockcount\",\"params\":[],\"id\":1}");
                assertThat(r.text()).contains("\"result\":5");
            } finally {
                p.destroy();
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(read(log)).doesNotContain("INFO").doesNotContain("listening on").doesNotContain("stopped");
        }
    }

    @Test
    void badFlagsGiveOneLineAndExitCode2() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString(), "--fetch-wait=soon", "--cache-size=0"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out.strip()).isEqualTo("bcm-rpcproxy: --fetch-wait: fetch-wait must be a duration such as 500ms, 5s, 2m or 1h (got 'soon')");
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
