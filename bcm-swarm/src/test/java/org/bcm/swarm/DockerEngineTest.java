package org.bcm.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bcm.swarm.FakeEngine.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter against no engine and against {@link FakeEngine}; no dockerd involved. */
class DockerEngineTest {

    @TempDir
    Path dir;

    @Test
    void endpointIsAUnixUriOfTheAbsolutePath() {
        try (DockerEngine engine = DockerEngine.connect(dir.resolve("d.sock"))) {
            assertThat(engine.endpoint()).isEqualTo("unix://" + dir.toAbsolutePath() + "/d.sock");
            assertThat(engine.responseTimeout()).isEqualTo(Duration.ofSeconds(60));
        }
    }

    @Test
    void missingSocketFailsFastWithStatusZeroAndNamesThePath() {
        Path socket = dir.resolve("missing.sock");
        try (DockerEngine engine = DockerEngine.connect(socket)) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                assertThatThrownBy(engine::ping)
                        .isInstanceOf(DockerEngineUnavailableException.class)
                        .hasMessage("Failed pinging the engine on unix://" + socket
                                + ": no socket at " + socket + " (the engine is not exposed there)")
                        .satisfies(e -> assertThat(((DockerEngineException) e).statusCode()).isZero());
                assertThat(engine.isAnswering()).isFalse();
                assertThatThrownBy(engine::swarmState).isInstanceOf(DockerEngineUnavailableException.class);
            });
        }
    }

    @Test
    void socketFileWithoutListenerIsRefused() throws Exception {
        Path socket = dir.resolve("stale.sock");
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        try (DockerEngine engine = DockerEngine.connect(socket)) {
            assertThatThrownBy(engine::ping)
                    .isInstanceOf(DockerEngineUnavailableException.class)
                    .hasMessageEndingWith("nothing is listening on socket " + socket);
        }
    }

    @Test
    void silentEngineHitsTheDeadlineAndTheNextCallStillWorks() throws Exception {
        Path socket = dir.resolve("silent.sock");
        try (FakeEngine fake = new FakeEngine(socket, request -> null);
                DockerEngine engine = DockerEngine.connect(socket, Duration.ofMillis(300))) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(engine::ping)
                    .isInstanceOf(DockerEngineUnavailableException.class)
                    .hasMessage("Failed pinging the engine on unix://" + socket
                            + ": the engine did not reply within 300 ms"));

            fake.handler(request -> new Reply(200, "OK"));
            assertTimeoutPreemptively(Duration.ofSeconds(5), engine::ping);
        }
    }

    @Test
    void requestsUseUnversionedPaths() throws Exception {
        Path socket = dir.resolve("d.sock");
        try (FakeEngine fake = new FakeEngine(socket, request -> switch (request.path()) {
                    case "/_ping" -> new Reply(200, "OK");
                    case "/version" -> Reply.json(EngineModelsTest.VERSION);
                    case "/info" -> Reply.json(EngineModelsTest.INFO_MANAGER);
                    default -> Reply.error(404, "page not found");
                });
                DockerEngine engine = DockerEngine.connect(socket)) {
            engine.ping();
            assertThat(engine.version().apiVersion()).isEqualTo("1.41");
            assertThat(engine.swarmState().clusterId()).isEqualTo("lx3o5r1b8c7d9e2f4g6h8j0k1");

            assertThat(fake.targets()).containsExactly("GET /_ping", "GET /version", "GET /info");
        }
    }

    @Test
    void engineErrorBecomesAReadableExceptionWithTheStatus() throws Exception {
        Path socket = dir.resolve("d.sock");
        try (FakeEngine fake = new FakeEngine(socket, request -> Reply.error(503,
                        "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" "
                                + "to connect this node to swarm and try again."));
                DockerEngine engine = DockerEngine.connect(socket)) {
            assertThatThrownBy(engine::joinTokens)
                    .isExactlyInstanceOf(DockerEngineException.class)
                    .hasMessage("Failed reading the swarm join tokens on unix://" + socket
                            + ": This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" "
                            + "to connect this node to swarm and try again. (HTTP 503)")
                    .satisfies(e -> assertThat(((DockerEngineException) e).isSwarmStateUnsuitable()).isTrue());
            // the raw GET /info path maps errors the same way
            assertThatThrownBy(engine::swarmState)
                    .isExactlyInstanceOf(DockerEngineException.class)
                    .satisfies(e -> assertThat(((DockerEngineException) e).statusCode()).isEqualTo(503));
            // httpclient5's default retry strategy sends a GET answered 503 once more, after 1 s;
            // docker-java offers no way to turn that off.
            assertThat(fake.targets()).containsExactly("GET /swarm", "GET /swarm", "GET /info", "GET /info");
        }
    }

    @Test
    void initSwarmListensOnAllInterfacesAndReturnsTheNodeId() throws Exception {
        Path socket = dir.resolve("d.sock");
        try (FakeEngine fake = new FakeEngine(socket, request -> switch (request.path()) {
                    case "/swarm/init" -> Reply.json("\"q8zk3v0c6x2mb1h4n5p7r9t0w\"");
                    case "/info" -> Reply.json(EngineModelsTest.INFO_MANAGER);
                    default -> Reply.error(404, "page not found");
                });
                DockerEngine engine = DockerEngine.connect(socket)) {
            assertThat(engine.initSwarm("10.187.4.11")).isEqualTo("q8zk3v0c6x2mb1h4n5p7r9t0w");

            FakeEngine.Request init = fake.requests.get(0);
            assertThat(init.method() + " " + init.target()).isEqualTo("POST /swarm/init");
            assertThat(init.body()).contains("\"ListenAddr\":\"0.0.0.0:2377\"", "\"AdvertiseAddr\":\"10.187.4.11\"");
        }
    }

    @Test
    void joinSendsManagersAndTokenButFailuresDoNotShowTheToken() throws Exception {
        Path socket = dir.resolve("d.sock");
        String token = "SWMTKN-1-secretsecret-worker";
        try (FakeEngine fake = new FakeEngine(socket, request -> Reply.error(500,
                        "rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster"));
                DockerEngine engine = DockerEngine.connect(socket)) {
            assertThatThrownBy(() -> engine.joinSwarm(List.of("10.187.4.11:2377"), token, "10.187.4.12"))
                    .isInstanceOf(DockerEngineException.class)
                    .hasMessageStartingWith("Failed joining the swarm via [10.187.4.11:2377] (advertising 10.187.4.12) on unix://")
                    .hasMessageNotContaining(token);

            FakeEngine.Request join = fake.requests.get(0);
            assertThat(join.method() + " " + join.target()).isEqualTo("POST /swarm/join");
            assertThat(join.body()).contains("\"RemoteAddrs\":[\"10.187.4.11:2377\"]", "\"JoinToken\":\"" + token + "\"",
                    "\"ListenAddr\":\"0.0.0.0:2377\"");
        }
        try (DockerEngine engine = DockerEngine.connect(socket)) {
            assertThatThrownBy(() -> engine.joinSwarm(List.of(), token, null))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.joinSwarm(List.of("10.187.4.11:2377"), " ", null))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void nodeMatchesTheExactIdOnly() throws Exception {
        Path socket = dir.resolve("d.sock");
        // The engine's id filter matches prefixes: the fake returns both nodes whatever the filter.
        try (FakeEngine fake = new FakeEngine(socket, request -> Reply.json(EngineModelsTest.NODES));
                DockerEngine engine = DockerEngine.connect(socket)) {
            assertThat(engine.node("w0rk3r1d")).map(SwarmNode::hostname).contains("bcm-dev-02");
            assertThat(engine.node("w0rk")).isEmpty();
            assertThat(engine.nodes()).extracting(SwarmNode::hostname).containsExactly("bcm-dev-01", "bcm-dev-02");
            assertThat(fake.requests.get(0).target()).startsWith("/nodes?filters=");
        }
    }

    @Test
    void updateNodeLabelsReplacesLabelsKeepsRoleAndRetriesOnceOnVersionConflict() throws Exception {
        Path socket = dir.resolve("d.sock");
        AtomicInteger updates = new AtomicInteger();
        AtomicInteger lists = new AtomicInteger();
        try (FakeEngine fake = new FakeEngine(socket, request -> {
                    if (request.path().equals("/nodes")) {
                        // the second read sees the node at a newer version
                        return Reply.json(lists.incrementAndGet() == 1
                                ? EngineModelsTest.NODES
                                : EngineModelsTest.NODES.replace("{\"Index\":21}", "{\"Index\":22}"));
                    }
                    if (request.path().endsWith("/update") && updates.incrementAndGet() == 1) {
                        return Reply.error(500, "rpc error: code = Unknown desc = update out of sequence");
                    }
                    return new Reply(200, "");
                });
                DockerEngine engine = DockerEngine.connect(socket)) {
            engine.updateNodeLabels("q8zk3v0c6x2mb1h4n5p7r9t0w", Map.of("bcm.tier", "lightning"));

            List<String> updateTargets = fake.targets().stream().filter(t -> t.contains("/update")).toList();
            assertThat(updateTargets).containsExactly(
                    "POST /nodes/q8zk3v0c6x2mb1h4n5p7r9t0w/update?version=21",
                    "POST /nodes/q8zk3v0c6x2mb1h4n5p7r9t0w/update?version=22");
            String body = fake.requests.get(fake.requests.size() - 1).body();
            assertThat(body).contains("\"Labels\":{\"bcm.tier\":\"lightning\"}", "\"Role\":\"manager\"",
                    "\"Availability\":\"active\"");
        }
    }

    @Test
    void updateNodeRoleSetsTheRoleAndKeepsLabelsAndAvailability() throws Exception {
        Path socket = dir.resolve("d.sock");
        try (FakeEngine fake = new FakeEngine(socket, request -> request.path().equals("/nodes")
                        ? Reply.json(EngineModelsTest.NODES) : new Reply(200, ""));
                DockerEngine engine = DockerEngine.connect(socket)) {
            engine.updateNodeRole("q8zk3v0c6x2mb1h4n5p7r9t0w", SwarmNode.ROLE_WORKER);
            assertThat(fake.targets().stream().filter(t -> t.contains("/update")))
                    .containsExactly("POST /nodes/q8zk3v0c6x2mb1h4n5p7r9t0w/update?version=21");
            String body = fake.requests.get(fake.requests.size() - 1).body();
            assertThat(body).contains("\"Role\":\"worker\"", "\"Availability\":\"active\"", "\"bcm.tier\":\"bitcoin\"");
            assertThatThrownBy(() -> engine.updateNodeRole("q8zk3v0c6x2mb1h4n5p7r9t0w", "boss")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void updateNodeLabelsGivesUpAfterTheSecondConflict() throws Exception {
        Path socket = dir.resolve("d.sock");
        try (FakeEngine fake = new FakeEngine(socket, request -> request.path().equals("/nodes")
                        ? Reply.json(EngineModelsTest.NODES)
                        : Reply.error(500, "rpc error: code = Unknown desc = update out of sequence"));
                DockerEngine engine = DockerEngine.connect(socket)) {
            assertThatThrownBy(() -> engine.updateNodeLabels("w0rk3r1d", Map.of()))
                    .isInstanceOf(DockerEngineException.class)
                    .satisfies(e -> assertThat(((DockerEngineException) e).isVersionConflict()).isTrue());
            assertThat(fake.targets().stream().filter(t -> t.contains("/update"))).hasSize(2);
        }
    }

    @Test
    void updateNodeLabelsOfAnUnknownNodeIsNotFound() throws Exception {
        Path socket = dir.resolve("d.sock");
        try (FakeEngine fake = new FakeEngine(socket, request -> Reply.json(EngineModelsTest.NODES));
                DockerEngine engine = DockerEngine.connect(socket)) {
            assertThatThrownBy(() -> engine.updateNodeLabels("nosuchnode", Map.of("a", "b")))
                    .isInstanceOf(DockerEngineException.class)
                    .hasMessage("Failed updating the labels of node nosuchnode on unix://" + socket
                            + ": node nosuchnode not found (HTTP 404)")
                    .satisfies(e -> assertThat(((DockerEngineException) e).isNotFound()).isTrue());
            assertThat(fake.targets()).noneMatch(t -> t.contains("/update"));
        }
    }

    @Test
    void removeAndLeaveSendForce() throws Exception {
        Path socket = dir.resolve("d.sock");
        try (FakeEngine fake = new FakeEngine(socket, request -> new Reply(200, ""));
                DockerEngine engine = DockerEngine.connect(socket)) {
            engine.removeNode("w0rk3r1d", true);
            engine.leaveSwarm(true);
            assertThat(fake.targets()).containsExactly("DELETE /nodes/w0rk3r1d?force=true", "POST /swarm/leave?force=true");
        }
    }

    @Test
    void callsAfterCloseFail() {
        DockerEngine engine = DockerEngine.connect(dir.resolve("d.sock"));
        engine.close();
        engine.close();
        assertThatThrownBy(engine::ping).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void timeoutMustBePositive() {
        assertThatThrownBy(() -> DockerEngine.connect(dir.resolve("d.sock"), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.exists(dir.resolve("d.sock"))).isFalse();
    }

    @Test
    void aSecretIsCreatedWithExactlyItsBytesEvenBinaryOnes() throws Exception {
        Path socket = dir.resolve("engine.sock");
        try (FakeEngine fake = new FakeEngine(socket, request -> Reply.json("{\"ID\":\"s1\"}"));
             DockerEngine engine = DockerEngine.connect(socket)) {
            byte[] data = {'b', 'c', 'm', ':', '$', '2', 'y', 0, (byte) 0xff, (byte) 0xc3, '\n'};
            assertThat(engine.createSecret("gateway_x-1a2b3c4d", data, java.util.Map.of("bcm.project", "p"))).isEqualTo("s1");
            var sent = new com.fasterxml.jackson.databind.ObjectMapper().readTree(fake.requests.get(0).body());
            assertThat(fake.requests.get(0).target()).isEqualTo("/secrets/create");
            assertThat(sent.get("Name").asText()).isEqualTo("gateway_x-1a2b3c4d");
            assertThat(java.util.Base64.getDecoder().decode(sent.get("Data").asText())).isEqualTo(data);
            assertThat(sent.get("Labels").get("bcm.project").asText()).isEqualTo("p");
        }
    }

    @Test
    void registryCredentialsTravelInTheRegistryAuthHeaderAndAreNeverPrinted() throws Exception {
        Path socket = dir.resolve("engine.sock");
        RegistryCredentials credentials = new RegistryCredentials("127.0.0.1:5000", "bcm", "s3cret-password");
        try (FakeEngine fake = new FakeEngine(socket, request -> request.path().startsWith("/distribution/")
                ? (request.headers().containsKey("X-Registry-Auth")
                        ? Reply.json("{\"Descriptor\":{\"digest\":\"sha256:" + "ab".repeat(32) + "\"}}")
                        : Reply.error(401, "unauthorized"))
                : Reply.json("{}"));
             DockerEngine engine = DockerEngine.connect(socket)) {
            assertThat(engine.registryDigest("127.0.0.1:5000/bcm/tor:abc", credentials)).contains("sha256:" + "ab".repeat(32));
            assertThat(engine.registryDigest("127.0.0.1:5000/bcm/tor:abc", null)).isEmpty();
            String auth = fake.requests.get(0).headers().get("X-Registry-Auth");
            var decoded = new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.util.Base64.getUrlDecoder().decode(auth));
            assertThat(decoded.get("username").asText()).isEqualTo("bcm");
            assertThat(decoded.get("password").asText()).isEqualTo("s3cret-password");
            assertThat(decoded.get("serveraddress").asText()).isEqualTo("127.0.0.1:5000");

            engine.updateService("svc1", 7, new com.github.dockerjava.api.model.ServiceSpec().withName("gateway_tor"), credentials);
            FakeEngine.Request update = fake.requests.get(2);
            assertThat(update.method() + " " + update.target()).isEqualTo("POST /services/svc1/update?version=7");
            assertThat(update.headers()).containsKey("X-Registry-Auth");
            assertThat(update.body()).contains("\"Name\":\"gateway_tor\"");
        }
        assertThat(credentials.toString()).doesNotContain("s3cret");
    }
}
