package org.bcm.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Contract test of {@link DockerEngine} against one real dockerd (20.10 / API 1.41 in bcm's
 * containers), taking it through a whole single-node swarm life cycle.
 *
 * <p>Runs only when {@code -Dbcm.docker.socket=/path/to/docker.sock} is given, for example
 * {@code mvn -B -pl bcm-swarm verify -Dbcm.docker.socket=/tmp/bcm-it/docker.sock}. The engine is taken
 * over: if it is part of a swarm it is made to leave it (forced), before and after the test. The
 * swarm advertise address is {@code -Dbcm.docker.advertise} (default {@code 127.0.0.1}, enough for a
 * single node).
 */
@EnabledIfSystemProperty(named = "bcm.docker.socket", matches = ".+")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerEngineIT {

    private DockerEngine engine;
    private String advertise;
    private String nodeId;

    @BeforeAll
    void takeOverTheEngine() {
        engine = DockerEngine.connect(Path.of(System.getProperty("bcm.docker.socket")));
        advertise = System.getProperty("bcm.docker.advertise", "127.0.0.1");
        leaveAnySwarm();
    }

    @AfterAll
    void leaveTheEngineOutOfAnySwarm() {
        if (engine != null) {
            try {
                leaveAnySwarm();
            } finally {
                engine.close();
            }
        }
    }

    private void leaveAnySwarm() {
        if (engine.swarmState().localNodeState() != LocalNodeState.INACTIVE) {
            engine.leaveSwarm(true);
        }
    }

    @Test
    @Order(1)
    void answersPingAndVersion() {
        engine.ping();
        assertThat(engine.isAnswering()).isTrue();

        EngineVersion version = engine.version();
        assertThat(version.version()).isNotBlank();
        assertThat(version.apiVersion()).matches("\\d+\\.\\d+");
        assertThat(version.os()).isEqualTo("linux");
        assertThat(version.arch()).isNotBlank();
        assertThat(version.kernelVersion()).isNotBlank();
    }

    @Test
    @Order(2)
    void inactiveEngineRefusesSwarmCallsWith503() {
        SwarmState state = engine.swarmState();
        assertThat(state.localNodeState()).isEqualTo(LocalNodeState.INACTIVE);
        assertThat(state.nodeId()).isNull();
        assertThat(state.clusterId()).isNull();
        assertThat(state.remoteManagers()).isEmpty();

        assertThatThrownBy(engine::joinTokens).isInstanceOfSatisfying(DockerEngineException.class,
                e -> assertThat(e.isSwarmStateUnsuitable()).as(e.getMessage()).isTrue());
        assertThatThrownBy(engine::nodes).isInstanceOfSatisfying(DockerEngineException.class,
                e -> assertThat(e.statusCode()).as(e.getMessage()).isEqualTo(503));
        assertThatThrownBy(() -> engine.leaveSwarm(false)).isInstanceOfSatisfying(DockerEngineException.class,
                e -> assertThat(e.statusCode()).as(e.getMessage()).isEqualTo(503));
    }

    @Test
    @Order(3)
    void initCreatesASwarmWithThisEngineAsManager() {
        nodeId = engine.initSwarm(advertise);

        SwarmState state = engine.swarmState();
        assertThat(nodeId).isNotBlank();
        assertThat(state.localNodeState()).isEqualTo(LocalNodeState.ACTIVE);
        assertThat(state.nodeId()).isEqualTo(nodeId);
        assertThat(state.controlAvailable()).isTrue();
        assertThat(state.isManager()).isTrue();
        assertThat(state.nodeAddress()).isEqualTo(advertise);
        assertThat(state.remoteManagers()).contains(advertise + ":2377");
        assertThat(state.clusterId()).isNotBlank().isEqualTo(engine.swarmClusterId());

        assertThatThrownBy(() -> engine.initSwarm(advertise)).isInstanceOfSatisfying(DockerEngineException.class,
                e -> assertThat(e.statusCode()).as(e.getMessage()).isEqualTo(503));
    }

    @Test
    @Order(4)
    void managerGivesJoinTokens() {
        JoinTokens tokens = engine.joinTokens();

        assertThat(tokens.worker()).startsWith("SWMTKN-1-");
        assertThat(tokens.manager()).startsWith("SWMTKN-1-");
        assertThat(tokens.worker()).isNotEqualTo(tokens.manager());
        assertThat(tokens.toString()).doesNotContain("SWMTKN");

        assertThatThrownBy(() -> engine.joinSwarm(List.of(advertise + ":2377"), tokens.worker(), advertise))
                .as("an engine already in a swarm cannot join one")
                .isInstanceOfSatisfying(DockerEngineException.class, e -> {
                    assertThat(e.statusCode()).as(e.getMessage()).isEqualTo(503);
                    assertThat(e.getMessage()).doesNotContain(tokens.worker());
                });
    }

    @Test
    @Order(5)
    void listsItselfAsTheOnlyNodeReadyLeaderManager() {
        SwarmNode self = awaitNode(SwarmNode::isReady, Duration.ofSeconds(30));

        assertThat(engine.nodes()).extracting(SwarmNode::id).containsExactly(nodeId);
        assertThat(self.isManager()).isTrue();
        assertThat(self.role()).isEqualTo("manager");
        assertThat(self.state()).isEqualTo("ready");
        assertThat(self.availability()).isEqualTo("active");
        assertThat(self.leader()).isTrue();
        assertThat(self.hostname()).isNotBlank();
        assertThat(self.version()).isPositive();
        assertThat(engine.node(nodeId.substring(0, 5))).as("a prefix is not an id").isEmpty();
        assertThat(engine.node("nosuchnode0000000000000000")).isEmpty();
    }

    @Test
    @Order(6)
    void updateNodeLabelsSetsExactlyTheGivenLabels() {
        long before = engine.node(nodeId).orElseThrow().version();

        engine.updateNodeLabels(nodeId, Map.of("bcm.test", "1", "bcm.tier", "bitcoin"));
        SwarmNode first = engine.node(nodeId).orElseThrow();
        assertThat(first.labels()).isEqualTo(Map.of("bcm.test", "1", "bcm.tier", "bitcoin"));
        assertThat(first.version()).isGreaterThan(before);

        engine.updateNodeLabels(nodeId, Map.of("bcm.test", "2"));
        SwarmNode second = engine.node(nodeId).orElseThrow();
        assertThat(second.labels()).isEqualTo(Map.of("bcm.test", "2"));
        assertThat(second.role()).isEqualTo("manager");
        assertThat(second.availability()).isEqualTo("active");

        engine.updateNodeLabels(nodeId, Map.of());
        assertThat(engine.node(nodeId).orElseThrow().labels()).isEmpty();

        assertThatThrownBy(() -> engine.updateNodeLabels("nosuchnode0000000000000000", Map.of("a", "b")))
                .isInstanceOfSatisfying(DockerEngineException.class, e -> assertThat(e.isNotFound()).isTrue());
    }

    @Test
    @Order(7)
    void removingAnUnknownNodeIsNotFound() {
        assertThatThrownBy(() -> engine.removeNode("nosuchnode0000000000000000", false))
                .isInstanceOfSatisfying(DockerEngineException.class,
                        e -> assertThat(e.statusCode()).as(e.getMessage()).isEqualTo(404));
    }

    @Test
    @Order(8)
    void lastManagerLeavesOnlyWhenForced() {
        assertThatThrownBy(() -> engine.leaveSwarm(false)).isInstanceOfSatisfying(DockerEngineException.class,
                e -> assertThat(e.statusCode()).as(e.getMessage()).isEqualTo(503));
        assertThat(engine.swarmState().isActive()).isTrue();

        engine.leaveSwarm(true);

        SwarmState state = engine.swarmState();
        assertThat(state.localNodeState()).isEqualTo(LocalNodeState.INACTIVE);
        assertThat(state.nodeId()).isNull();
    }

    private SwarmNode awaitNode(Predicate<SwarmNode> condition, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            SwarmNode node = engine.node(nodeId).orElseThrow();
            if (condition.test(node) || Instant.now().isAfter(deadline)) {
                return node;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
