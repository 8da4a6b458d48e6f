package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bcm.lxd.ExecResult;
import org.bcm.lxd.LxdClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end, through the built {@code bcm} launcher, on real LXD and the real swarm: projects,
 * the image pipeline and the gateway stack (Tor and the registry), checked from a container on the
 * overlay network on another tier host; redeploys, a changed setting, bad input, a service that
 * never becomes healthy, remove and destroy (a project still deployed when the cluster goes is no longer).
 *
 * <p>The test looks at the swarm with docker-java, which bcm-core brings (through bcm-swarm) at
 * compile scope: declaring it here with test scope would drop it from the distribution.
 *
 * <p>Images are cached in {@code ~/.bcm/cache} (shared with the operator's bcm on this machine), so
 * only the first run on a machine builds them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProjectLifecycleIT {

    private static final String CLUSTER = "itproj";
    private static final String PROJECT = "itp";
    private static Path home;
    private static BcmProcess bcm;
    private static ClusterEngines cluster;
    private static LxdClient lxd;

    @BeforeAll
    static void setUp() throws Exception {
        home = Files.createTempDirectory("bcm-it-project");
        Path cache = Path.of(System.getProperty("user.home"), ".bcm", "cache");
        bcm = new BcmProcess(home, Map.of("BCM_CACHE_DIR", cache.toString()));
        cluster = new ClusterEngines(home, CLUSTER, PROJECT);
        lxd = LxdClient.connectLocal();
        bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        }
        if (lxd != null) {
            lxd.close();
        }
        org.bcm.core.home.BcmHome.deleteTree(home);
        Files.deleteIfExists(Path.of(home + ".out"));
        Files.deleteIfExists(Path.of(home + ".err"));
    }

    @Test
    @Order(1)
    void badProjectInputEndsWithOneMessageAndItsExitCode() throws Exception {
        var badName = bcm.run("project", "create", "--project-name=Bad_Name");
        assertThat(badName.exitCode()).isEqualTo(2);
        assertThat(badName.err()).contains("Invalid project name 'Bad_Name'").doesNotContain("Exception");

        var badChain = bcm.run("project", "create", "--project-name=x", "--chain=moonnet");
        assertThat(badChain.exitCode()).isEqualTo(2);
        assertThat(badChain.err()).contains("Unknown chain 'moonnet'");

        var unknownStack = bcm.run("project", "create", "--project-name=x", "--stacks=nosuch");
        assertThat(unknownStack.exitCode()).isEqualTo(3);
        assertThat(unknownStack.err()).contains("Unknown stack 'nosuch'").contains("gateway");

        var badSetting = bcm.run("project", "create", "--project-name=x", "--set", "gateway.TOR_NETWORK=sometimes");
        assertThat(badSetting.exitCode()).isEqualTo(2);
        assertThat(badSetting.err()).contains("gateway.TOR_NETWORK cannot be 'sometimes'").contains("public, private, offline");

        var missingProject = bcm.run("project", "deploy", "--project-name=nosuch", "--cluster-name=" + CLUSTER);
        assertThat(missingProject.exitCode()).isEqualTo(3);
        assertThat(missingProject.err()).contains("Project 'nosuch' does not exist");

        var created = bcm.run("project", "create", "--project-name=" + PROJECT, "--chain=regtest", "--stacks=gateway");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(Files.readString(home.resolve("projects/" + PROJECT + "/project.yml")))
                .contains("chain: \"regtest\"", "TOR_NETWORK: \"private\"", "EGRESS: \"direct\"");
        var again = bcm.run("project", "create", "--project-name=" + PROJECT);
        assertThat(again.exitCode()).isEqualTo(4);

        var missingCluster = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=nocluster");
        assertThat(missingCluster.exitCode()).isEqualTo(3);
        assertThat(missingCluster.err()).contains("Cluster 'nocluster' does not exist");

        // A stack.yml that is not YAML: listed as malformed, refused by name.
        writeStack("broken", "services: [not closed\n");
        var listed = bcm.run("stack", "list");
        assertThat(listed.out()).containsPattern("broken\\s+" + Pattern.quote(home.resolve("stacks").toString())
                + "\\s+MALFORMED: stack.yml is not valid YAML");
        var broken = bcm.run("project", "create", "--project-name=bp", "--stacks=gateway,broken");
        assertThat(broken.exitCode()).isEqualTo(2);
        assertThat(broken.err()).contains("Stack broken").contains("is malformed");
        assertThat(home.resolve("projects/bp")).doesNotExist();
    }

    @Test
    @Order(2)
    void clusterForTheProject() throws Exception {
        var created = bcm.run("cluster", "create", "--cluster-name=" + CLUSTER);
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(created.err()).contains("forwarding 127.0.0.1:5000 to the registry on");
    }

    @Test
    @Order(3)
    void malformedServiceInAStackDeploysNothing() throws Exception {
        writeStack("badsvc", """
                version: "3.8"
                services:
                  web:
                    image: ${BCM_IMAGE_TOR}
                    build: .
                """);
        assertThat(bcm.run("project", "create", "--project-name=badp", "--stacks=gateway,badsvc").exitCode()).isZero();
        var deploy = bcm.run("project", "deploy", "--project-name=badp", "--cluster-name=" + CLUSTER);
        assertThat(deploy.exitCode()).isEqualTo(2);
        assertThat(deploy.err()).contains("services.web.build").contains("nothing was deployed").doesNotContain("Exception");
        try (DockerClient docker = cluster.docker("bcm-gateway-01")) {
            assertThat(docker.listServicesCmd().exec()).isEmpty();
        }
        // A stack the project names but bcm no longer knows.
        org.bcm.core.home.BcmHome.deleteTree(home.resolve("stacks/badsvc"));
        var unknown = bcm.run("project", "deploy", "--project-name=badp", "--cluster-name=" + CLUSTER);
        assertThat(unknown.exitCode()).isEqualTo(3);
        assertThat(unknown.err()).contains("Unknown stack 'badsvc'");
        assertThat(bcm.run("project", "destroy", "--project-name=badp").exitCode()).isZero();
    }

    @Test
    @Order(4)
    void deployRunsTorAndTheRegistry() throws Exception {
        var plan = bcm.run("project", "plan", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("would push 127.0.0.1:5000/bcm/tor:", "would create service gateway_tor",
                "would create network gateway_tor");
        var deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        assertThat(deployed.out()).contains("created service gateway_tor", "created service gateway_registry",
                "Project '" + PROJECT + "' is deployed on cluster '" + CLUSTER + "'");
        assertThat(deployed.err()).contains("pushing 127.0.0.1:5000/bcm/tor:");

        // The registry's generated password: only in the bcm home, mode 0600 (no identity in this home);
        // in the swarm only the htpasswd derived from it, named by a random suffix, not by a hash.
        Path password = home.resolve("projects/" + PROJECT + "/secrets/gateway/registry_password");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(password))).isEqualTo("rw-------");
        String registryPassword = Files.readString(password);
        assertThat(registryPassword).matches("[0-9a-f]{64}");
        Matcher suffix = Pattern.compile("gateway/registry_password:\\s+suffix: \"?([0-9a-f]{8})").matcher(
                Files.readString(home.resolve("projects/" + PROJECT + "/secrets.yml")));
        assertThat(suffix.find()).isTrue();
        try (DockerClient docker = cluster.docker("bcm-gateway-01")) {
            assertThat(docker.listSecretsCmd().exec()).extracting(s -> s.getSpec().getName())
                    .contains("gateway_registry_htpasswd-" + suffix.group(1)).hasSize(2)
                    .anyMatch(name -> name.matches("gateway_onion_services-[0-9a-f]{8}"));
            // docker stack ls/ps see the stack: the CLI's namespace label is on every object.
            assertThat(docker.listServicesCmd().exec()).allSatisfy(s -> assertThat(s.getSpec().getLabels())
                    .containsEntry("com.docker.stack.namespace", "gateway").containsEntry("bcm.project", PROJECT));
            assertThat(docker.listNetworksCmd().withFilter("label", List.of("com.docker.stack.namespace=gateway")).exec())
                    .extracting(n -> n.getName()).containsExactlyInAnyOrder("gateway_tor", "gateway_registry", "gateway_metrics");
            // every service runs its image pinned by digest
            assertThat(docker.listServicesCmd().exec()).allSatisfy(s -> assertThat(s.getSpec().getTaskTemplate().getContainerSpec().getImage())
                    .matches("127\\.0\\.0\\.1:5000/bcm/[a-z0-9-]+:[0-9a-f]{12}@sha256:[0-9a-f]{64}"));
        }

        // The registry serves the pushed images to bcm's credentials only, on the gateway's address
        // (never the controller's interfaces), and deletes nothing.
        String gateway = lxd.useProject("bcm-" + CLUSTER).instanceState("bcm-gateway-01").orElseThrow().ipv4("eth0").orElseThrow();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(("bcm:" + registryPassword).getBytes(StandardCharsets.US_ASCII));
        String catalog = http.send(HttpRequest.newBuilder(URI.create("http://" + gateway + ":5000/v2/_catalog"))
                        .header("Authorization", basic).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(catalog).contains("bcm/tor", "bcm/registry");
        String torImage = cluster.image("gateway_tor");
        String tag = torImage.substring(torImage.lastIndexOf(':', torImage.indexOf('@')) + 1, torImage.indexOf('@'));
        String digest = torImage.substring(torImage.indexOf('@') + 1);
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://" + gateway + ":5000/v2/bcm/tor/tags/list"))
                .header("Authorization", basic).build(), HttpResponse.BodyHandlers.ofString()).body()).contains(tag);
        HttpResponse<String> delete = http.send(HttpRequest.newBuilder(URI.create("http://" + gateway + ":5000/v2/bcm/tor/manifests/" + digest))
                .header("Authorization", basic).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).as(delete.body()).isEqualTo(405);

        // From another instance on the bridge, without credentials: no pull, no push.
        String probe = """
                exec 3<>/dev/tcp/%1$s/5000 && printf 'GET /v2/bcm/tor/manifests/%2$s HTTP/1.0\\r\\n\\r\\n' >&3 && echo "pull $(head -n1 <&3)"
                exec 4<>/dev/tcp/%1$s/5000 && printf 'POST /v2/bcm/tor/blobs/uploads/ HTTP/1.0\\r\\nContent-Length: 0\\r\\n\\r\\n' >&4 && echo "push $(head -n1 <&4)"
                """.formatted(gateway, tag);
        ExecResult refused = lxd.useProject("bcm-" + CLUSTER).exec("bcm-kafka-01", List.of("bash", "-c", probe), Map.of(), Duration.ofSeconds(30));
        assertThat(refused.stdout()).as(refused.stderr()).contains("pull HTTP/1.0 401", "push HTTP/1.0 401");

        // From another tier host: pull the image through the forwarded registry, join the overlay,
        // speak SOCKS5 and the control protocol to Tor.
        String cookie = controlCookie();
        String script = """
                exec 3<>/dev/tcp/tor/9050 && printf '\\x05\\x01\\x00' >&3 && echo "socks $(head -c2 <&3 | od -An -tx1 | tr -d ' ')"
                exec 4<>/dev/tcp/tor/9051 && printf 'AUTHENTICATE %s\\r\\n' "$WRONG" >&4 && echo "wrong $(head -n1 <&4)"
                exec 5<>/dev/tcp/tor/9051 && printf 'AUTHENTICATE %s\\r\\n' "$COOKIE" >&5 && echo "right $(head -n1 <&5)"
                """;
        String wrong = cookie.substring(0, 62) + (cookie.endsWith("00") ? "01" : "00");
        String output = cluster.runOnOverlay("bcm-kafka-01", "gateway_tor", torImage, script, Map.of("COOKIE", cookie, "WRONG", wrong));
        assertThat(output).contains("socks 0500").contains("wrong 515").contains("right 250 OK");
    }

    @Test
    @Order(5)
    void redeployWithNothingChangedDoesNothing() throws Exception {
        Map<String, Long> before = cluster.serviceVersions();
        var again = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("is up to date on cluster '" + CLUSTER + "': nothing to do");
        assertThat(again.err()).doesNotContain("building", "pushing", "creating", "updating");
        var plan = bcm.run("project", "plan", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER, "--output=json");
        assertThat(plan.exitCode()).as("no drift: " + plan).isZero();
        assertThat(plan.out()).contains("\"updated\" : [ ]", "\"created\" : [ ]", "\"unchanged\" : [ \"service gateway_");
        assertThat(cluster.serviceVersions()).isEqualTo(before);
    }

    @Test
    @Order(6)
    void changedSettingUpdatesOnlyItsService() throws Exception {
        Map<String, Long> before = cluster.serviceVersions();
        assertThat(bcm.run("project", "set", "--project-name=" + PROJECT, "gateway.TOR_LOG_LEVEL=info").exitCode()).isZero();
        var drift = bcm.run("project", "plan", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(drift.exitCode()).as(drift.toString()).isEqualTo(2);
        assertThat(drift.out()).contains("would update service gateway_tor", "0 to create, 1 to update, 0 to remove")
                .doesNotContain("would update service gateway_registry");
        assertThat(cluster.serviceVersions()).as("a plan changes nothing").isEqualTo(before);
        var changed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(changed.exitCode()).as(changed.toString()).isZero();
        assertThat(changed.out()).contains("updated service gateway_tor").doesNotContain("updated service gateway_registry",
                "updated service gateway_mirror");
        Map<String, Long> after = cluster.serviceVersions();
        assertThat(after.get("gateway_tor")).isGreaterThan(before.get("gateway_tor"));
        assertThat(after.get("gateway_registry")).isEqualTo(before.get("gateway_registry"));
        assertThat(after.get("gateway_mirror")).isEqualTo(before.get("gateway_mirror"));

        var invalid = bcm.run("project", "set", "--project-name=" + PROJECT, "gateway.NO_SUCH=1");
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(invalid.err()).contains("Stack gateway has no setting NO_SUCH");
    }

    @Test
    @Order(7)
    void removeTakesEveryObjectOfTheProjectAndNothingElse() throws Exception {
        try (DockerClient docker = cluster.docker("bcm-gateway-01")) {
            docker.createNetworkCmd().withName("not-bcm").withDriver("overlay").withAttachable(true).exec();
            var removed = bcm.run("project", "remove", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
            assertThat(removed.exitCode()).as(removed.toString()).isZero();
            assertThat(removed.out()).contains("removed service gateway_tor", "removed network gateway_tor",
                    "removed config gateway_torrc-", "removed secret gateway_registry_htpasswd-");
            assertThat(docker.listServicesCmd().exec()).isEmpty();
            assertThat(docker.listSecretsCmd().exec()).isEmpty();
            assertThat(docker.listConfigsCmd().exec()).isEmpty();
            assertThat(docker.listNetworksCmd().withFilter("label", List.of("bcm.project")).exec()).isEmpty();
            assertThat(docker.listNetworksCmd().withNameFilter("not-bcm").exec()).hasSize(1);
            docker.removeNetworkCmd("not-bcm").exec();
        }
        var destroy = bcm.run("project", "destroy", "--project-name=" + PROJECT);
        assertThat(destroy.exitCode()).as(destroy.toString()).isZero();
        assertThat(home.resolve("projects/" + PROJECT)).doesNotExist();
    }

    @Test
    @Order(8)
    void serviceThatNeverBecomesHealthyIsNamedAndARerunFinishes() throws Exception {
        String sick = """
                version: "3.8"
                x-bcm:
                  requires: [gateway]
                services:
                  web:
                    image: ${BCM_IMAGE_TOR}
                    entrypoint: ["sleep", "infinity"]
                    healthcheck:
                      test: ["CMD", "%s"]
                      interval: 1s
                      timeout: 1s
                      retries: 1
                    deploy:
                      endpoint_mode: dnsrr
                      placement:
                        constraints: [node.labels.bcm.tier == kafka]
                """;
        // On the kafka tier: its dockerd pulls the image from the cluster registry with the credentials
        // the swarm keeps with the service (it has no others).
        writeStack("sick", sick.formatted("false"));
        assertThat(bcm.run("project", "create", "--project-name=sickp", "--stacks=gateway,sick").exitCode()).isZero();
        var failed = bcm.run("project", "deploy", "--project-name=sickp", "--cluster-name=" + CLUSTER, "--timeout=25");
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(9);
        assertThat(failed.err()).contains("Stack sick did not converge within 25 s", "sick_web: 0/1 tasks running",
                "task error:", "hint:").doesNotContain("Exception");

        writeStack("sick", sick.formatted("true"));
        var fixed = bcm.run("project", "deploy", "--project-name=sickp", "--cluster-name=" + CLUSTER);
        assertThat(fixed.exitCode()).as(fixed.toString()).isZero();
        assertThat(fixed.out()).contains("updated service sick_web");

        assertThat(bcm.run("project", "destroy", "--project-name=sickp").exitCode()).isEqualTo(4);
        // sickp stays deployed: destroying the cluster ends its deployment (below)
    }

    @Test
    @Order(9)
    void destroyLeavesNothingBehind() throws Exception {
        var destroyed = bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        assertThat(destroyed.exitCode()).as(destroyed.toString()).isZero();
        assertThat(lxd.project("bcm-" + CLUSTER)).isEmpty();
        assertThat(lxd.network("bcm-" + CLUSTER)).isEmpty();
        assertThat(home.resolve("clusters/" + CLUSTER)).doesNotExist();
        // the project deployed there is no longer: it can be destroyed without the cluster
        assertThat(destroyed.out()).contains("removed deployment of project sickp");
        var sick = bcm.run("project", "destroy", "--project-name=sickp");
        assertThat(sick.exitCode()).as(sick.toString()).isZero();
    }

    // ---------------------------------------------------------------- helpers

    private static void writeStack(String name, String compose) throws Exception {
        Path dir = home.resolve("stacks").resolve(name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("stack.yml"), compose);
    }

    /** Tor's control cookie (32 bytes, hex), read from its volume on the gateway host. */
    private static String controlCookie() {
        ExecResult result = lxd.useProject("bcm-" + CLUSTER).exec("bcm-gateway-01", List.of("sh", "-c",
                "od -An -tx1 /var/lib/docker/volumes/gateway_tor-data/_data/control_auth_cookie | tr -d ' \\n'"),
                Map.of(), Duration.ofSeconds(30));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).matches("[0-9a-f]{64}");
        return result.stdout();
    }
}
