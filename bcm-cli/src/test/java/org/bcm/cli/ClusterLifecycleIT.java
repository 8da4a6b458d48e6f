package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bcm.lxd.Instance;
import org.bcm.lxd.LxdClient;
import org.bcm.lxd.Project;
import org.bcm.lxd.ProjectSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end, through the built {@code bcm} launcher, on the real LXD daemon with real Docker daemons
 * inside real system containers: create, verify, converge, stop, destroy, and recovery from a create
 * killed half-way. The first run on a machine also builds the base image (a few minutes).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLifecycleIT {

    private static final String CLUSTER = "itest";
    private static Path home;
    private static BcmProcess bcm;
    private static LxdClient lxd;

    @BeforeAll
    static void setUp() throws Exception {
        home = Files.createTempDirectory("bcm-it");
        bcm = new BcmProcess(home);
        lxd = LxdClient.connectLocal();
        // A crashed earlier run may have left the clusters this test uses.
        for (String leftover : List.of(CLUSTER, "itconf")) {
            bcm.run("cluster", "destroy", "--cluster-name=" + leftover);
        }
        lxd.project("bcm-itconf").ifPresent(p -> lxd.deleteProject(p.name()));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        }
        if (lxd != null) {
            lxd.project("bcm-itconf").ifPresent(p -> lxd.deleteProject(p.name()));
            lxd.close();
        }
        // The temporary bcm home may hold a base image cache of several hundred MiB.
        org.bcm.core.home.BcmHome.deleteTree(home);
        Files.deleteIfExists(Path.of(home + ".out"));
        Files.deleteIfExists(Path.of(home + ".err"));
    }

    @Test
    @Order(1)
    void badInputEndsWithOneMessageAndItsExitCode() throws Exception {
        var invalid = bcm.run("cluster", "create", "--cluster-name=Not_Valid");
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(invalid.err()).contains("Invalid cluster name 'Not_Valid'").doesNotContain("Exception");

        var provider = bcm.run("cluster", "create", "--cluster-name=x", "--provider=aws");
        assertThat(provider.exitCode()).isEqualTo(2);
        assertThat(provider.err()).contains("Unknown provider 'aws'");

        var noLxd = bcm.run(Map.of("LXD_DIR", home.resolve("no-lxd-here").toString()), "cluster", "list");
        assertThat(noLxd.exitCode()).isEqualTo(5);
        assertThat(noLxd.err()).contains("LXD is not reachable").contains("hint:").doesNotContain("Exception");

        var missing = bcm.run("show", "--cluster-name=nosuch");
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(missing.err()).contains("Cluster 'nosuch' does not exist");

        // A name already used by something bcm did not create: refused, and nothing is made.
        lxd.createProject(new ProjectSpec("bcm-itconf", "not bcm's", Map.of()));
        var conflict = bcm.run("cluster", "create", "--cluster-name=itconf");
        assertThat(conflict.exitCode()).isEqualTo(4);
        assertThat(conflict.err()).contains("project 'bcm-itconf'");
        assertThat(labelled("itconf")).isEmpty();
        assertThat(lxd.project("bcm-itconf")).isPresent();
        lxd.deleteProject("bcm-itconf");
    }

    @Test
    @Order(2)
    void createVerifyAndConverge() throws Exception {
        var created = bcm.run("cluster", "create", "--cluster-name=" + CLUSTER, "--provider=local");
        assertThat(created.exitCode()).as(created.toString()).isZero();

        var verified = bcm.run("cluster", "verify", "--cluster-name=" + CLUSTER);
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        for (String instance : List.of("bcm-gateway-01", "bcm-kafka-01", "bcm-bitcoin-01")) {
            assertThat(verified.out()).containsPattern("swarm node " + instance + "\\s+ok\\s+ready");
        }

        var shown = bcm.run("show", "--cluster-name=" + CLUSTER, "--output=json");
        assertThat(shown.exitCode()).isZero();
        assertThat(shown.out()).contains("\"bcm-gateway-01\"", "\"bcm-kafka-01\"", "\"bcm-bitcoin-01\"").contains("\"Running\"");

        var listed = bcm.run("cluster", "list");
        assertThat(listed.out()).containsPattern(CLUSTER + "\\s+\\*\\s+local\\s+172\\.");

        var info = bcm.run("info");
        assertThat(info.out()).contains("active cluster: " + CLUSTER).contains(home.toString());

        // Every LXD object carries the cluster and tier labels.
        LxdClient project = lxd.useProject("bcm-" + CLUSTER);
        for (Instance instance : project.instances()) {
            assertThat(instance.config()).containsEntry("user.bcm.cluster", CLUSTER).containsKey("user.bcm.tier");
        }

        // A second create changes nothing: same instances, created at the same time.
        Map<String, String> before = createdAt(project);
        var again = bcm.run("cluster", "create", "--cluster-name=" + CLUSTER, "--provider=local");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.err()).doesNotContain("creating", "joins the swarm", "initialising");
        assertThat(createdAt(project)).isEqualTo(before);
        System.out.println("BENCHMARK second create: " + again.took().toMillis() + " ms");

        // A stopped cluster fails verification, naming the piece, and create brings it back.
        var stopped = bcm.run("cluster", "stop", "--cluster-name=" + CLUSTER);
        assertThat(stopped.exitCode()).isZero();
        var failing = bcm.run("cluster", "verify", "--cluster-name=" + CLUSTER);
        assertThat(failing.exitCode()).isEqualTo(7);
        assertThat(failing.err()).contains("instance bcm-gateway-01");
        var restarted = bcm.run("cluster", "create", "--cluster-name=" + CLUSTER);
        assertThat(restarted.exitCode()).as(restarted.toString()).isZero();
        assertThat(bcm.run("cluster", "verify", "--cluster-name=" + CLUSTER).exitCode()).isZero();
    }

    @Test
    @Order(3)
    void destroyLeavesNothingLabelled() throws Exception {
        var destroyed = bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        assertThat(destroyed.exitCode()).as(destroyed.toString()).isZero();
        assertThat(labelled(CLUSTER)).isEmpty();
        assertThat(home.resolve("clusters").resolve(CLUSTER)).doesNotExist();
        assertThat(bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER).exitCode()).isEqualTo(3);
    }

    @Test
    @Order(4)
    void aCreateKilledHalfWayIsDestroyedWithoutLeftovers() throws Exception {
        killCreateOnceAnInstanceExists();
        var destroyed = bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        assertThat(destroyed.exitCode()).as(destroyed.toString()).isZero();
        assertThat(labelled(CLUSTER)).isEmpty();
    }

    @Test
    @Order(5)
    void aCreateKilledHalfWayIsCompletedByTheNextCreate() throws Exception {
        killCreateOnceAnInstanceExists();
        var completed = bcm.run("cluster", "create", "--cluster-name=" + CLUSTER);
        assertThat(completed.exitCode()).as(completed.toString()).isZero();
        assertThat(bcm.run("cluster", "verify", "--cluster-name=" + CLUSTER).exitCode()).isZero();
        assertThat(bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER).exitCode()).isZero();
        assertThat(labelled(CLUSTER)).isEmpty();
    }

    /** Starts a create and kills it (SIGKILL) as soon as LXD shows its first instance. */
    private static void killCreateOnceAnInstanceExists() throws Exception {
        Process create = bcm.start("cluster", "create", "--cluster-name=" + CLUSTER);
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !create.isAlive()
                            || lxd.project("bcm-" + CLUSTER).isPresent() && !lxd.useProject("bcm-" + CLUSTER).instances().isEmpty());
            assertThat(create.isAlive()).as("create still running when its first instance appeared").isTrue();
        } finally {
            create.destroyForcibly();
            create.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Map<String, String> createdAt(LxdClient project) {
        Map<String, String> created = new java.util.TreeMap<>();
        project.instances().forEach(i -> created.put(i.name(), String.valueOf(i.createdAt())));
        return created;
    }

    /** Every LXD object labelled with {@code cluster}: projects, instances in any project, networks, storage pools, profiles. */
    private static List<String> labelled(String cluster) {
        List<String> found = new ArrayList<>();
        for (Project project : lxd.projects()) {
            if (cluster.equals(project.config().get("user.bcm.cluster"))) {
                found.add("project " + project.name());
            }
            LxdClient inProject = lxd.useProject(project.name());
            inProject.instancesWithConfig("user.bcm.cluster", cluster).forEach(i -> found.add("instance " + i.name()));
            inProject.profiles().stream().filter(p -> cluster.equals(p.config().get("user.bcm.cluster")))
                    .forEach(p -> found.add("profile " + p.name()));
        }
        lxd.networks().stream().filter(n -> cluster.equals(n.config().get("user.bcm.cluster"))).forEach(n -> found.add("network " + n.name()));
        lxd.storagePools().stream().filter(s -> cluster.equals(s.config().get("user.bcm.cluster"))).forEach(s -> found.add("pool " + s.name()));
        return found;
    }
}
