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
import org.bcm.core.image.DockerImageRecipe;
import org.bcm.swarm.StackSpec;
import org.bcm.swarm.SwarmNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped kafka stack read as a deploy reads it: the broker's environment from the cluster and the settings, its image's jars. */
class KafkaStackTest {

    @TempDir
    Path dir;

    private ProjectService service() {
        return new ProjectService(new ProjectStore(new BcmHome(dir)), secrets(), null, (step, message) -> { });
    }

    private ProjectSecrets secrets() {
        BcmHome home = new BcmHome(dir);
        return new ProjectSecrets(home, new IdentityService(home), () -> {
            throw new AssertionError("no device without an identity");
        });
    }

    private StackPreparer.PreparedStack kafka(ProjectDefinition project, Map<String, String> cluster) {
        return new StackPreparer(new ProjectStore(new BcmHome(dir)), secrets()).prepare(project, cluster).stacks().stream()
                .filter(p -> p.stack().name().equals("kafka")).findFirst().orElseThrow();
    }

    private static SwarmNode node(String hostname, String tier, String address) {
        return new SwarmNode(hostname + "-id", hostname, SwarmNode.ROLE_WORKER, "ready", "active", address, Map.of("bcm.tier", tier), 1, false);
    }

    @Test
    void theBrokerAdvertisesTheKafkaHostsAddressAndTakesTheSettings() {
        ProjectService projects = service();
        projects.create("k", "regtest", List.of("gateway", "kafka"), Map.of());
        ProjectDefinition project = projects.set("k", "kafka.RETENTION_HOURS", "24");
        Map<String, String> cluster = ClusterVariables.of(List.of(node("bcm-gateway-01", "gateway", "10.0.0.2"),
                node("bcm-kafka-02", "kafka", "10.0.0.9"), node("bcm-kafka-01", "kafka", "10.0.0.3"), node("bcm-bitcoin-01", "bitcoin", "10.0.0.4"),
                node("stray", "kafka", "")));
        assertThat(cluster).containsEntry("BCM_TIER_KAFKA_ADDRESS", "10.0.0.3").containsEntry("BCM_TIER_GATEWAY_ADDRESS", "10.0.0.2");

        StackPreparer.PreparedStack kafka = kafka(project, cluster);
        StackSpec.Service broker = kafka.spec().services().get("broker");
        assertThat(broker.environment()).containsEntry("KAFKA_HOST_ADDRESS", "10.0.0.3").containsEntry("KAFKA_RETENTION_HOURS", "24")
                .containsEntry("KAFKA_RETENTION_MB", "256").containsEntry("KAFKA_HEAP_MB", "256");
        assertThat(broker.ports()).containsExactly(new StackSpec.Port(9094, 9094, "tcp", "host"));
        assertThat(broker.deploy().constraints()).containsExactly("node.labels.bcm.tier == kafka");
        String clusterId = new String(kafka.spec().secrets().get("kafka_cluster_id").content().bytes().get(), StandardCharsets.UTF_8);
        assertThat(clusterId.strip()).matches("[0-9a-f]{32}");
        assertThat(kafka(project, cluster).spec().secrets().get("kafka_cluster_id").content().bytes().get())
                .as("generated once").isEqualTo(kafka.spec().secrets().get("kafka_cluster_id").content().bytes().get());

        DockerImageRecipe image = kafka.images().values().iterator().next();
        assertThat(image.maven().directory()).isEqualTo("/opt/kafka/libs");
        assertThat(image.maven().artifacts()).extracting(a -> a.coordinates())
                .contains("org.apache.kafka:kafka_2.13:4.4.0", "org.apache.kafka:kafka-clients:4.4.0", "at.yawk.lz4:lz4-java:1.11.2", "org.apache.logging.log4j:log4j-slf4j-impl:2.25.5",
                "io.prometheus.jmx:jmx_prometheus_javaagent:1.0.1");
        assertThat(image.maven().artifacts()).extracting(a -> a.fileName()).doesNotHaveDuplicates();
    }

    @Test
    void theClientJarBcmRunsIsTheBrokersVersion() throws Exception {
        ProjectService projects = service();
        ProjectDefinition project = projects.create("k", "regtest", List.of("gateway", "kafka"), Map.of());
        DockerImageRecipe image = kafka(project, ClusterVariables.unknown()).images().values().iterator().next();
        java.util.Properties version = new java.util.Properties();
        try (var in = org.apache.kafka.clients.consumer.KafkaConsumer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            version.load(in);
        }
        String clients = version.getProperty("version");
        assertThat(clients).isNotBlank();
        assertThat(image.maven().artifacts()).anySatisfy(a -> {
            assertThat(a.artifact()).isEqualTo("kafka-clients");
            assertThat(a.version()).isEqualTo(clients);
        });
    }

    @Test
    void theChainEventsBridgeIsAClientOfTheNodeWithItsZmqPublishers() {
        ProjectService projects = service();
        ProjectDefinition project = projects.create("k", "regtest", List.of("gateway", "kafka", "bitcoin", "chainevents"), Map.of());
        StackPreparer.PreparedProject prepared = new StackPreparer(new ProjectStore(new BcmHome(dir)), secrets())
                .prepare(project, ClusterVariables.unknown());
        StackSpec bitcoin = prepared.stacks().stream().filter(p -> p.stack().name().equals("bitcoin")).findFirst().orElseThrow().spec();
        String conf = new String(bitcoin.secrets().get("bitcoin_conf").content().bytes().get(), StandardCharsets.UTF_8);
        assertThat(conf).contains("zmqpubhashblock=tcp://0.0.0.0:28334\n", "zmqpubrawtx=tcp://0.0.0.0:28333\n")
                .containsPattern("(?m)^rpcauth=chainevents:[0-9a-f]{32}\\$[0-9a-f]{64}$");
        StackPreparer.PreparedStack events = prepared.stacks().stream().filter(p -> p.stack().name().equals("chainevents")).findFirst().orElseThrow();
        StackSpec.Service bridge = events.spec().services().get("bridge");
        assertThat(bridge.environment()).containsEntry("CHAINEVENTS_RPC_URL", "http://bitcoind:18443/")
                .containsEntry("CHAINEVENTS_ZMQ_HASHBLOCK", "tcp://bitcoind:28334").containsEntry("CHAINEVENTS_KAFKA", "broker:9092");
        assertThat(events.spec().networks().get("kafka").externalName()).isEqualTo("kafka_kafka");
        assertThat(events.spec().secrets().get("rpc_password").content().bytes().get()).isNotEmpty();
        assertThat(prepared.stacks()).extracting(p -> p.stack().name()).containsExactly("gateway", "kafka", "bitcoin", "chainevents");
    }

    @Test
    void retentionOutsideItsBoundsIsInvalidInput() {
        ProjectService projects = service();
        projects.create("k", "regtest", List.of("gateway", "kafka"), Map.of());
        assertThatThrownBy(() -> projects.set("k", "kafka.RETENTION_MB", "1"))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT))
                .hasMessageContaining("RETENTION_MB");
    }
}
