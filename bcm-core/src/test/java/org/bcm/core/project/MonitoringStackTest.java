package org.bcm.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.IdentityService;
import org.bcm.swarm.StackSpec;
import org.bcm.swarm.SwarmNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped monitoring stack read as a deploy reads it: Prometheus's targets from the cluster's tier
 * hosts and the project's x-bcm-metrics, Alertmanager's receivers from the settings, the services that
 * need another stack left out without it.
 */
class MonitoringStackTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    private ProjectService service() {
        BcmHome home = new BcmHome(dir);
        return new ProjectService(new ProjectStore(home), secrets(), null, (step, message) -> { });
    }

    private ProjectSecrets secrets() {
        BcmHome home = new BcmHome(dir);
        return new ProjectSecrets(home, new IdentityService(home), () -> {
            throw new AssertionError("no device without an identity");
        });
    }

    private StackPreparer.PreparedProject prepare(ProjectDefinition project, Map<String, String> cluster) {
        return new StackPreparer(new ProjectStore(new BcmHome(dir)), secrets()).prepare(project, cluster);
    }

    private static StackSpec stack(StackPreparer.PreparedProject prepared, String name) {
        return prepared.stacks().stream().filter(p -> p.stack().name().equals(name)).findFirst().orElseThrow().spec();
    }

    private static String content(StackSpec stack, String secret) {
        return new String(stack.secrets().get(secret).content().bytes().get(), StandardCharsets.UTF_8);
    }

    private static SwarmNode node(String hostname, String tier, String address) {
        return new SwarmNode(hostname + "-id", hostname, SwarmNode.ROLE_WORKER, "ready", "active", address, Map.of("bcm.tier", tier), 1, false);
    }

    private static final Map<String, String> CLUSTER = ClusterVariables.of(List.of(node("bcm-gateway-01", "gateway", "10.0.0.2"),
            node("bcm-kafka-01", "kafka", "10.0.0.3"), node("bcm-bitcoin-01", "bitcoin", "10.0.0.4"), node("stray", "other", "10.0.0.9")));

    @Test
    void prometheusScrapesEveryTierHostAndEveryDeclaredTarget() throws Exception {
        ProjectDefinition project = service().create("m", "regtest", List.of("gateway", "kafka", "bitcoin", "monitoring"), Map.of());
        StackPreparer.PreparedProject prepared = prepare(project, CLUSTER);
        StackSpec monitoring = stack(prepared, "monitoring");
        JsonNode conf = YAML.readTree(content(monitoring, "prometheus_conf"));
        List<String> jobs = new ArrayList<>();
        conf.path("scrape_configs").forEach(job -> jobs.add(job.path("job_name").asText()));
        assertThat(jobs).containsExactly("prometheus", "alertmanager", "node", "dockerd", "kafka_broker", "bitcoin_rpcproxy",
                "monitoring_swarm-exporter", "monitoring_bitcoind-exporter");
        JsonNode node = conf.path("scrape_configs").get(2).path("static_configs");
        assertThat(node).hasSize(3);
        assertThat(node.get(0).path("targets").get(0).asText()).isEqualTo("10.0.0.4:9100");
        assertThat(node.get(0).path("labels").path("host").asText()).isEqualTo("bcm-bitcoin-01");
        assertThat(node.get(0).path("labels").path("tier").asText()).isEqualTo("bitcoin");
        JsonNode proxy = conf.path("scrape_configs").get(5).path("dns_sd_configs").get(0);
        assertThat(proxy.path("names").get(0).asText()).isEqualTo("tasks.bitcoin_rpcproxy");
        assertThat(proxy.path("port").asInt()).isEqualTo(9331);
        assertThat(conf.path("alerting").path("alertmanagers").get(0).path("basic_auth").path("password_file").asText())
                .isEqualTo("/run/secrets/web_password");
        assertThat(conf.path("rule_files").get(0).asText()).isEqualTo("/etc/prometheus/rules/*.yml");

        // the web configuration: a bcrypt of the generated password, which the configuration never holds
        String password = content(monitoring, "web_password").strip();
        assertThat(password).matches("[0-9a-f]{64}");
        String web = content(monitoring, "web_conf");
        assertThat(web).matches("(?s)basic_auth_users:\n  bcm: \\$2y\\$10\\$.{53}\n");
        assertThat(org.bouncycastle.crypto.generators.OpenBSDBCrypt.checkPassword(web.substring(web.indexOf("$2y")).strip(),
                password.toCharArray())).isTrue();
        assertThat(content(monitoring, "prometheus_conf")).doesNotContain(password);

        // the exporter is a client of the node with its own user; the proxy serves its metrics
        assertThat(content(stack(prepared, "bitcoin"), "bitcoin_conf")).containsPattern("(?m)^rpcauth=monitoring:");
        assertThat(content(stack(prepared, "bitcoin"), "rpcproxy_conf")).contains("metrics-listen=0.0.0.0:9331\n");
        assertThat(monitoring.services()).containsKeys("prometheus", "alertmanager", "node-exporter", "swarm-exporter",
                "bitcoind-exporter", "alerts");
        assertThat(monitoring.services().get("bitcoind-exporter").environment()).containsEntry("MONITORING_RPC_URL", "http://bitcoind:18443/");

        // Kafka's receiver, and the topic bcm creates for it
        JsonNode alertmanager = YAML.readTree(content(monitoring, "alertmanager_conf"));
        assertThat(alertmanager.path("receivers").findValuesAsText("url")).containsExactly("http://alerts:9334/");
        assertThat(prepared.stacks().stream().filter(p -> p.stack().name().equals("monitoring")).findFirst().orElseThrow()
                .stack().meta().path("kafka-topics").get(0).asText()).isEqualTo("bcm.alerts");
    }

    @Test
    void withoutBitcoinOrKafkaTheirServicesAndNetworksAreLeftOut() throws Exception {
        ProjectDefinition project = service().create("m", "regtest", List.of("gateway", "monitoring"), Map.of());
        StackPreparer.PreparedProject prepared = prepare(project, ClusterVariables.unknown());
        StackSpec monitoring = stack(prepared, "monitoring");
        assertThat(monitoring.services()).containsOnlyKeys("prometheus", "alertmanager", "node-exporter", "swarm-exporter");
        assertThat(monitoring.networks()).containsOnlyKeys("monitoring", "metrics", "host");
        assertThat(monitoring.secrets()).doesNotContainKey("rpc_password");
        JsonNode conf = YAML.readTree(content(monitoring, "prometheus_conf"));
        List<String> jobs = new ArrayList<>();
        conf.path("scrape_configs").forEach(job -> jobs.add(job.path("job_name").asText()));
        assertThat(jobs).as("no tier host is known before the cluster is read").containsExactly("prometheus", "alertmanager",
                "monitoring_swarm-exporter");
        assertThat(YAML.readTree(content(monitoring, "alertmanager_conf")).path("receivers")).hasSize(1);
    }

    @Test
    void theLightningNodesExporterRunsBesideItOnlyWithMonitoring() throws Exception {
        ProjectDefinition project = service().create("m", "regtest", List.of("gateway", "bitcoin", "lightning", "monitoring"), Map.of());
        StackPreparer.PreparedProject prepared = prepare(project, CLUSTER);
        JsonNode conf = YAML.readTree(content(stack(prepared, "monitoring"), "prometheus_conf"));
        List<String> jobs = new ArrayList<>();
        conf.path("scrape_configs").forEach(job -> jobs.add(job.path("job_name").asText()));
        assertThat(jobs).contains("lightning_exporter");
        StackSpec lightning = stack(prepared, "lightning");
        assertThat(lightning.services()).containsOnlyKeys("cln", "exporter");
        assertThat(lightning.services().get("exporter").environment()).containsEntry("MONITORING_LIGHTNING_IMPLEMENTATION", "cln")
                .containsEntry("MONITORING_LIGHTNING_DIR", "/run/bcm-metrics");
        assertThat(lightning.networks()).containsKey("metrics");

        ProjectDefinition without = service().create("n", "regtest", List.of("gateway", "bitcoin", "lightning"), Map.of());
        StackSpec alone = stack(prepare(without, CLUSTER), "lightning");
        assertThat(alone.services()).containsOnlyKeys("cln");
        assertThat(alone.networks()).doesNotContainKey("metrics");
    }

    @Test
    void theOperatorsReceiversAreCheckedAndConfigured() throws Exception {
        ProjectService projects = service();
        projects.create("m", "regtest", List.of("gateway", "monitoring"), Map.of());
        projects.set("m", "monitoring.WEBHOOK_URL", "https://hooks.example.org/bcm");
        projects.set("m", "monitoring.EMAIL_TO", "ops@example.org");
        ProjectDefinition project = projects.set("m", "monitoring.SMTP_SMARTHOST", "mail.example.org:587");
        JsonNode conf = YAML.readTree(content(stack(prepare(project, CLUSTER), "monitoring"), "alertmanager_conf"));
        assertThat(conf.path("route").path("routes").findValuesAsText("receiver")).containsExactly("webhook", "email");
        assertThat(conf.path("receivers").findValuesAsText("url")).containsExactly("https://hooks.example.org/bcm");
        assertThat(conf.path("receivers").findValuesAsText("to")).containsExactly("ops@example.org");
        assertThat(conf.path("global").path("smtp_smarthost").asText()).isEqualTo("mail.example.org:587");

        ProjectDefinition bad = projects.set("m", "monitoring.WEBHOOK_URL", "ftp://x");
        assertThatThrownBy(() -> prepare(bad, CLUSTER)).isInstanceOfSatisfying(BcmException.class,
                e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT)).hasMessageContaining("is not an http:// or https:// URL");
        projects.set("m", "monitoring.WEBHOOK_URL", "");
        ProjectDefinition noHost = projects.set("m", "monitoring.SMTP_SMARTHOST", "");
        assertThatThrownBy(() -> prepare(noHost, CLUSTER)).hasMessageContaining("SMTP_SMARTHOST '' is not HOST:PORT");
    }

    @Test
    void aMetricsTargetOffTheMetricsNetworkIsInvalid() throws Exception {
        Path stacks = dir.resolve("stacks/probe");
        java.nio.file.Files.createDirectories(stacks);
        java.nio.file.Files.writeString(stacks.resolve("stack.yml"), """
                version: "3.8"
                x-bcm:
                  description: probe
                services:
                  app:
                    image: busybox
                    x-bcm-metrics: {port: 9000}
                """);
        ProjectDefinition project = service().create("m", "regtest", List.of("probe"), Map.of());
        assertThatThrownBy(() -> prepare(project, CLUSTER)).hasMessageContaining("does not join the external network gateway_metrics");
    }

    @Test
    void onASwarmOfSeveralEndpointsReplicatedServicesStayOnTheFirstAndGlobalOnesRunEverywhere() {
        ProjectDefinition project = service().create("m", "regtest", List.of("gateway", "kafka", "monitoring"), Map.of());
        Map<String, String> spanning = ClusterVariables.of(List.of(
                new SwarmNode("g", "bcm-gateway-01", SwarmNode.ROLE_MANAGER, "ready", "active", "10.0.0.2",
                        Map.of("bcm.tier", "gateway", "bcm.endpoint", "first"), 1, true),
                new SwarmNode("b", "bcm-bitcoin-nuc2-01", SwarmNode.ROLE_WORKER, "ready", "active", "192.168.1.40",
                        Map.of("bcm.tier", "bitcoin", "bcm.endpoint", "nuc2"), 1, false)));
        assertThat(spanning).containsEntry("BCM_ENDPOINTS", "first nuc2").containsEntry("BCM_TIER_GATEWAY_ADDRESS", "10.0.0.2");

        StackPreparer.PreparedProject prepared = prepare(project, spanning);
        assertThat(stack(prepared, "gateway").services().get("registry").deploy().constraints())
                .containsExactly("node.labels.bcm.tier == gateway", "node.labels.bcm.endpoint == first");
        assertThat(stack(prepared, "monitoring").services().get("node-exporter").deploy().constraints())
                .as("global: every node's exporter, on every endpoint").doesNotContain("node.labels.bcm.endpoint == first");

        StackPreparer.PreparedProject oneEndpoint = prepare(project, CLUSTER);
        assertThat(stack(oneEndpoint, "gateway").services().get("registry").deploy().constraints())
                .containsExactly("node.labels.bcm.tier == gateway");
    }
}
