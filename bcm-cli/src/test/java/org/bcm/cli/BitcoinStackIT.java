package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bcm.core.process.ExternalProgram;
import org.bcm.core.release.TestRelease;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bcm.trezor.dev.UdpDeviceServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end, through the built launcher, on real LXD and the real swarm: the bitcoin stack deployed
 * with a STAND-IN for Bitcoin Core (no Core release can be fetched here). The stand-in is a release the
 * test makes and signs itself (TestRelease), holding the bitcoind simulator as {@code bin/bitcoind} and
 * {@code bin/bitcoin-cli} (StandInRelease); it reads the bitcoin.conf, {@code -datadir}, chain and
 * rpcauth lines bcm generates and refuses what Core refuses, so the generated configuration is what is
 * tested. The stack is the shipped one: the test's copy in the bcm home changes only the image
 * recipe's {@code release:} section (and adds the JRE the stand-in needs).
 *
 * <p>A stack of the test's own, {@code probe}, declares itself a client of the node, as the electrum
 * stack does: its RPC user's password is what a client on another tier host calls the node with.
 *
 * <p>The lightning stack runs Core Lightning's STAND-IN (CoreLightningStandIn, a test-signed release
 * beside the stand-in's bitcoin-cli): it reads the configuration and node secret bcm made and calls
 * bitcoind as Core Lightning's bcli plugin does, so the deploy, {@code bcm lightning} and the channel
 * backups ({@code bcm backup}, encrypted to an identity on the development device, read by real gpg
 * through bcm's agent) are tested around it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BitcoinStackIT {

    private static final String CLUSTER = "itbtc";
    private static final String PROJECT = "itb";
    private static Path dir;
    private static Path home;
    private static BcmProcess bcm;
    private static ClusterEngines cluster;
    private static UdpDeviceServer device;
    private static Map<String, String> environment;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("bcm-it-bitcoin");
        home = dir.resolve("home");
        Path cache = Path.of(System.getProperty("user.home"), ".bcm", "cache");
        device = UdpDeviceServer.start(new DevelopmentDevice(DevelopmentDevice.Settings.of("all all all all all all all all all all all all")), 0);
        environment = Map.of("BCM_CACHE_DIR", cache.toString(), "BCM_SOCKS_PROXY", "none",
                "BCM_TREZOR", "udp:127.0.0.1:" + device.port(), "HOME", dir.toString());
        bcm = new BcmProcess(home, environment);
        cluster = new ClusterEngines(home, CLUSTER, PROJECT);
        bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);

        // The shipped bitcoin stack with the stand-in's test-signed release.
        TestRelease signed = StandInBitcoinStack.install(dir, home);

        // A client of the node, as the electrum stack is one.
        Path probe = home.resolve("stacks/probe");
        Files.createDirectories(probe);
        Files.writeString(probe.resolve("stack.yml"), """
                version: "3.8"
                x-bcm:
                  description: a client of the node, for the test
                  requires: [bitcoin]
                  bitcoin-rpc-client: {user: probe}
                services:
                  idle:
                    image: ${BCM_IMAGE_TOR}
                    entrypoint: ["sleep", "infinity"]
                    secrets: [password]
                    networks: [bitcoin]
                    deploy:
                      endpoint_mode: dnsrr
                      placement:
                        constraints: [node.labels.bcm.tier == kafka]
                networks:
                  bitcoin:
                    external: true
                    name: bitcoin_rpc
                secrets:
                  password:
                    x-bcm-generate: {bitcoin-rpc-password: true}
                """);

        TestRelease cln = StandInBitcoinStack.installLightning(dir, home, signed);
        StandInBitcoinStack.importReleases(bcm, signed, cln);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
            tool(List.of("gpgconf", "--kill", "gpg-agent"), null);
        }
        if (device != null) {
            device.close();
        }
        org.bcm.core.home.BcmHome.deleteTree(dir);
    }

    /** JSON-RPC from a container on another tier host, on the bitcoin stack's network: "STATUS BODY". */
    private static String call(String host, String user, String password, String body) throws Exception {
        return cluster.jsonRpc("bitcoin_rpc", host, 18443, user, password, body);
    }

    private static String probePassword() throws Exception {
        return Files.readString(home.resolve("projects/" + PROJECT + "/secrets/bitcoin/rpc_probe"));
    }

    @Test
    @Order(1)
    void theNodeDeploysFromTheVerifiedReleaseAndAnswersItsClientsOnly() throws Exception {
        var created = bcm.run("cluster", "create", "--cluster-name=" + CLUSTER);
        assertThat(created.exitCode()).as(created.toString()).isZero();
        var project = bcm.run("project", "create", "--project-name=" + PROJECT, "--chain=regtest", "--stacks=gateway,bitcoin,probe,lightning");
        assertThat(project.exitCode()).as(project.toString()).isZero();

        var deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        assertThat(deployed.out()).contains("created service bitcoin_bitcoind", "created service bitcoin_rpcproxy", "created service probe_idle",
                "created service lightning_cln");
        assertThat(deployed.out()).doesNotContain("lightning_lnd");

        // the configuration bcm generated reached the stand-in: regtest, rpcauth for the probe only
        String ok = call("bitcoind", "probe", probePassword(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getblockchaininfo\"}");
        assertThat(ok).startsWith("200 ").contains("\"chain\":\"regtest\"").contains("\"pruned\":false");
        assertThat(call("bitcoind", "probe", "wrong-" + probePassword(), "{\"id\":1,\"method\":\"getblockcount\"}")).startsWith("401");

        try (DockerClient docker = cluster.docker("bcm-gateway-01")) {
            for (var service : docker.listServicesCmd().exec()) {
                // nothing of the node is published on the tier hosts; every image pinned by digest
                if (service.getSpec().getName().startsWith("bitcoin_")) {
                    var ports = service.getSpec().getEndpointSpec() == null ? null : service.getSpec().getEndpointSpec().getPorts();
                    assertThat(ports == null ? List.of() : ports).as(service.getSpec().getName()).isEmpty();
                }
                assertThat(service.getSpec().getTaskTemplate().getContainerSpec().getImage()).contains("@sha256:");
            }
            assertThat(docker.listSecretsCmd().exec()).extracting(s -> s.getSpec().getName())
                    .anySatisfy(name -> assertThat(name).matches("bitcoin_bitcoin_conf-[0-9a-f]{8}"));
        }

        // bcm reads the node's state back from its healthcheck
        var stacks = bcm.run("stack", "list", "--cluster-name=" + CLUSTER);
        assertThat(stacks.out()).containsPattern("node: regtest, \\d+ blocks, \\d+ headers, \\d+ peers?, not pruned");
    }

    @Test
    @Order(2)
    void aRedeployWithNothingChangedChangesNothing() throws Exception {
        Map<String, Long> before = cluster.serviceVersions();
        var again = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("nothing to do");
        assertThat(cluster.serviceVersions()).isEqualTo(before);
        System.out.println("no-op redeploy of gateway, bitcoin, probe and lightning: " + again.took().toMillis() + " ms");
    }

    @Test
    @Order(3)
    void aChangedSettingRestartsOnlyBitcoind() throws Exception {
        Map<String, Long> before = cluster.serviceVersions();
        assertThat(bcm.run("project", "set", "--project-name=" + PROJECT, "bitcoin.DBCACHE=200").exitCode()).isZero();
        var changed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(changed.exitCode()).as(changed.toString()).isZero();
        Map<String, Long> after = cluster.serviceVersions();
        for (String service : before.keySet()) {
            if (service.equals("bitcoin_bitcoind")) {
                assertThat(after.get(service)).as(service).isGreaterThan(before.get(service));
            } else {
                assertThat(after.get(service)).as(service).isEqualTo(before.get(service));
            }
        }
        var bad = bcm.run("project", "set", "--project-name=" + PROJECT, "bitcoin.PRUNE=100");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("bitcoin.PRUNE cannot be '100'", "0, or a whole number from 550");
    }

    @Test
    @Order(4)
    void aPrunedNodeServesItsPrunedBlocksThroughTheProxy() throws Exception {
        assertThat(bcm.run("project", "set", "--project-name=" + PROJECT, "bitcoin.PRUNE=550").exitCode()).isZero();
        var pruned = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(pruned.exitCode()).as(pruned.toString()).isZero();
        String info = call("rpcproxy", "probe", probePassword(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getblockchaininfo\"}");
        assertThat(info).startsWith("200 ").contains("\"pruned\":true");
        String hash = call("rpcproxy", "probe", probePassword(), "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"getblockhash\",\"params\":[1]}")
                .replaceAll(".*\"result\":\"([0-9a-f]{64})\".*", "$1");
        assertThat(hash).matches("[0-9a-f]{64}");
        // block 1 was pruned: bitcoind refuses it, the proxy fetches it from a peer and serves it
        assertThat(call("bitcoind", "probe", probePassword(), "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"getblock\",\"params\":[\"" + hash + "\",0]}"))
                .contains("Block not available (pruned data)");
        String block = call("rpcproxy", "probe", probePassword(), "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"getblock\",\"params\":[\"" + hash + "\",0]}");
        assertThat(block).startsWith("200 ").containsPattern("\"result\":\"[0-9a-f]+\"");
        assertThat(call("rpcproxy", "probe", "wrong", "{\"id\":5,\"method\":\"getblockcount\"}")).startsWith("401");

        // the proxy's own credential on bitcoind, generated as every client's, works there too, and only right
        String proxyPassword = Files.readString(home.resolve("projects/" + PROJECT + "/secrets/bitcoin/rpc_rpcproxy"));
        assertThat(call("bitcoind", "rpcproxy", proxyPassword, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"getblockcount\"}"))
                .startsWith("200 ").contains("\"result\":");
        assertThat(call("bitcoind", "rpcproxy", proxyPassword + "x", "{\"id\":7,\"method\":\"getblockcount\"}")).startsWith("401");

        // Core Lightning now reaches bitcoind through the proxy: its configuration changed, and it converged (healthy) with it
        assertThat(pruned.out()).contains("updated service lightning_cln");
        // (a swarm secret is on a tmpfs, which the engine's archive endpoint does not read: cat it in the container)
        assertThat(cluster.shell("bcm-bitcoin-01", "lightning_cln", "grep ^bitcoin-rpc /run/secrets/config"))
                .contains("bitcoin-rpcconnect=rpcproxy\n", "bitcoin-rpcport=18443\n");
    }

    /** A tool of the test's own (gpg), with the identity's environment. */
    private static ExternalProgram.Result tool(List<String> command, byte[] stdin) {
        Map<String, String> tools = new java.util.HashMap<>(environment);
        tools.put("BCM_HOME", home.toString());
        tools.put("GNUPGHOME", home.resolve("gnupg").toString());
        return new ExternalProgram(command.get(0), command.get(0), true).with(command.subList(1, command.size()))
                .environment(tools).in(dir).input(stdin).capture();
    }

    private static final String SCB = "/data/regtest/emergency.recover";

    /** The static channel backup the node keeps, as long as a real one with a channel (header, record, tag). */
    private static byte[] scb(int version) {
        byte[] content = new byte[24 + 14 + 120 + 17];
        java.util.Arrays.fill(content, (byte) version);
        return content;
    }

    private static List<Path> backups(Path directory) throws Exception {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (var files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith("-emergency.recover.gpg")).sorted().toList();
        }
    }

    private static void awaitBackups(Path directory, int count) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> backups(directory).size() == count);
    }

    @Test
    @Order(5)
    void theLightningNodeAnswersThroughBcmAndItsChannelBackupsAreEncryptedToTheIdentity() throws Exception {
        // bcm lightning: the node's CLI in its container; the stand-in's id is made of the node secret bcm generated
        String hsmSecret = Files.readString(home.resolve("projects/" + PROJECT + "/secrets/lightning/hsm_secret")).strip();
        String nodeId = "02" + org.bcm.core.Sha256.hex(java.util.HexFormat.of().parseHex(hsmSecret));
        var info = bcm.run("lightning", "info", "--project-name=" + PROJECT);
        assertThat(info.exitCode()).as(info.toString()).isZero();
        assertThat(info.out()).contains("node:         " + nodeId, "network:      regtest").containsPattern("block height: \\d+");
        var stacks = bcm.run("stack", "list", "--cluster-name=" + CLUSTER);
        assertThat(stacks.out()).containsPattern("lightning: " + nodeId.substring(0, 16) + "\\.\\.\\., regtest, v26\\.06\\.7-standin, block height \\d+, 0 peers");
        var peers = bcm.run("lightning", "peers", "--output=json");
        assertThat(peers.exitCode()).as(peers.toString()).isZero();
        assertThat(peers.out().replaceAll("\\s", "")).isEqualTo("{\"peers\":[]}");
        var address = bcm.run("lightning", "address");
        assertThat(address.exitCode()).as("the node's refusal is bcm's error, exit 6").isEqualTo(6);
        assertThat(address.err()).contains("refused 'address' (exit code 1): stand-in lightning-cli: unknown command 'newaddr'")
                .doesNotContain("Exception");

        // backups need the identity they are encrypted to
        var without = bcm.run("backup", "take");
        assertThat(without.exitCode()).isEqualTo(3);
        var init = bcm.run("init", "--name=Satoshi Nakamoto", "--username=satoshi", "--hostname=example.net");
        assertThat(init.exitCode()).as(init.toString()).isZero();

        var nothingYet = bcm.run("backup", "take");
        assertThat(nothingYet.exitCode()).as(nothingYet.toString()).isZero();
        assertThat(nothingYet.out()).contains("no static channel backup yet");

        // bcm backup watch: each change of the node's file becomes a backup, here and in the offsite directory, the newest 2 kept
        Path backupDir = home.resolve("backups/" + PROJECT);
        Path offsite = Files.createDirectories(dir.resolve("offsite"));
        Map<String, String> watchEnvironment = new java.util.HashMap<>(environment);
        watchEnvironment.put("BCM_HOME", home.toString());
        BcmProcess watcher = new BcmProcess(dir.resolve("watch"), watchEnvironment);
        Process watch = watcher.start("backup", "watch", "--interval=1", "--keep=2", "--copy-to=" + offsite);
        try {
            cluster.writeFile("bcm-bitcoin-01", "lightning_cln", SCB, scb(1));
            awaitBackups(backupDir, 1);
            cluster.writeFile("bcm-bitcoin-01", "lightning_cln", SCB, scb(2));
            awaitBackups(backupDir, 2);
            Path second = backups(backupDir).get(1);
            cluster.writeFile("bcm-bitcoin-01", "lightning_cln", SCB, scb(3));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> backups(backupDir).size() == 2 && backups(backupDir).get(0).equals(second));
            awaitBackups(offsite.resolve(PROJECT), 2);
        } finally {
            watch.destroy();
            watch.waitFor();
        }
        Path newest = backups(backupDir).get(1);
        assertThat(Files.readAllBytes(newest)).as("encrypted").isNotEqualTo(scb(3));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(newest))).isEqualTo("rw-------");

        // real gpg decrypts it through bcm's agent, which asks the development device: an operator without bcm is not locked out
        var gpg = tool(List.of("gpg", "--batch", "--decrypt", newest.toString()), null);
        assertThat(gpg.exit()).as(gpg.stderr()).isZero();
        assertThat(gpg.stdout()).isEqualTo(scb(3));
        Path nodeSecret;
        try (var files = Files.list(backupDir)) {
            nodeSecret = files.filter(f -> f.getFileName().toString().matches("node-secret-cln-\\d{8}T\\d{6}Z\\.gpg")).findFirst().orElseThrow();
        }
        var secret = tool(List.of("gpg", "--batch", "--decrypt", nodeSecret.toString()), null);
        assertThat(secret.out().strip()).isEqualTo(hsmSecret);

        var unchanged = bcm.run("backup", "take");
        assertThat(unchanged.out()).contains("unchanged since " + newest);
        assertThat(unchanged.err()).doesNotContain("exporter was not told");
        // the node's exporter sees that the newest backup holds the node's file: the hash bcm left and the
        // one the node's healthcheck leaves are the same (on the metrics volume, the exporter's uid 65534 only)
        String sha = org.bcm.core.Sha256.hex(scb(3)).substring(0, 16);
        assertThat(cluster.shell("bcm-bitcoin-01", "lightning_cln", "cat /run/bcm-metrics/backup.json")).contains("\"sha256\":\"" + sha + "\"");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofSeconds(3)).ignoreExceptions().until(() ->
                cluster.shell("bcm-bitcoin-01", "lightning_cln", "cat /run/bcm-metrics/scb.json").contains("\"sha256\":\"" + sha + "\""));
        assertThat(cluster.shell("bcm-bitcoin-01", "lightning_cln", "stat -c '%u %a %n' /run/bcm-metrics/*.json").strip().lines())
                .containsExactlyInAnyOrder("65534 600 /run/bcm-metrics/backup.json", "65534 600 /run/bcm-metrics/channels.json",
                        "65534 600 /run/bcm-metrics/info.json", "65534 600 /run/bcm-metrics/scb.json");
        System.out.println("bcm backup take, nothing changed: " + unchanged.took().toMillis() + " ms; bcm lightning info: "
                + info.took().toMillis() + " ms");
        var list = bcm.run("backup", "list", "--output=json");
        assertThat(list.out()).contains(newest.toString()).contains("emergency.recover");
        var verified = bcm.run("backup", "verify");
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.out()).contains("good: " + newest);

        // restore: the node gets the backup as its emergency.recover and runs its recovery
        cluster.writeFile("bcm-bitcoin-01", "lightning_cln", SCB, scb(9));
        var restored = bcm.run("backup", "restore");
        assertThat(restored.exitCode()).as(restored.toString()).isZero();
        assertThat(restored.out()).contains("\"standin_sha256\" : \"" + org.bcm.core.Sha256.hex(scb(3)) + "\"");
    }

    @Test
    @Order(6)
    void removeKeepsTheChainAndDestroyLeavesNothing() throws Exception {
        var removed = bcm.run("project", "remove", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(removed.exitCode()).as(removed.toString()).isZero();
        try (DockerClient docker = cluster.docker("bcm-bitcoin-01")) {
            assertThat(docker.listVolumesCmd().exec().getVolumes()).extracting(v -> v.getName()).contains("bitcoin_bitcoin-data", "lightning_cln-data");
        }
        var destroyed = bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        assertThat(destroyed.exitCode()).as(destroyed.toString()).isZero();
        assertThat(new String(Files.readAllBytes(home.resolve("projects/" + PROJECT + "/project.yml")), StandardCharsets.UTF_8))
                .contains("PRUNE: \"550\"");
    }
}
