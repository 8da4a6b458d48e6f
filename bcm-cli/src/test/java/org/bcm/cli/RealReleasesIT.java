package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The real daemons, when their release archives are at hand: Bitcoin Core's bitcoind on regtest and
 * Fulcrum, from the releases the shipped recipes pin, verified by {@code bcm release import}; bitcoind
 * mines a few blocks, Fulcrum indexes them, and an Electrum-protocol request
 * ({@code blockchain.headers.subscribe}) from another tier host is answered with the tip.
 *
 * <p>The archives, checksum files and signatures (the files the recipes name) must be in the directory
 * {@code BCM_RELEASES_DIR}; without them (no machine of this workplace can fetch them) the test is
 * reported as SKIPPED, never as passed.
 */
class RealReleasesIT {

    private static final String CLUSTER = "itreal";
    private static final String PROJECT = "itr";
    /** Base58Check of 0x6f and the bytes 0x01..0x14: a valid regtest P2PKH address whose key nobody has. */
    private static final String REGTEST_ADDRESS = "mfcHP2WMCVLsVZA8yrovmhMgxNFW9r98xw";
    private static Path home;
    private static BcmProcess bcm;
    private static ClusterEngines cluster;

    /** The archives' directory and the release import; an assumption (not a failure) when they are not there: the test is SKIPPED. */
    private static void importReleases() throws Exception {
        String releases = System.getenv("BCM_RELEASES_DIR");
        Assumptions.assumeTrue(releases != null && Files.isDirectory(Path.of(releases)),
                "BCM_RELEASES_DIR names no directory with the release archives of Bitcoin Core and Fulcrum: skipped");
        List<String> files = new ArrayList<>(List.of("release", "import"));
        try (Stream<Path> listed = Files.list(Path.of(releases))) {
            listed.filter(Files::isRegularFile).forEach(f -> files.add(f.toString()));
        }
        Assumptions.assumeTrue(files.stream().anyMatch(f -> f.contains("bitcoin-31.1-x86_64-linux-gnu.tar.gz"))
                && files.stream().anyMatch(f -> f.contains("Fulcrum-2.1.1-x86_64-linux.tar.gz")),
                "BCM_RELEASES_DIR lacks bitcoin-31.1-x86_64-linux-gnu.tar.gz or Fulcrum-2.1.1-x86_64-linux.tar.gz: skipped");
        home = Files.createTempDirectory("bcm-it-real");
        bcm = new BcmProcess(home, Map.of("BCM_CACHE_DIR", Path.of(System.getProperty("user.home"), ".bcm", "cache").toString(),
                "BCM_SOCKS_PROXY", "none"));
        cluster = new ClusterEngines(home, CLUSTER, PROJECT);
        BcmProcess.Result imported = bcm.run(files.toArray(String[]::new));
        assertThat(imported.exitCode()).as(imported.toString()).isZero();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
            org.bcm.core.home.BcmHome.deleteTree(home);
        }
    }

    @Test
    void fulcrumIndexesWhatBitcoindMinedAndAnswersAnElectrumClient() throws Exception {
        importReleases();
        assertThat(bcm.run("cluster", "create", "--cluster-name=" + CLUSTER).exitCode()).isZero();
        assertThat(bcm.run("project", "create", "--project-name=" + PROJECT, "--chain=regtest", "--stacks=gateway,bitcoin,electrum")
                .exitCode()).isZero();
        var deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER, "--timeout=900");
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();

        String password = Files.readString(home.resolve("projects/" + PROJECT + "/secrets/bitcoin/rpc_electrum"));
        // 101 blocks to a regtest P2PKH address of a key nobody has (version byte 0x6f, payload 01..14)
        String mine = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"generatetoaddress\",\"params\":[101,\"" + REGTEST_ADDRESS + "\"]}";
        assertThat(cluster.jsonRpc("bitcoin_rpc", "bitcoind", 18443, "electrum", password, mine)).startsWith("200 ");

        String ask = """
                for i in $(seq 1 60); do
                  if exec 3<>/dev/tcp/fulcrum/50001 2>/dev/null; then
                    printf '{"jsonrpc":"2.0","id":1,"method":"blockchain.headers.subscribe","params":[]}\\n' >&3
                    answer=$(head -n1 <&3)
                    case "$answer" in *'"height":101'*) echo "$answer"; exit 0;; esac
                  fi
                  sleep 5
                done
                echo "no answer with height 101: $answer"
                """;
        assertThat(cluster.runOnOverlay("bcm-kafka-01", "electrum_electrum", cluster.image("gateway_tor"), ask, Map.of()))
                .contains("\"height\":101");
    }
}
