package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
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
        String mine = """
                auth=$(printf 'electrum:%s' "$PASSWORD" | base64 -w0)
                body='{"jsonrpc":"2.0","id":1,"method":"generatetoaddress","params":[101,"%s"]}'
                exec 3<>/dev/tcp/bitcoind/18443
                printf 'POST / HTTP/1.0\\r\\nAuthorization: Basic %s\\r\\nContent-Length: %s\\r\\n\\r\\n%s' "$auth" "${#body}" "$body" >&3
                cat <&3
                """.formatted(regtestAddress());
        assertThat(cluster.runOnOverlay("bcm-kafka-01", "bitcoin_rpc", cluster.image("gateway_tor"), mine, Map.of("PASSWORD", password)))
                .contains("200 OK");

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

    /** A valid regtest P2PKH address (version byte 0x6f, Base58Check) of a key nobody has: the coinbase's destination. */
    private static String regtestAddress() throws Exception {
        byte[] payload = new byte[21];
        payload[0] = 0x6f;
        for (int i = 1; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] check = sha256.digest(sha256.digest(payload));
        byte[] full = new byte[25];
        System.arraycopy(payload, 0, full, 0, 21);
        System.arraycopy(check, 0, full, 21, 4);
        String alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        java.math.BigInteger value = new java.math.BigInteger(1, full);
        StringBuilder text = new StringBuilder();
        while (value.signum() > 0) {
            java.math.BigInteger[] division = value.divideAndRemainder(java.math.BigInteger.valueOf(58));
            text.append(alphabet.charAt(division[1].intValue()));
            value = division[0];
        }
        for (int i = 0; i < full.length && full[i] == 0; i++) {
            text.append('1');
        }
        return text.reverse().toString();
    }
}
