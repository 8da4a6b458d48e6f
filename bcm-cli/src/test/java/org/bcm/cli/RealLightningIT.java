package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bcm.trezor.dev.UdpDeviceServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The real Lightning daemons, when their release archives are at hand: on a regtest bitcoind of Bitcoin
 * Core, the shipped lightning stack with Core Lightning, and a second node, lnd, from a copy of the same
 * stack file (the test's stack {@code peer}: its own RPC user and onion names). Core Lightning is funded,
 * opens a channel to lnd and pays an invoice of lnd's; bcm backs up its static channel backup (encrypted
 * to an identity on the development device); the node and its volume are destroyed, a deploy makes it
 * again from the project's node secret, and {@code bcm backup restore} gives it the backup: lnd
 * force-closes, and Core Lightning's funds of the channel come back on chain.
 *
 * <p>The archives, checksum files and signatures the recipes name (Bitcoin Core 31.1, Core Lightning
 * 26.06.7, lnd 0.21.3-beta) must be in {@code BCM_RELEASES_DIR}; without them (no machine of this
 * workplace can fetch them) the test is reported as SKIPPED, never as passed.
 */
class RealLightningIT {

    private static final String CLUSTER = "itln";
    private static final String PROJECT = "itl";
    private static final String BITCOIN_HOST = "bcm-bitcoin-01";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static Path home;
    private static BcmProcess bcm;
    private static ClusterEngines cluster;
    private static UdpDeviceServer device;

    private static void importReleases() throws Exception {
        String releases = System.getenv("BCM_RELEASES_DIR");
        Assumptions.assumeTrue(releases != null && Files.isDirectory(Path.of(releases)),
                "BCM_RELEASES_DIR names no directory with the release archives of Bitcoin Core, Core Lightning and lnd: skipped");
        List<String> files = new ArrayList<>(List.of("release", "import"));
        try (Stream<Path> listed = Files.list(Path.of(releases))) {
            listed.filter(Files::isRegularFile).forEach(f -> files.add(f.toString()));
        }
        for (String archive : List.of("bitcoin-31.1-x86_64-linux-gnu.tar.gz", "clightning-v26.06.7-Ubuntu-22.04-amd64.tar.xz",
                "lnd-linux-amd64-v0.21.3-beta.tar.gz")) {
            Assumptions.assumeTrue(files.stream().anyMatch(f -> f.endsWith("/" + archive)), "BCM_RELEASES_DIR lacks " + archive + ": skipped");
        }
        dir = Files.createTempDirectory("bcm-it-lightning");
        home = dir.resolve("home");
        device = UdpDeviceServer.start(new DevelopmentDevice(DevelopmentDevice.Settings.of("all all all all all all all all all all all all")), 0);
        bcm = new BcmProcess(home, Map.of("BCM_CACHE_DIR", Path.of(System.getProperty("user.home"), ".bcm", "cache").toString(),
                "BCM_SOCKS_PROXY", "none", "BCM_TREZOR", "udp:127.0.0.1:" + device.port(), "HOME", dir.toString()));
        cluster = new ClusterEngines(home, CLUSTER, PROJECT);
        BcmProcess.Result imported = bcm.run(files.toArray(String[]::new));
        assertThat(imported.exitCode()).as(imported.toString()).isZero();
    }

    /** The test's second node: the shipped lightning stack with lnd, its own RPC user, onion names and description. */
    private static void writePeerStack() throws Exception {
        Path peer = home.resolve("stacks/peer");
        StandInBitcoinStack.copyTree(Path.of("..", "stacks", "lightning"), peer);
        String stack = Files.readString(peer.resolve("stack.yml"))
                .replace("bitcoin-rpc-client: {user: lightning, needs: [zmq]}", "bitcoin-rpc-client: {user: peer, needs: [zmq]}")
                .replace("default: cln", "default: lnd")
                .replace("lightning-p2p", "peer-p2p").replace("lightning-rest", "peer-rest")
                .replace("description: a Lightning node", "description: the test's second Lightning node");
        Files.writeString(peer.resolve("stack.yml"), stack);
    }

    private static String bitcoinRpc(String method, String params) throws Exception {
        String password = Files.readString(home.resolve("projects/" + PROJECT + "/secrets/bitcoin/rpc_lightning"));
        String answer = cluster.jsonRpc("bitcoin_rpc", "bitcoind", 18443, "lightning", password,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}");
        assertThat(answer).startsWith("200 ");
        return answer;
    }

    private static void mine(int blocks) throws Exception {
        // to a regtest P2PKH address of a key nobody has (version byte 0x6f, payload 01..14)
        bitcoinRpc("generatetoaddress", "[" + blocks + ",\"mfcHP2WMCVLsVZA8yrovmhMgxNFW9r98xw\"]");
    }

    private static JsonNode cln(String command) throws Exception {
        return JSON.readTree(cluster.shell(BITCOIN_HOST, "lightning_cln", "lightning-cli --lightning-dir=/data --network=regtest " + command));
    }

    private static JsonNode lnd(String command) throws Exception {
        return JSON.readTree(cluster.shell(BITCOIN_HOST, "peer_lnd", "lncli --lnddir=/data --network=regtest " + command));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
            device.close();
            org.bcm.core.home.BcmHome.deleteTree(dir);
        }
    }

    @Test
    void aChannelOfCoreLightningIsRecoveredFromItsEncryptedBackup() throws Exception {
        importReleases();
        writePeerStack();
        assertThat(bcm.run("cluster", "create", "--cluster-name=" + CLUSTER).exitCode()).isZero();
        assertThat(bcm.run("project", "create", "--project-name=" + PROJECT, "--chain=regtest", "--stacks=gateway,bitcoin,lightning,peer")
                .exitCode()).isZero();
        var deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER, "--timeout=900");
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();

        // fund Core Lightning: coinbase outputs to its address, matured
        var address = bcm.run("lightning", "address");
        assertThat(address.exitCode()).as(address.toString()).isZero();
        bitcoinRpc("generatetoaddress", "[1,\"" + address.out().strip() + "\"]");
        mine(100);
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                .until(() -> cln("listfunds").path("outputs").size() > 0);

        // a channel to lnd, and a payment
        String lndId = lnd("getinfo").path("identity_pubkey").asText();
        cln("connect " + lndId + "@peer_lnd:9735");
        cln("fundchannel " + lndId + " 1000000");
        mine(6);
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                .until(() -> cln("listpeerchannels").path("channels").path(0).path("state").asText().equals("CHANNELD_NORMAL"));
        String invoice = lnd("addinvoice --amt=10000").path("payment_request").asText();
        assertThat(cln("pay " + invoice).path("status").asText()).isEqualTo("complete");

        // the backup, encrypted to the identity
        assertThat(bcm.run("init", "--name=Satoshi Nakamoto", "--username=satoshi", "--hostname=example.net").exitCode()).isZero();
        var taken = bcm.run("backup", "take");
        assertThat(taken.exitCode()).as(taken.toString()).isZero();
        assertThat(taken.out()).contains("backed up");
        var verified = bcm.run("backup", "verify");
        assertThat(verified.exitCode()).as(verified.toString()).isZero();

        // the node destroyed with its data, made again by a deploy from the project's node secret
        try (var docker = cluster.docker("bcm-gateway-01")) {
            docker.removeServiceCmd("lightning_cln").exec();
        }
        Awaitility.await().atMost(Duration.ofMinutes(3)).ignoreExceptions().until(() -> {
            try (var docker = cluster.docker(BITCOIN_HOST)) {
                docker.removeVolumeCmd("lightning_cln-data").exec();
                return true;
            }
        });
        var again = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER, "--timeout=900");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(cln("listpeerchannels").path("channels")).as("a new node knows no channel").isEmpty();

        // restore: lnd is asked to force-close, and the channel's funds come back to Core Lightning on chain
        var restored = bcm.run("backup", "restore");
        assertThat(restored.exitCode()).as(restored.toString()).isZero();
        assertThat(restored.out()).contains("stubs");
        Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(5)).until(() -> {
            mine(10);
            long sat = 0;
            for (JsonNode output : cln("listfunds").path("outputs")) {
                if (output.path("status").asText().equals("confirmed")) {
                    sat += output.path("amount_msat").asLong() / 1000;
                }
            }
            return sat > 900_000;
        });
    }
}
