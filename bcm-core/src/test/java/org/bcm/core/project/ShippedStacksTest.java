package org.bcm.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.IdentityService;
import org.bcm.swarm.StackSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped gateway, bitcoin and electrum stacks read together as a deploy reads them, on every
 * chain: the services, networks and secrets the swarm would get (no cluster needed).
 */
class ShippedStacksTest {

    @TempDir
    Path dir;

    private ProjectSecrets secrets() {
        BcmHome home = new BcmHome(dir);
        return new ProjectSecrets(home, new IdentityService(home), () -> {
            throw new AssertionError("no device without an identity");
        });
    }

    private ProjectService service() {
        return new ProjectService(new ProjectStore(new BcmHome(dir)), secrets(), null, (step, message) -> { });
    }

    private StackPreparer preparer() {
        return new StackPreparer(new ProjectStore(new BcmHome(dir)), secrets());
    }

    private static StackSpec stack(StackPreparer.PreparedProject plan, String name) {
        return plan.stacks().stream().filter(p -> p.stack().name().equals(name)).findFirst().orElseThrow().spec();
    }

    private static String content(StackSpec spec, String secret) {
        return new String(spec.secrets().get(secret).content().bytes().get(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"regtest", "signet", "testnet", "mainnet"})
    void theBitcoinAndElectrumStacksReadOnEveryChain(String chain) {
        ProjectService service = service();
        ProjectDefinition project = service.create("btc", chain, List.of("gateway", "bitcoin", "electrum"), Map.of());
        assertThat(project.stacks().get("bitcoin")).containsEntry("PRUNE", "0");
        StackPreparer.PreparedProject plan = preparer().prepare(project, ClusterVariables.unknown());
        assertThat(plan.stacks()).extracting(p -> p.stack().name()).containsExactly("gateway", "bitcoin", "electrum");

        StackSpec bitcoin = stack(plan, "bitcoin");
        StackSpec.Service bitcoind = bitcoin.services().get("bitcoind");
        assertThat(bitcoind.image()).matches("127\\.0\\.0\\.1:5000/bcm/bitcoind:[0-9a-f]{12}");
        assertThat(bitcoind.command()).containsExactly("-datadir=/data", "-conf=/run/secrets/bitcoin.conf");
        assertThat(bitcoind.ports()).as("nothing published on the tier hosts").isEmpty();
        assertThat(bitcoind.deploy().constraints()).containsExactly("node.labels.bcm.tier == bitcoin");
        assertThat(bitcoin.services().get("rpcproxy").deploy().replicas()).as("no proxy in front of an unpruned node").isZero();
        assertThat(bitcoin.networks().get("tor").externalName()).isEqualTo("gateway_tor");
        assertThat(bitcoin.secrets().get("bitcoin_conf").content().suffix()).matches("[0-9a-f]{8}");
        String conf = content(bitcoin, "bitcoin_conf");
        assertThat(conf).contains("txindex=1\n").containsPattern("(?m)^rpcauth=electrum:[0-9a-f]{32}\\$[0-9a-f]{64}$");

        StackSpec electrum = stack(plan, "electrum");
        assertThat(electrum.services().get("fulcrum").ports()).isEmpty();
        assertThat(electrum.networks().get("bitcoin").externalName()).isEqualTo("bitcoin_rpc");
        assertThat(content(electrum, "fulcrum_conf")).contains("bitcoind = bitcoind:", "rpcuser = electrum\n");
        assertThat(content(electrum, "tls_cert")).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void aPrunedNodeRunsTheProxyAndAnElectrumServerRefusesIt() {
        ProjectService service = service();
        ProjectDefinition pruned = service.create("pruned", "regtest", List.of("gateway", "bitcoin"), Map.of("bitcoin.PRUNE", "550"));
        StackPreparer.PreparedProject plan = preparer().prepare(pruned, ClusterVariables.unknown());
        StackSpec bitcoin = stack(plan, "bitcoin");
        assertThat(bitcoin.services().get("rpcproxy").deploy().replicas()).isEqualTo(1);
        assertThat(content(bitcoin, "rpcproxy_conf")).contains("upstream=http://bitcoind:18443\n", "upstream-user=rpcproxy\n");
        assertThat(content(bitcoin, "bitcoin_conf")).contains("prune=550\n").containsPattern("(?m)^rpcauth=rpcproxy:");

        assertThatThrownBy(() -> service.create("both", "regtest", List.of("gateway", "bitcoin", "electrum"), Map.of("bitcoin.PRUNE", "550")))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.getMessage()).contains("electrum needs an unpruned node"));
        service.create("later", "regtest", List.of("gateway", "bitcoin", "electrum"), Map.of());
        assertThatThrownBy(() -> service.set("later", "bitcoin.PRUNE", "550"))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.getMessage()).contains("bitcoin.PRUNE is 550"));
        assertThatThrownBy(() -> service.set("later", "bitcoin.PRUNE", "100")).hasMessageContaining("bitcoin.PRUNE cannot be '100'");
    }

    @Test
    void aChangedSettingChangesOnlyTheBitcoindConfiguration() {
        ProjectService service = service();
        service.create("btc", "regtest", List.of("gateway", "bitcoin"), Map.of());
        StackPreparer.PreparedProject before = preparer().prepare(service.set("btc", "bitcoin.DBCACHE", "100"), ClusterVariables.unknown());
        StackPreparer.PreparedProject after = preparer().prepare(service.set("btc", "bitcoin.DBCACHE", "200"), ClusterVariables.unknown());
        assertThat(stack(after, "bitcoin").secrets().get("bitcoin_conf").content().suffix())
                .isNotEqualTo(stack(before, "bitcoin").secrets().get("bitcoin_conf").content().suffix());
        assertThat(stack(after, "bitcoin").secrets().get("rpcproxy_conf").content().suffix())
                .isEqualTo(stack(before, "bitcoin").secrets().get("rpcproxy_conf").content().suffix());
        assertThat(stack(after, "gateway").secrets().get("registry_htpasswd").content().suffix())
                .isEqualTo(stack(before, "gateway").secrets().get("registry_htpasswd").content().suffix());
    }

    /**
     * The bitcoin.conf bcm writes starts the bitcoind stand-in, which refuses what Core refuses (an
     * unknown option, a network-only option outside the chain's section, prune with txindex) and
     * stops at SIGTERM with exit code 0. On 127.0.0.1 and a free port (the command line overrides the
     * file, as Core's does).
     */
    @ParameterizedTest
    @ValueSource(strings = {"regtest", "signet", "testnet", "mainnet"})
    void theGeneratedBitcoinConfStartsTheBitcoindStandIn(String chain) throws Exception {
        ProjectService service = service();
        ProjectDefinition project = service.create("btc", chain, List.of("gateway", "bitcoin", "electrum"), Map.of());
        Path conf = dir.resolve("bitcoin.conf");
        java.nio.file.Files.write(conf, stack(preparer().prepare(project, ClusterVariables.unknown()), "bitcoin").secrets().get("bitcoin_conf").content().bytes().get());
        Path datadir = java.nio.file.Files.createDirectories(dir.resolve("data"));
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        ProcessBuilder bitcoind = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.bcm.fixtures.bitcoind.BitcoindMain",
                "-datadir=" + datadir, "-conf=" + conf, "-rpcbind=127.0.0.1", "-rpcport=" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("bitcoind.log").toFile());
        bitcoind.environment().put("BCM_STANDIN_WARMUP_MS", "0");
        Process process = bitcoind.start();
        try {
            String chainDir = chain.equals("mainnet") ? "" : chain.equals("testnet") ? "testnet4/" : chain + "/";
            Path cookie = datadir.resolve(chainDir + ".cookie");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).pollInterval(java.time.Duration.ofMillis(50))
                    .until(() -> java.nio.file.Files.exists(cookie) || !process.isAlive());
            assertThat(cookie).as(java.nio.file.Files.readString(dir.resolve("bitcoind.log"))).exists();
        } finally {
            process.destroy();
            assertThat(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        assertThat(process.exitValue()).as(java.nio.file.Files.readString(dir.resolve("bitcoind.log"))).isZero();
    }
}
