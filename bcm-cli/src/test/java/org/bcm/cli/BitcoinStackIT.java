package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.bcm.core.release.TestRelease;
import org.bcm.fixtures.bitcoind.StandInRelease;
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
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BitcoinStackIT {

    private static final String CLUSTER = "itbtc";
    private static final String PROJECT = "itb";
    private static Path dir;
    private static Path home;
    private static BcmProcess bcm;
    private static ClusterEngines cluster;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("bcm-it-bitcoin");
        home = dir.resolve("home");
        Path cache = Path.of(System.getProperty("user.home"), ".bcm", "cache");
        bcm = new BcmProcess(home, Map.of("BCM_CACHE_DIR", cache.toString(), "BCM_SOCKS_PROXY", "none"));
        cluster = new ClusterEngines(home, CLUSTER, PROJECT);
        bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);

        // The stand-in release, signed by keys of the test, installed as Core's files are.
        Path standIn = dir.resolve("standin.tar.gz");
        StandInRelease.write(standIn, "31.1");
        TestRelease.Builder release = TestRelease.builder("Bitcoin Core", "31.1").archiveName("bitcoin-31.1-x86_64-linux-gnu.tar.gz").reproducible()
                .install("bitcoin-31.1/bin/bitcoind", "/usr/local/bin/bitcoind")
                .install("bitcoin-31.1/bin/bitcoin-cli", "/usr/local/bin/bitcoin-cli");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(standIn)); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.isFile()) {
                    release.file(entry.getName(), tar.readAllBytes());
                }
            }
        }
        TestRelease signed = release.build(dir.resolve("release"));

        // The shipped bitcoin stack, its bitcoind recipe with the stand-in's release and a JRE.
        Path shipped = Path.of("..", "stacks", "bitcoin");
        Path stack = home.resolve("stacks/bitcoin");
        Files.createDirectories(stack.resolve("images"));
        Files.copy(shipped.resolve("stack.yml"), stack.resolve("stack.yml"));
        Files.copy(shipped.resolve("images/rpcproxy.yml"), stack.resolve("images/rpcproxy.yml"));
        String recipe = Files.readString(shipped.resolve("images/bitcoind.yml"));
        int start = recipe.indexOf("\nrelease:\n");
        int end = recipe.indexOf("\n# The stack's side of the image");
        assertThat(start).isPositive();
        assertThat(end).isGreaterThan(start);
        signed.writeRecipe(stack, "bitcoind", "packages: [openjdk-17-jre-headless]\n" + recipe.substring(0, start + 1)
                + recipe.substring(end + 1) + "\n");

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

        // bcm release import: the offline way into the cache, verified.
        List<String> args = new java.util.ArrayList<>(List.of("release", "import", signed.archive().toString(), signed.checksums().toString()));
        signed.signatures().forEach(s -> args.add(s.toString()));
        BcmProcess.Result imported = bcm.run(args.toArray(String[]::new));
        assertThat(imported.exitCode()).as(imported.toString()).isZero();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
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
        var project = bcm.run("project", "create", "--project-name=" + PROJECT, "--chain=regtest", "--stacks=gateway,bitcoin,probe");
        assertThat(project.exitCode()).as(project.toString()).isZero();

        var deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        assertThat(deployed.out()).contains("created service bitcoin_bitcoind", "created service bitcoin_rpcproxy", "created service probe_idle");

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
        System.out.println("no-op redeploy of gateway, bitcoin and probe: " + again.took().toMillis() + " ms");
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
    }

    @Test
    @Order(5)
    void removeKeepsTheChainAndDestroyLeavesNothing() throws Exception {
        var removed = bcm.run("project", "remove", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(removed.exitCode()).as(removed.toString()).isZero();
        try (DockerClient docker = cluster.docker("bcm-bitcoin-01")) {
            assertThat(docker.listVolumesCmd().exec().getVolumes()).extracting(v -> v.getName()).contains("bitcoin_bitcoin-data");
        }
        var destroyed = bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        assertThat(destroyed.exitCode()).as(destroyed.toString()).isZero();
        assertThat(new String(Files.readAllBytes(home.resolve("projects/" + PROJECT + "/project.yml")), StandardCharsets.UTF_8))
                .contains("PRUNE: \"550\"");
    }
}
