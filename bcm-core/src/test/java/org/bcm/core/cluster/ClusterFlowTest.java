package org.bcm.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bcm.core.BcmFailures.failure;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.core.port.FakeEndpoint;
import org.bcm.core.port.FakeLxd;
import org.bcm.core.port.FakeSwarm;
import org.bcm.lxd.Instance;
import org.bcm.lxd.LxdException;
import org.bcm.swarm.DockerEngineException;
import org.bcm.swarm.SwarmNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster commands' flows against an in-memory LXD and swarm ({@link FakeLxd}, {@link FakeSwarm}):
 * what a create builds, that reruns converge (also after a create killed at several points), and
 * every conflict and error path, each ending in one {@link BcmException} and no open connection.
 */
class ClusterFlowTest {

    static final String LXD_PROJECT = "bcm-t1";
    static final List<String> HOSTS = List.of("bcm-gateway-01", "bcm-kafka-01", "bcm-bitcoin-01");

    @TempDir
    Path dir;
    FakeEndpoint endpoint;
    FakeLxd lxd;
    FakeSwarm swarm;
    ClusterService clusters;
    ClusterStore store;
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void setUp() {
        endpoint = new FakeEndpoint(dir.resolve("cache"));
        lxd = endpoint.lxd;
        swarm = endpoint.swarm;
        store = new ClusterStore(new BcmHome(dir.resolve("home")));
        clusters = new ClusterService(store, endpoint.ports(), FakeEndpoint.FAST, (step, message) -> progress.add(step + ": " + message));
    }

    @AfterEach
    void everyConnectionClosed() {
        assertThat(endpoint.everyConnectionClosed()).as("LXD and Docker connections left open").isTrue();
    }


    /** The cluster as a correct create leaves it. */
    void assertConverged() {
        assertThat(lxd.objects()).contains("LXD project " + LXD_PROJECT, "network bcm-t1", "storage pool bcm-t1",
                "profile " + LXD_PROJECT + "/bcm-tier-host");
        assertThat(lxd.instanceNames(LXD_PROJECT)).containsExactlyElementsOf(HOSTS);
        for (String host : HOSTS) {
            Instance instance = lxd.instance(LXD_PROJECT, host).orElseThrow();
            assertThat(instance.running()).as(host).isTrue();
            assertThat(instance.config()).containsEntry(ClusterLayout.CLUSTER_LABEL, "t1");
            assertThat(instance.devices().get("docker")).containsEntry("connect", "unix:/run/docker.sock")
                    .containsEntry("listen", "unix:" + dir.resolve("home/clusters/t1/docker/" + host + ".sock"));
            assertThat(instance.devices().containsKey("registry")).as(host + " forwards the registry").isEqualTo(!host.contains("gateway"));
            if (!host.contains("kafka")) {
                assertThat(instance.devices().get("kafka")).as(host + " forwards Kafka's HOST listener")
                        .containsEntry("listen", "tcp:127.0.0.1:9094").containsEntry("bind", "instance")
                        .hasEntrySatisfying("connect", connect -> assertThat(connect).matches("tcp:[0-9.]+:9094"));
            } else {
                assertThat(instance.devices()).doesNotContainKey("kafka");
            }
        }
        assertThat(swarm.nodeList()).hasSize(3).allMatch(SwarmNode::isReady);
        assertThat(swarm.nodeList()).extracting(n -> n.labels().get("bcm.tier")).containsExactlyInAnyOrder("gateway", "kafka", "bitcoin");
        assertThat(swarm.nodeList()).filteredOn(SwarmNode::isManager).extracting(SwarmNode::hostname).containsExactly("bcm-gateway-01");
    }

    @Test
    void createBuildsTheClusterAndARerunChangesNothing() {
        ClusterDefinition definition = clusters.create("t1", ClusterService.Placement.local());
        assertThat(definition.subnet()).matches("172\\.(2[7-9]|3[01])\\.\\d+\\.0/24");
        assertConverged();
        assertThat(store.activeCluster()).contains("t1");
        assertThat(progress).anyMatch(line -> line.startsWith("cluster: cluster 't1' is up"));

        int lxdCalls = lxd.calls.size();
        int swarmCalls = swarm.calls.size();
        assertThat(clusters.create("t1", ClusterService.Placement.local())).isEqualTo(definition);
        assertThat(lxd.calls).as("a rerun sends LXD nothing").hasSize(lxdCalls);
        assertThat(swarm.calls).as("a rerun sends the swarm nothing").hasSize(swarmCalls);
    }

    @Test
    void aCreateKilledAtAnyStepIsFinishedByTheNext() {
        lxd.failNext("createInstance", "bcm-kafka-01", new LxdException("connection reset", 0));
        failure(Kind.INTERNAL, () -> clusters.create("t1", ClusterService.Placement.local()));
        assertThat(lxd.instanceNames(LXD_PROJECT)).containsExactly("bcm-gateway-01");

        lxd.failNext("changeState start", "bcm-bitcoin-01", new LxdException("connection reset", 0));
        failure(Kind.INTERNAL, () -> clusters.create("t1", ClusterService.Placement.local()));

        swarm.failNext("joinSwarm", "bcm-bitcoin-01", new DockerEngineException("joining: connection reset", 0, "unix:///fake", null, null));
        failure(Kind.DOCKER_FAILED, () -> clusters.create("t1", ClusterService.Placement.local()));

        lxd.addLeftOverOperation(LXD_PROJECT, "Starting instance");
        clusters.create("t1", ClusterService.Placement.local());
        assertConverged();
        assertThat(progress).anyMatch(line -> line.contains("operation(s) of an earlier run"));
    }

    @Test
    void aWorkerInAnotherSwarmLeavesItAndAStaleNodeIsRemoved() {
        clusters.create("t1", ClusterService.Placement.local());
        // the bitcoin host's daemon is made to leave (as if its instance was rebuilt): its old node stays, down
        try (var daemon = swarm.connector().apply(Path.of("bcm-bitcoin-01.sock"))) {
            daemon.leaveSwarm(true);
        }
        clusters.create("t1", ClusterService.Placement.local());
        assertConverged();
        assertThat(progress).anyMatch(line -> line.contains("removing stale node bcm-bitcoin-01"));
    }

    @Test
    void namesTakenByForeignObjectsAreAConflictAndNothingIsCreated() {
        lxd.addForeignNetwork("bcm-t1");
        BcmException e = failure(Kind.CONFLICT, () -> clusters.create("t1", ClusterService.Placement.local()));
        assertThat(e.getMessage()).contains("network 'bcm-t1'");
        assertThat(lxd.calls).isEmpty();
        assertThat(store.load("t1")).isEmpty();
    }

    @Test
    void badInputAndUnreachableOrUntrustingLxdEndInOneError() {
        failure(Kind.INVALID_INPUT, () -> clusters.create("Bad_Name", ClusterService.Placement.local()));
        failure(Kind.INVALID_INPUT, () -> clusters.create("t1", new ClusterService.Placement("aws", null, null, null)));
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t1", new ClusterService.Placement("lxd", null, "t", null)))
                .getMessage()).contains("--provider=lxd needs --endpoint");
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t1",
                new ClusterService.Placement("lxd", "http://10.0.0.1:8443", "t", null))).getMessage()).contains("Invalid --endpoint");
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t1",
                new ClusterService.Placement("lxd", "https://10.0.0.1", null, null))).getMessage()).contains("needs --trust-token");
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t1",
                new ClusterService.Placement("lxd", "https://10.0.0.1", "bm90IGEgdG9rZW4=", null))).getMessage())
                .contains("Invalid --trust-token").doesNotContain("bm90IGEgdG9rZW4=");
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t1", new ClusterService.Placement("ssh", null, null, null)))
                .getMessage()).contains("--provider=ssh needs --hostname");
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t1", new ClusterService.Placement("ssh", null, null,
                new SshLogin("-oProxyCommand=x", null, 0, null, null, null, null)))).getMessage()).contains("Invalid --hostname");
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t1", new ClusterService.Placement("ssh", null, null,
                new SshLogin("lexx", "a b", 0, null, null, null, null)))).getMessage()).contains("Invalid --ssh-user");
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t1", new ClusterService.Placement("local", null, null,
                new SshLogin("lexx", null, 0, null, null, null, null)))).getMessage()).contains("are for a remote endpoint");
        assertThat(store.load("t1")).isEmpty();
        lxd.answering(false);
        assertThat(failure(Kind.LXD_UNAVAILABLE, () -> clusters.create("t1", ClusterService.Placement.local())).hint()).contains("install and start LXD");
        lxd.answering(true);
        lxd.auth("untrusted");
        failure(Kind.LXD_UNAVAILABLE, () -> clusters.list());
        assertThat(lxd.calls).isEmpty();
    }

    @Test
    void anInstanceWithoutAnAddressOrADaemonThatDoesNotAnswerTimesOutNamingIt() {
        lxd.addresses(false);
        assertThat(failure(Kind.TIMEOUT, () -> clusters.create("t1", ClusterService.Placement.local())).getMessage())
                .contains("bcm-gateway-01 has no IPv4 address");
        lxd.addresses(true);
        swarm.silent("bcm-kafka-01", true);
        assertThat(failure(Kind.DOCKER_FAILED, () -> clusters.create("t1", ClusterService.Placement.local())).getMessage())
                .contains("The Docker daemon in bcm-kafka-01 does not answer");
        swarm.silent("bcm-kafka-01", false);
        clusters.create("t1", ClusterService.Placement.local());
        assertConverged();
    }

    @Test
    void verifyReportsEachFailingPiece() {
        clusters.create("t1", ClusterService.Placement.local());
        assertThat(clusters.verify("t1").checks()).allMatch(VerifyReport.Check::passed);

        swarm.silent("bcm-kafka-01", true);
        lxd.setStatus(LXD_PROJECT, "bcm-bitcoin-01", "Stopped");
        Map<String, Boolean> checks = new java.util.TreeMap<>();
        clusters.verify("t1").checks().forEach(c -> checks.put(c.subject(), c.passed()));
        assertThat(checks).containsEntry("dockerd bcm-kafka-01", false).containsEntry("instance bcm-bitcoin-01", false)
                .containsEntry("swarm node bcm-gateway-01", true).containsEntry("swarm node bcm-kafka-01", false);

        lxd.answering(false);
        assertThat(clusters.verify("t1").checks()).singleElement().matches(c -> !c.passed() && c.subject().equals("lxd"));
        failure(Kind.NOT_FOUND, () -> clusters.verify("nothere"));
    }

    @Test
    void showAndListReportTheInstancesGatewayFirst() {
        clusters.create("t1", ClusterService.Placement.local());
        ClusterStatus status = clusters.show("t1");
        assertThat(status.instances()).extracting(ClusterStatus.InstanceStatus::name).containsExactlyElementsOf(HOSTS);
        assertThat(status.instances()).allMatch(i -> i.ipv4() != null && i.running());
        assertThat(status.active()).isTrue();
        assertThat(clusters.list()).extracting(ClusterStatus::name).containsExactly("t1");
        failure(Kind.NOT_FOUND, () -> clusters.show("other"));
    }

    @Test
    void theEnginesOfAStoppedClusterAreRefusedNamingTheHost() {
        clusters.create("t1", ClusterService.Placement.local());
        try (Engines engines = clusters.engines("t1")) {
            assertThat(engines.engines()).containsOnlyKeys(HOSTS);
            assertThat(engines.gatewayAddress()).isNotNull();
        }
        clusters.stop("t1");
        assertThat(HOSTS).allMatch(h -> !lxd.instance(LXD_PROJECT, h).orElseThrow().running());
        assertThat(failure(Kind.DOCKER_FAILED, () -> clusters.engines("t1")).getMessage()).contains("bcm-gateway-01");
        failure(Kind.NOT_FOUND, () -> clusters.engines("other"));
        failure(Kind.NOT_FOUND, () -> clusters.stop("other"));
        clusters.create("t1", ClusterService.Placement.local());
        assertConverged();
    }

    @Test
    void destroyRemovesEverythingLabelledEvenOfAHalfMadeCluster() {
        lxd.failNext("createInstance", "bcm-bitcoin-01", new LxdException("killed", 0));
        failure(Kind.INTERNAL, () -> clusters.create("t1", ClusterService.Placement.local()));
        List<String> removed = clusters.destroy("t1");
        assertThat(removed).contains("instance bcm-gateway-01", "instance bcm-kafka-01", "profile bcm-tier-host",
                "LXD project bcm-t1", "network bcm-t1", "storage pool bcm-t1");
        assertThat(lxd.objects()).isEmpty();
        assertThat(store.load("t1")).isEmpty();
        failure(Kind.NOT_FOUND, () -> clusters.destroy("t1"));
    }

    @Test
    void aDestroyThatFailsHalfWayIsFinishedByTheNext() {
        clusters.create("t1", ClusterService.Placement.local());
        lxd.failNext("deleteInstance", "bcm-kafka-01", new LxdException("busy", 500));
        failure(Kind.INTERNAL, () -> clusters.destroy("t1"));
        assertThat(store.load("t1")).as("the definition stays until LXD is clean").isPresent();
        clusters.destroy("t1");
        assertThat(lxd.objects()).isEmpty();
    }

    @Test
    void twoClustersShareTheEndpointWithoutClashing() {
        clusters.create("t1", ClusterService.Placement.local());
        ClusterDefinition second = clusters.create("t2", ClusterService.Placement.local());
        assertThat(second.subnet()).isNotEqualTo(store.load("t1").orElseThrow().subnet());
        assertThat(lxd.instanceNames("bcm-t2")).containsExactlyElementsOf(HOSTS);
        clusters.destroy("t2");
        assertThat(lxd.instanceNames(LXD_PROJECT)).containsExactlyElementsOf(HOSTS);
    }

    @Test
    void addEndpointRefusesBadInputBeforeAnythingChanges() {
        failure(Kind.NOT_FOUND, () -> clusters.addEndpoint("t1", "nuc2", new ClusterService.Placement("ssh", null, null, null), null, null));
        clusters.create("t1", ClusterService.Placement.local());
        ClusterDefinition before = store.load("t1").orElseThrow();
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.addEndpoint("t1", "first", ClusterService.Placement.local(), null, null))
                .getMessage()).contains("Invalid endpoint name 'first'");
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.addEndpoint("t1", "nuc2", ClusterService.Placement.local(), null, null))
                .getMessage()).contains("remote LXD");
        failure(Kind.INVALID_INPUT, () -> clusters.addEndpoint("t1", "nuc2", new ClusterService.Placement("lxd", "https://10.0.0.2:8443", null, null),
                null, "bad/iface"));
        failure(Kind.INVALID_INPUT, () -> clusters.addEndpoint("t1", "nuc2", new ClusterService.Placement("lxd", "https://10.0.0.2:8443", null, null),
                Map.of(Tier.BITCOIN, 0), null));
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.addEndpoint("t1", "nuc2",
                new ClusterService.Placement(null, "https://10.0.0.2:8443", null, null), null, null)).getMessage())
                .as("provider lxd from --endpoint; no pin yet and no token").contains("--trust-token");
        failure(Kind.NOT_FOUND, () -> clusters.removeEndpoint("t1", "nuc2"));
        assertThat(clusters.cullCandidates("t1").isEmpty()).isTrue();
        assertThat(store.load("t1")).contains(before);
        assertThat(dir.resolve("home/clusters/t1/endpoints")).as("no pin of an endpoint that never joined").doesNotExist();
    }

    @Test
    void withALanInterfaceTheSwarmRunsOnTheTierHostsLanAddressesAndARerunKeepsIt() {
        ClusterDefinition definition = clusters.create("t1", ClusterService.Placement.local(), "enp3s0");
        assertThat(definition.lanInterface()).isEqualTo("enp3s0");
        assertConverged();
        assertThat(lxd.profile(LXD_PROJECT, "bcm-tier-host").orElseThrow().devices().get("eth1"))
                .containsEntry("nictype", "macvlan").containsEntry("parent", "enp3s0").containsEntry("name", "eth1");
        for (String host : HOSTS) {
            assertThat(lxd.file(LXD_PROJECT, host, "/etc/systemd/network/20-eth1.network")).as(host + ": DHCP on eth1, no default route")
                    .hasValueSatisfying(file -> assertThat(file).contains("Name=eth1").contains("UseGateway=false"));
            assertThat(lxd.instance(LXD_PROJECT, host).orElseThrow().devices().get("kafka") == null
                    || lxd.instance(LXD_PROJECT, host).orElseThrow().devices().get("kafka").get("connect").startsWith("tcp:172."))
                    .as(host + ": forwarding stays on the bridge").isTrue();
        }
        assertThat(swarm.nodeList()).as("advertised on the LAN").allMatch(n -> n.address().startsWith("192.168.50."));
        assertThat(swarm.nodeList()).as("the cluster network's address, for the stacks' BCM_TIER_*_ADDRESS")
                .allMatch(n -> ClusterLayout.clusterAddress(n).startsWith("172.") && n.labels().containsKey("bcm.address"));

        int swarmCalls = swarm.calls.size();
        assertThat(clusters.create("t1", ClusterService.Placement.local())).as("a rerun keeps it").isEqualTo(definition);
        assertThat(swarm.calls).hasSize(swarmCalls);
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t1", ClusterService.Placement.local(), "eth9")).getMessage())
                .contains("formed its swarm on enp3s0");
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.create("t2", ClusterService.Placement.local(), "bad/iface")).getMessage())
                .contains("Invalid --parent-interface");
        assertThat(store.load("t1")).contains(definition);
    }

    @Test
    void cullTakesADownTierHostThatIsItsTiersLastAndLowersTheCount() {
        clusters.create("t1", ClusterService.Placement.local());
        ClusterDefinition one = store.load("t1").orElseThrow();
        Map<Tier, Integer> two = new java.util.EnumMap<>(one.hostsPerTier());
        two.put(Tier.BITCOIN, 2);
        store.save(one.withHostsPerTier(two));
        clusters.create("t1", ClusterService.Placement.local());
        assertThat(clusters.cullCandidates("t1").isEmpty()).isTrue();

        // bcm-bitcoin-02 goes down: its instance stops, and its node with it
        lxd.setStatus(LXD_PROJECT, "bcm-bitcoin-02", "Stopped");
        try (var daemon = swarm.connector().apply(Path.of("bcm-bitcoin-02.sock"))) {
            daemon.leaveSwarm(true);
        }
        CullPlan plan = clusters.cullCandidates("t1");
        assertThat(plan.endpoints()).isEmpty();
        assertThat(plan.tierHosts()).containsExactly("bcm-bitcoin-02");
        assertThat(clusters.cull("t1", plan)).contains("instance bcm-bitcoin-02", "swarm node bcm-bitcoin-02");
        assertThat(store.load("t1").orElseThrow().hostsPerTier()).containsEntry(Tier.BITCOIN, 1);
        assertConverged();
        assertThat(failure(Kind.INVALID_INPUT, () -> clusters.cull("t1", plan)).getMessage()).contains("bcm-bitcoin-02");

        lxd.setStatus(LXD_PROJECT, "bcm-bitcoin-01", "Stopped");
        assertThat(clusters.cullCandidates("t1").isEmpty()).as("a tier's first host on the first endpoint: create restarts it").isTrue();
    }

    @Test
    void managersArePromotedAndDemotedToTheWantedSetAndAManagerIsDemotedBeforeItIsRemoved() {
        clusters.create("t1", ClusterService.Placement.local());
        SwarmBootstrap bootstrap = new SwarmBootstrap(new ClusterLayout("t1"), store.home(), FakeEndpoint.FAST, (step, message) -> progress.add(message));
        try (var manager = swarm.connector().apply(Path.of("bcm-gateway-01.sock"))) {
            bootstrap.convergeManagers(manager, List.of("bcm-gateway-01", "bcm-kafka-01", "bcm-bitcoin-01"));
            assertThat(swarm.nodeList()).allMatch(SwarmNode::isManager);
            int calls = swarm.calls.size();
            bootstrap.convergeManagers(manager, List.of("bcm-gateway-01", "bcm-kafka-01", "bcm-bitcoin-01"));
            assertThat(swarm.calls).as("nothing to change").hasSize(calls);

            bootstrap.convergeManagers(manager, List.of("bcm-gateway-01"));
            assertThat(swarm.nodeList()).filteredOn(SwarmNode::isManager).extracting(SwarmNode::hostname).containsExactly("bcm-gateway-01");

            bootstrap.convergeManagers(manager, List.of("bcm-gateway-01", "bcm-kafka-01", "bcm-bitcoin-01"));
            SwarmNode kafka = swarm.nodeList().stream().filter(n -> n.hostname().equals("bcm-kafka-01")).findFirst().orElseThrow();
            SwarmBootstrap.removeNode(manager, kafka);
            assertThat(swarm.nodeList()).extracting(SwarmNode::hostname).doesNotContain("bcm-kafka-01");
        }
    }
}
