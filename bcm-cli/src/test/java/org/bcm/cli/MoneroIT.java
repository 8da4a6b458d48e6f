package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end with the REAL monerod (Debian 12's package, in the image bcm builds), offline on regtest:
 * the monero stack deployed beside the gateway; its restricted RPC answers on the overlay network, from
 * another tier host, with the login bcm generated and refuses a wrong one; blocks made with
 * {@code generateblocks} on the node's own RPC raise the height {@code bcm stack list} reports; nothing
 * is published on the tier hosts; a no-op redeploy changes nothing; {@code project remove} keeps the volume.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MoneroIT {

    private static final String CLUSTER = "itxmr";
    private static final String PROJECT = "itx";
    /** The Monero project's published donation address: valid on mainnet and so on regtest (monerod's fakechain takes mainnet's addresses). */
    private static final String ADDRESS = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
    private static Path dir;
    private static Path home;
    private static BcmProcess bcm;
    private static ClusterEngines cluster;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("bcm-it-monero");
        home = dir.resolve("home");
        bcm = new BcmProcess(home, Map.of("BCM_CACHE_DIR", Path.of(System.getProperty("user.home"), ".bcm", "cache").toString(),
                "BCM_SOCKS_PROXY", "none"));
        cluster = new ClusterEngines(home, CLUSTER, PROJECT);
        bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        }
        org.bcm.core.home.BcmHome.deleteTree(dir);
    }

    /** get_info over the overlay network from the kafka tier host, with {@code login} (digest authentication): curl's output and HTTP code. */
    private static String getInfoFromAnotherHost(String login) throws Exception {
        String script = """
                printf 'user = "%s"\\n' "$LOGIN" | curl -s -o /tmp/answer -w '%{http_code}' --digest -K - -H 'Content-Type: application/json' \\
                  --data-binary '{"jsonrpc":"2.0","id":"0","method":"get_info"}' http://monerod:18089/json_rpc
                echo; cat /tmp/answer
                """;
        return cluster.runOnOverlay("bcm-kafka-01", "monero_monero", cluster.image("monero_monerod"), script, Map.of("LOGIN", login));
    }

    private static String login() throws Exception {
        return "monero:" + Files.readString(home.resolve("projects/" + PROJECT + "/secrets/monero/rpc_password"));
    }

    @Test
    @Order(1)
    void monerodAnswersItsRestrictedRpcWithTheGeneratedLoginOnly() throws Exception {
        assertThat(bcm.run("cluster", "create", "--cluster-name=" + CLUSTER).exitCode()).isZero();
        var created = bcm.run("project", "create", "--project-name=" + PROJECT, "--chain=regtest", "--stacks=gateway,monero");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        var deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        assertThat(deployed.out()).contains("created service monero_monerod");
        System.out.println("deploy of gateway and monero: " + deployed.took().toMillis() + " ms");

        String ok = getInfoFromAnotherHost(login());
        assertThat(ok).startsWith("200").contains("\"status\": \"OK\"").contains("\"nettype\": \"fakechain\"");
        assertThat(getInfoFromAnotherHost("monero:wrong")).startsWith("401");

        try (DockerClient docker = cluster.docker("bcm-gateway-01")) {
            var service = docker.listServicesCmd().withNameFilter(List.of("monero_monerod")).exec().get(0);
            var ports = service.getSpec().getEndpointSpec() == null ? null : service.getSpec().getEndpointSpec().getPorts();
            assertThat(ports == null ? List.of() : ports).as("nothing published on the tier hosts").isEmpty();
        }
    }

    @Test
    @Order(2)
    void generatedBlocksRaiseTheHeightBcmReports() throws Exception {
        cluster.shell("bcm-bitcoin-01", "monero_monerod",
                "bcm-monerod-rpc generateblocks '{\"amount_of_blocks\":5,\"wallet_address\":\"" + ADDRESS + "\"}'");
        String info = cluster.shell("bcm-bitcoin-01", "monero_monerod", "bcm-monerod-rpc get_info");
        assertThat(info).containsPattern("\"height\": 6\\b");
        // bcm stack list reads monerod's last healthcheck (every 15 s)
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(3))
                .until(() -> bcm.run("stack", "list", "--cluster-name=" + CLUSTER).out().contains("monero: fakechain, height 6"));
    }

    @Test
    @Order(3)
    void aRedeployWithNothingChangedChangesNothingAndRemoveKeepsTheChain() throws Exception {
        Map<String, Long> before = cluster.serviceVersions();
        var again = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("nothing to do");
        assertThat(cluster.serviceVersions()).isEqualTo(before);

        var removed = bcm.run("project", "remove", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(removed.exitCode()).as(removed.toString()).isZero();
        try (DockerClient docker = cluster.docker("bcm-bitcoin-01")) {
            assertThat(docker.listVolumesCmd().exec().getVolumes()).extracting(v -> v.getName()).contains("monero_monero-data");
        }
    }
}
