package org.bcm.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bcm.core.BcmFailures.failure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.cluster.ClusterService;
import org.bcm.core.cluster.ClusterStore;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.port.FakeEndpoint;
import org.bcm.core.port.FakeSwarm;
import org.bcm.core.stack.StackCatalog;
import org.bcm.swarm.DockerEngineException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project commands' flows (plan, deploy, remove, stacks) with the shipped gateway, bitcoin and
 * electrum stacks, on a cluster in an in-memory LXD and swarm: the registry first, images pushed and
 * pinned, no-op reruns, drift in the plan, a deploy killed half-way, conflicts and failures.
 */
class ProjectFlowTest {

    private static final Duration CONVERGE = Duration.ofSeconds(1);

    @TempDir
    Path dir;
    FakeEndpoint endpoint;
    FakeSwarm swarm;
    BcmHome home;
    ClusterService clusters;
    ProjectService projects;
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void setUp() {
        endpoint = new FakeEndpoint(dir.resolve("cache"));
        swarm = endpoint.swarm;
        home = new BcmHome(dir.resolve("home"));
        clusters = new ClusterService(new ClusterStore(home), endpoint.ports(), FakeEndpoint.FAST,
                (step, message) -> progress.add(step + ": " + message));
        ProjectSecrets secrets = new ProjectSecrets(home, new IdentityService(home), () -> {
            throw new AssertionError("no device without an identity");
        });
        projects = new ProjectService(new ProjectStore(home), secrets, clusters, (step, message) -> progress.add(step + ": " + message));
        clusters.create("c1", ClusterService.Placement.local());
        // the images are in the gateway's engine already (loaded by an earlier run): nothing is built here
        StackCatalog.load(home).images().values().forEach(recipe -> swarm.addImage("bcm-gateway-01", recipe.reference()));
        projects.create("p", "regtest", List.of("gateway", "bitcoin", "electrum"), Map.of());
    }

    @AfterEach
    void everyConnectionClosed() {
        assertThat(endpoint.everyConnectionClosed()).as("LXD and Docker connections left open").isTrue();
    }


    @Test
    void theFirstDeployStartsTheRegistryPushesAndPinsTheImagesAndARerunDoesNothing() {
        DeployReport plan = projects.plan("p", "c1");
        assertThat(plan.nothingToDo()).isFalse();
        assertThat(plan.built()).as("every image is in the gateway's engine").isEmpty();
        assertThat(plan.pushed()).as("the images of the project's stacks").extracting(i -> i.replaceAll("^127\\.0\\.0\\.1:5000/bcm/(.*):[0-9a-f]{12}$", "$1"))
                .containsExactlyInAnyOrder("registry", "tor", "bitcoind", "rpcproxy", "fulcrum");
        assertThat(plan.created()).contains("service gateway_registry", "service gateway_tor", "service bitcoin_bitcoind",
                "service electrum_fulcrum", "network gateway_tor");
        assertThat(swarm.services()).as("a plan changes nothing").isEmpty();

        DeployReport deployed = projects.deploy("p", "c1", CONVERGE);
        assertThat(deployed.pushed()).containsExactlyElementsOf(plan.pushed());
        assertThat(deployed.created()).containsAll(plan.created());
        int registryStarted = swarm.calls.indexOf("bcm-gateway-01 createService gateway_registry");
        assertThat(registryStarted).as("the registry starts before the first push")
                .isGreaterThanOrEqualTo(0).isLessThan(firstIndexOf(swarm.calls, "pushImage"));
        assertThat(swarm.services().values()).allMatch(s -> s.labels().get(ProjectService.PROJECT_LABEL).equals("p"));
        assertThat(swarm.services().get("bitcoin_bitcoind").fingerprint()).as("pinned by the registry's digest")
                .contains("@" + swarm.registry().values().iterator().next().substring(0, 7));
        assertThat(new ProjectStore(home).deployments("p")).containsExactly("c1");

        int calls = swarm.calls.size();
        assertThat(projects.plan("p", "c1").nothingToDo()).isTrue();
        DeployReport again = projects.deploy("p", "c1", CONVERGE);
        assertThat(again.nothingToDo()).isTrue();
        assertThat(again.unchanged()).contains("service gateway_registry", "service bitcoin_bitcoind");
        assertThat(swarm.calls).as("a no-op deploy sends nothing").hasSize(calls);
    }

    private static int firstIndexOf(List<String> calls, String method) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).contains(" " + method + " ")) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    @Test
    void aChangedSettingIsDriftInThePlanAndTheDeployUpdatesOnlyWhatItTouches() {
        projects.deploy("p", "c1", CONVERGE);
        projects.set("p", "bitcoin.DBCACHE", "333");
        DeployReport plan = projects.plan("p", "c1");
        assertThat(plan.updated()).contains("service bitcoin_bitcoind").doesNotContain("service gateway_tor", "service gateway_registry");
        assertThat(plan.created()).anyMatch(c -> c.startsWith("secret bitcoin_bitcoin_conf-"));
        assertThat(plan.removed()).anyMatch(c -> c.startsWith("secret bitcoin_bitcoin_conf-"));
        assertThat(plan.pushed()).isEmpty();

        DeployReport deployed = projects.deploy("p", "c1", CONVERGE);
        assertThat(deployed.updated()).containsExactlyElementsOf(plan.updated());
        assertThat(deployed.removed()).containsExactlyElementsOf(plan.removed());
        assertThat(projects.plan("p", "c1").nothingToDo()).isTrue();
    }

    @Test
    void aDeployKilledHalfWayIsFinishedByTheNext() {
        String image = StackCatalog.load(home).images().values().stream().filter(r -> r.name().equals("bitcoind"))
                .findFirst().orElseThrow().reference();
        swarm.failNext("pushImage", image, new DockerEngineException("pushing: connection reset", 0, "unix:///fake", null, null));
        assertThat(failure(Kind.DOCKER_FAILED, () -> projects.deploy("p", "c1", CONVERGE)).hint()).contains("continues from what exists");
        swarm.failNext("createService", "electrum_fulcrum", new DockerEngineException("creating: connection reset", 0, "unix:///fake", null, null));
        failure(Kind.DOCKER_FAILED, () -> projects.deploy("p", "c1", CONVERGE));
        assertThat(swarm.services()).containsKey("bitcoin_bitcoind").doesNotContainKey("electrum_fulcrum");

        DeployReport finished = projects.deploy("p", "c1", CONVERGE);
        assertThat(finished.created()).containsExactly("service electrum_fulcrum");
        assertThat(projects.plan("p", "c1").nothingToDo()).isTrue();
    }

    @Test
    void aServiceWhoseTasksFailTimesOutNamingItAndItsTaskErrors() {
        swarm.failTasks("electrum_fulcrum");
        BcmException e = failure(Kind.TIMEOUT, () -> projects.deploy("p", "c1", CONVERGE));
        assertThat(e.getMessage()).contains("electrum_fulcrum: 0/1 tasks running", "task error: failed");
        assertThat(e.hint()).contains("bcm project deploy --project-name=p --cluster-name=c1");
    }

    @Test
    void aStackTheProjectNoLongerIncludesIsRemovedByThePlanAndTheDeploy() {
        projects.deploy("p", "c1", CONVERGE);
        ProjectStore store = new ProjectStore(home);
        ProjectDefinition project = store.require("p");
        Map<String, Map<String, String>> stacks = new LinkedHashMap<>(project.stacks());
        stacks.remove("electrum");
        store.save(new ProjectDefinition("p", project.chain(), stacks, project.createdAt()));

        DeployReport plan = projects.plan("p", "c1");
        assertThat(plan.removed()).contains("service electrum_fulcrum");
        assertThat(plan.created()).noneMatch(c -> c.contains("electrum"));
        assertThat(swarm.services()).containsKey("electrum_fulcrum");
        assertThat(projects.deploy("p", "c1", CONVERGE).removed()).containsExactlyElementsOf(plan.removed());
        assertThat(swarm.services()).doesNotContainKey("electrum_fulcrum");
    }

    @Test
    void aClusterRunningAnotherProjectIsAConflictForThePlanAndTheDeploy() {
        projects.deploy("p", "c1", CONVERGE);
        projects.create("q", "regtest", List.of("gateway"), Map.of());
        int calls = swarm.calls.size();
        assertThat(failure(Kind.CONFLICT, () -> projects.deploy("q", "c1", CONVERGE)).getMessage()).contains("runs project 'p'");
        failure(Kind.CONFLICT, () -> projects.plan("q", "c1"));
        assertThat(swarm.calls).hasSize(calls);
        assertThat(new ProjectStore(home).deployments("q")).isEmpty();
    }

    @Test
    void badInputAMissingOrStoppedClusterChangeNothing() throws Exception {
        int clusterCalls = swarm.calls.size();
        failure(Kind.NOT_FOUND, () -> projects.deploy("nope", "c1", CONVERGE));
        failure(Kind.NOT_FOUND, () -> projects.plan("p", "nocluster"));
        Path stack = home.root().resolve("stacks/extra/stack.yml");
        Files.createDirectories(stack.getParent());
        Files.writeString(stack, "x-bcm:\n  description: broken\nservices:\n  a: [not, a, mapping]\n");
        projects.create("r", "regtest", List.of("gateway", "extra"), Map.of());
        assertThat(failure(Kind.INVALID_INPUT, () -> projects.deploy("r", "c1", CONVERGE)).hint()).contains("nothing was deployed");
        failure(Kind.INVALID_INPUT, () -> projects.plan("r", "c1"));
        assertThat(swarm.calls).hasSize(clusterCalls);

        clusters.stop("c1");
        assertThat(failure(Kind.DOCKER_FAILED, () -> projects.deploy("p", "c1", CONVERGE)).getMessage()).contains("not running");
        assertThat(swarm.calls).hasSize(clusterCalls);
    }

    @Test
    void removeTakesEveryObjectButTheVolumesAndTheNodeStatusComesFromTheHealthcheck() {
        projects.deploy("p", "c1", CONVERGE);
        swarm.healthcheck("bcm-bitcoin-01", "container-bitcoin_bitcoind",
                "{\"blockchaininfo\":{\"chain\":\"regtest\",\"blocks\":101,\"headers\":101},\"connections\":0}");
        assertThat(projects.nodeStatus("c1")).hasValueSatisfying(node -> assertThat(node.blocks()).isEqualTo(101));
        assertThat(projects.stacks("c1")).filteredOn(s -> s.stack().name().equals("bitcoin")).singleElement()
                .matches(s -> s.converged() && "p".equals(s.project()) && s.node() != null);

        List<String> removed = projects.remove("p", "c1");
        assertThat(removed).contains("service bitcoin_bitcoind", "network gateway_tor").anyMatch(r -> r.startsWith("secret "));
        assertThat(removed.indexOf("service electrum_fulcrum")).as("a stack before the stacks it needs")
                .isLessThan(removed.indexOf("service bitcoin_bitcoind"));
        assertThat(swarm.services()).isEmpty();
        assertThat(swarm.networks()).isEmpty();
        assertThat(swarm.secrets()).isEmpty();
        assertThat(new ProjectStore(home).deployments("p")).isEmpty();
        assertThat(projects.remove("p", "c1")).as("removing again does nothing").isEmpty();
    }

    @Test
    void onionServicesKeepTheirKeysAndTheirClientsGoStraightIntoTheRunningTor() throws Exception {
        Files.createDirectories(home.stacksDir().resolve("echo"));
        Files.writeString(home.stacksDir().resolve("echo/stack.yml"), """
                version: "3.8"
                x-bcm: {description: echo, requires: [gateway]}
                services:
                  echo:
                    image: ${BCM_IMAGE_TOR}
                    networks: [tor]
                    expose: [8080]
                    x-bcm-onion:
                      - {name: echo, port: 80, target: 8080}
                      - {name: echo-private, port: 81, target: 8080, client-auth: true}
                networks:
                  tor: {external: true, name: gateway_tor}
                """);
        projects.create("q", "regtest", List.of("gateway", "echo"), Map.of());
        projects.deploy("q", "c1", CONVERGE);
        List<ProjectService.OnionStatus> onions = projects.onions("q");
        assertThat(onions).extracting(o -> o.service().name()).containsExactly("echo", "echo-private");
        assertThat(onions).allMatch(o -> org.bcm.core.tor.OnionKey.isAddress(o.address()) && o.clients().isEmpty());
        assertThat(swarm.secrets()).anyMatch(s -> s.startsWith("gateway_onion_services-"));
        assertThat(projects.knownOnionAddresses("q")).containsEntry("echo", onions.get(0).address()).hasSize(2);
        projects.create("r", "regtest", List.of("gateway", "echo"), Map.of());
        assertThat(projects.knownOnionAddresses("r")).as("show makes no key").isEmpty();
        assertThat(home.projectDir("r").resolve("onions.yml")).doesNotExist();

        ProjectService.ClientGrant grant = projects.addOnionClient("q", "echo-private", "laptop", null);
        String key = grant.authPrivateLine().substring(grant.authPrivateLine().lastIndexOf(':') + 1);
        assertThat(grant.clusters()).containsExactly("c1");
        List<String> ran = swarm.executed("bcm-gateway-01").get(0);
        assertThat(ran.subList(0, 5)).containsExactly("container-gateway_tor", "bcm-tor-onion", "client-add", "echo-private", "laptop");
        assertThat(ran.get(5)).matches("[A-Z2-7]{52}").isNotEqualTo(key);
        assertThat(projects.addOnionClient("q", "echo-private", "laptop", null).authPrivateLine()).isEqualTo(grant.authPrivateLine());
        assertThat(projects.plan("q", "c1").updated()).as("the next deploy installs the clients bcm keeps")
                .contains("service gateway_tor");

        assertThat(projects.removeOnionClient("q", "echo-private", "laptop")).containsExactly("c1");
        assertThat(swarm.executed("bcm-gateway-01")).last().isEqualTo(List.of("container-gateway_tor", "bcm-tor-onion", "client-remove",
                "echo-private", "laptop"));
        assertThat(projects.addOnionClient("q", "echo-private", "laptop", null).authPrivateLine()).as("a revoked key is gone")
                .isNotEqualTo(grant.authPrivateLine());
        assertThat(failure(Kind.NOT_FOUND, () -> projects.removeOnionClient("q", "echo-private", "nobody")).getMessage())
                .contains("has no client 'nobody'");
        BcmException unknown = failure(Kind.NOT_FOUND, () -> projects.addOnionClient("q", "nosuch", "laptop", null));
        assertThat(unknown.getMessage()).contains("has no onion service 'nosuch'");
        assertThat(unknown.hint()).contains("echo, echo-private");
        assertThat(projects.onions("q")).extracting(ProjectService.OnionStatus::address)
                .as("the same addresses").containsExactlyElementsOf(onions.stream().map(ProjectService.OnionStatus::address).toList());
    }

    @Test
    void torOnlyEgressIsAnAclOnTheClusterNetworkAndDirectRemovesIt() {
        projects.create("q", "signet", List.of("gateway"), Map.of());
        projects.deploy("q", "c1", CONVERGE);
        Map<String, String> config = endpoint.lxd.networkConfig("bcm-c1");
        assertThat(config).containsEntry("security.acls", "bcm-c1-egress").containsEntry("security.acls.default.egress.action", "reject");
        assertThat(config.get("raw.dnsmasq")).matches("no-resolv\nserver=[0-9.]+#9053");
        String gateway = config.get("raw.dnsmasq").replaceAll("(?s).*server=([0-9.]+)#.*", "$1");
        assertThat(endpoint.lxd.acl("bcm-c1-egress").egress()).extracting(org.bcm.lxd.NetworkAcl.Rule::source).contains(gateway + "/32");
        assertThat(clusters.verify("c1").checks()).anyMatch(c -> c.subject().equals("egress") && c.passed() && c.detail().startsWith("tor-only"));
        int calls = endpoint.lxd.calls.size();
        projects.deploy("q", "c1", CONVERGE);
        assertThat(endpoint.lxd.calls.subList(calls, endpoint.lxd.calls.size())).as("applied again: nothing to change")
                .noneMatch(c -> c.contains("Network"));

        projects.set("q", "gateway.EGRESS", "direct");
        projects.deploy("q", "c1", CONVERGE);
        assertThat(endpoint.lxd.networkConfig("bcm-c1")).doesNotContainKeys("security.acls", "raw.dnsmasq");
        assertThat(endpoint.lxd.acl("bcm-c1-egress")).isNull();
        assertThat(clusters.verify("c1").checks()).anyMatch(c -> c.subject().equals("egress") && c.passed() && c.detail().startsWith("direct"));
    }
}
