package org.bcm.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bcm.swarm.FakeEngine.Reply;
import org.bcm.swarm.FakeEngine.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackDeployerSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    // ------------------------------------------------------------ specHash

    private static ServiceSpec spec(Map<String, String> labels, List<String> args) {
        Map<String, String> containerLabels = new LinkedHashMap<>();
        labels.forEach(containerLabels::put);
        return new ServiceSpec()
                .withName("demo_web")
                .withLabels(labels)
                .withTaskTemplate(new TaskSpec().withContainerSpec(new ContainerSpec()
                        .withImage("127.0.0.1:5000/bcm/web:0123456789ab")
                        .withLabels(containerLabels)
                        .withArgs(args)));
    }

    private static Map<String, String> labels(Map<String, String> into, String... keys) {
        for (String key : keys) {
            into.put(key, "value-of-" + key);
        }
        return into;
    }

    @Test
    void specHashDoesNotDependOnLabelInsertionOrder() {
        String[] forward = {"a.first", "bcm.project", "com.docker.stack.namespace", "m.middle", "z.last"};
        String[] backward = {"z.last", "m.middle", "com.docker.stack.namespace", "bcm.project", "a.first"};
        Map<String, String> one = labels(new LinkedHashMap<>(), forward);
        Map<String, String> two = labels(new LinkedHashMap<>(), backward);
        Map<String, String> three = labels(new HashMap<>(), backward);
        assertThat(List.copyOf(one.keySet())).isNotEqualTo(List.copyOf(two.keySet()));

        String hash = ServiceSpecs.specHash(spec(one, List.of("serve")));

        assertThat(hash).matches("[0-9a-f]{64}");
        assertThat(ServiceSpecs.specHash(spec(two, List.of("serve")))).isEqualTo(hash);
        assertThat(ServiceSpecs.specHash(spec(three, List.of("serve")))).isEqualTo(hash);
    }

    @Test
    void specHashChangesWithTheSpec() {
        Map<String, String> labels = labels(new LinkedHashMap<>(), "a", "b");
        String hash = ServiceSpecs.specHash(spec(labels, List.of("serve")));

        assertThat(ServiceSpecs.specHash(spec(labels, List.of("serve", "--verbose")))).isNotEqualTo(hash);
        assertThat(ServiceSpecs.specHash(spec(labels(new LinkedHashMap<>(), "a", "c"), List.of("serve"))))
                .isNotEqualTo(hash);
        assertThat(ServiceSpecs.specHash(spec(labels, List.of("serve")).withName("demo_other"))).isNotEqualTo(hash);
    }

    // ------------------------------------------------------------ deploy against a fake engine

    /**
     * Just enough of a swarm manager for {@link StackDeployer#deploy}: networks, configs, secrets
     * (always none) and services, kept in memory.
     */
    private static final class Swarm {
        final Map<String, ObjectNode> networks = new LinkedHashMap<>(); // id -> {Id, Name, Labels}
        final Map<String, ObjectNode> configs = new LinkedHashMap<>(); // id -> {ID, Spec}
        final Map<String, ObjectNode> services = new LinkedHashMap<>(); // id -> {ID, Version, Spec}
        int ids;

        Reply handle(Request request) {
            try {
                return reply(request);
            } catch (IOException | RuntimeException e) {
                return Reply.error(500, "fake swarm: " + e);
            }
        }

        private Reply reply(Request request) throws IOException {
            String path = request.path();
            String[] parts = path.split("/"); // "", kind, id-or-name, action
            String call = request.method() + " " + (parts.length > 2 && !parts[2].equals("create") ? "/" + parts[1] + "/*" : path)
                    + (parts.length > 3 ? "/" + parts[3] : "");
            return switch (call) {
                case "GET /networks" -> list(networks);
                case "GET /networks/*" -> networks.values().stream()
                        .filter(n -> n.get("Id").asText().equals(parts[2]) || n.get("Name").asText().equals(parts[2]))
                        .findFirst().map(n -> Reply.json(n.toString()))
                        .orElse(Reply.error(404, "network " + parts[2] + " not found"));
                case "POST /networks/create" -> {
                    JsonNode body = JSON.readTree(request.body());
                    String id = "net" + ++ids;
                    networks.put(id, JSON.createObjectNode().put("Id", id).put("Name", body.get("Name").asText())
                            .set("Labels", body.get("Labels")));
                    yield Reply.json("{\"Id\":\"" + id + "\"}");
                }
                case "GET /configs" -> list(configs);
                case "POST /configs/create" -> created(configs, "cfg", JSON.readTree(request.body()));
                case "GET /secrets" -> Reply.json("[]");
                case "GET /services" -> list(services);
                case "GET /tasks" -> Reply.json("[]");
                case "POST /services/create" -> created(services, "svc", JSON.readTree(request.body()));
                case "POST /services/*/update" -> {
                    ObjectNode service = services.get(parts[2]);
                    long version = service.get("Version").get("Index").asLong();
                    service.set("Spec", JSON.readTree(request.body()));
                    service.putObject("Version").put("Index", version + 1);
                    yield Reply.json("{}");
                }
                case "DELETE /services/*" -> removed(services, parts[2]);
                case "DELETE /configs/*" -> removed(configs, parts[2]);
                case "DELETE /networks/*" -> removed(networks, parts[2]);
                default -> Reply.error(404, "page not found: " + call);
            };
        }

        private Reply created(Map<String, ObjectNode> into, String prefix, JsonNode spec) {
            String id = prefix + ++ids;
            ObjectNode object = JSON.createObjectNode().put("ID", id);
            object.putObject("Version").put("Index", 1);
            object.set("Spec", spec);
            into.put(id, object);
            return Reply.json("{\"ID\":\"" + id + "\"}");
        }

        private static Reply list(Map<String, ObjectNode> objects) {
            return Reply.json(JSON.createArrayNode().addAll(new ArrayList<>(objects.values())).toString());
        }

        private static Reply removed(Map<String, ObjectNode> objects, String id) {
            return objects.remove(id) == null ? Reply.error(404, id + " not found") : new Reply(200, "");
        }

        ObjectNode serviceSpec(String name) {
            return services.values().stream().map(s -> (ObjectNode) s.get("Spec"))
                    .filter(spec -> spec.get("Name").asText().equals(name)).findFirst().orElseThrow();
        }
    }

    private static final String STACK = """
            services:
              web:
                image: ${WEB_IMAGE}
                command: ["serve"]
                networks: [front]
                configs:
                  - source: conf
                    target: /etc/web.conf
              worker:
                image: worker:1
                networks: [front]
            networks:
              front: {}
            configs:
              conf:
                file: ./web.conf
            """;

    @TempDir
    Path dir;

    private StackSpec stack(String yaml, String webImage) {
        return ComposeFile.parse(yaml, "stack.yml", dir, "demo", Map.of("WEB_IMAGE", webImage));
    }

    private List<String> writes(FakeEngine fake) {
        return fake.targets().stream().filter(t -> !t.startsWith("GET ")).toList();
    }

    @Test
    void deployCreatesThenLeavesAloneThenUpdatesThenPrunes() throws IOException {
        Files.writeString(dir.resolve("web.conf"), "one\n");
        Swarm swarm = new Swarm();
        Path socket = dir.resolve("d.sock");
        List<String> progress = new ArrayList<>();
        try (FakeEngine fake = new FakeEngine(socket, swarm::handle);
                DockerEngine engine = DockerEngine.connect(socket, Duration.ofSeconds(5))) {
            StackDeployer deployer = new StackDeployer(engine, progress::add);
            Map<String, String> project = Map.of("bcm.project", "btc");

            // 1. an empty swarm: everything is created
            StackDeployer.Result first = deployer.deploy(stack(STACK, "web:1"), project, true);
            String config = "demo_conf-" + StackDeployer.sha256("one\n".getBytes()).substring(0, 12);
            assertThat(first.created()).containsExactly(
                    "network demo_front", "config " + config, "service demo_web", "service demo_worker");
            assertThat(first.updated()).isEmpty();
            assertThat(first.removed()).isEmpty();
            ObjectNode web = swarm.serviceSpec("demo_web");
            assertThat(web.get("Labels").get("bcm.project").asText()).isEqualTo("btc");
            assertThat(web.get("Labels").get(StackDeployer.NAMESPACE_LABEL).asText()).isEqualTo("demo");
            assertThat(web.get("Labels").get(StackDeployer.SPEC_HASH_LABEL).asText()).matches("[0-9a-f]{64}");
            assertThat(progress).contains("creating service demo_web");

            // 2. the same stack again: no writes at all
            fake.requests.clear();
            StackDeployer.Result second = deployer.deploy(stack(STACK, "web:1"), project, true);
            assertThat(second.changed()).isFalse();
            assertThat(second.unchanged()).containsExactly("service demo_web", "service demo_worker");
            assertThat(writes(fake)).isEmpty();

            // 3. a new image for web: only web is updated, at the version the engine gave
            fake.requests.clear();
            String webId = swarm.services.entrySet().stream()
                    .filter(e -> e.getValue().get("Spec").get("Name").asText().equals("demo_web"))
                    .map(Map.Entry::getKey).findFirst().orElseThrow();
            StackDeployer.Result third = deployer.deploy(stack(STACK, "web:2"), project, true);
            assertThat(third.updated()).containsExactly("service demo_web");
            assertThat(third.unchanged()).containsExactly("service demo_worker");
            assertThat(writes(fake)).containsExactly("POST /services/" + webId + "/update?version=1");
            assertThat(swarm.serviceSpec("demo_web").get("TaskTemplate").get("ContainerSpec").get("Image").asText())
                    .isEqualTo("web:2");

            // 4. worker dropped and new config content, with prune: the stale service and config go
            fake.requests.clear();
            Files.writeString(dir.resolve("web.conf"), "two\n");
            String withoutWorker = STACK.replace("  worker:\n    image: worker:1\n    networks: [front]\n", "");
            StackDeployer.Result fourth = deployer.deploy(stack(withoutWorker, "web:2"), project, true);
            String newConfig = "demo_conf-" + StackDeployer.sha256("two\n".getBytes()).substring(0, 12);
            assertThat(fourth.created()).containsExactly("config " + newConfig);
            assertThat(fourth.updated()).containsExactly("service demo_web");
            assertThat(fourth.removed()).containsExactly("service demo_worker", "config " + config);
            assertThat(swarm.configs.values()).extracting(c -> c.get("Spec").get("Name").asText())
                    .containsExactly(newConfig);
            assertThat(swarm.networks.values()).extracting(n -> n.get("Name").asText()).containsExactly("demo_front");
        }
    }

    @Test
    void aPlanNamesWhatTheDeployDoesAndSendsNothing() throws IOException {
        Files.writeString(dir.resolve("web.conf"), "one\n");
        Swarm swarm = new Swarm();
        Path socket = dir.resolve("p.sock");
        try (FakeEngine fake = new FakeEngine(socket, swarm::handle);
                DockerEngine engine = DockerEngine.connect(socket, Duration.ofSeconds(5))) {
            StackDeployer deployer = new StackDeployer(engine, line -> { });
            StackDeployer.Result plan = deployer.plan(stack(STACK, "web:1"), Map.of(), true);
            assertThat(writes(fake)).as("a plan sends nothing").isEmpty();
            assertThat(deployer.deploy(stack(STACK, "web:1"), Map.of(), true)).isEqualTo(plan);

            fake.requests.clear();
            StackDeployer.Result update = deployer.plan(stack(STACK, "web:2"), Map.of(), true);
            assertThat(update.updated()).containsExactly("service demo_web");
            assertThat(update.unchanged()).containsExactly("service demo_worker");
            assertThat(deployer.planRemoval("demo")).contains("service demo_web", "service demo_worker", "network demo_front");
            assertThat(writes(fake)).isEmpty();
            // a wait no longer than one poll is one look (Failsafe refuses a policy that short): no task runs here
            assertThatThrownBy(() -> deployer.awaitConverged("demo", Duration.ofSeconds(1)))
                    .isInstanceOf(StackDeployException.class).hasMessageContaining("did not converge within 1 s");
        }
    }

    @Test
    void theSpecHashLabelIsTheHashOfTheSpecSentWithoutIt() throws IOException {
        Files.writeString(dir.resolve("web.conf"), "one\n");
        Swarm swarm = new Swarm();
        Path socket = dir.resolve("d.sock");
        try (FakeEngine fake = new FakeEngine(socket, swarm::handle);
                DockerEngine engine = DockerEngine.connect(socket, Duration.ofSeconds(5))) {
            new StackDeployer(engine, line -> { }).deploy(stack(STACK, "web:1"), Map.of(), false);
        }

        ObjectNode sent = swarm.serviceSpec("demo_web").deepCopy();
        String label = ((ObjectNode) sent.get("Labels")).remove(StackDeployer.SPEC_HASH_LABEL).asText();
        ObjectMapper lenient = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        assertThat(ServiceSpecs.specHash(lenient.treeToValue(sent, ServiceSpec.class))).isEqualTo(label);
    }
}
