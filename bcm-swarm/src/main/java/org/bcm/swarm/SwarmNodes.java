package org.bcm.swarm;

import com.github.dockerjava.api.model.Swarm;
import com.github.dockerjava.api.model.SwarmNodeRole;
import com.github.dockerjava.api.model.SwarmNodeSpec;
import com.github.dockerjava.api.model.SwarmSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** This engine's swarm membership (init, join, leave, tokens) and the swarm's nodes. */
final class SwarmNodes {

    private static final Logger LOG = LoggerFactory.getLogger(DockerEngine.class);

    private final EngineConnection engine;

    SwarmNodes(EngineConnection engine) {
        this.engine = engine;
    }

    SwarmState state() {
        return engine.call("reading the swarm state", () -> EngineModels.swarmState(engine.getJson("/info")));
    }

    String init(String advertiseAddress) {
        engine.call("initialising a swarm (advertising " + advertised(advertiseAddress) + ")",
                () -> engine.client().initializeSwarmCmd(new SwarmSpec())
                        .withListenAddr(DockerEngine.SWARM_LISTEN_ADDRESS)
                        .withAdvertiseAddr(advertiseAddress)
                        .exec());
        return state().nodeId();
    }

    JoinTokens joinTokens() {
        String action = "reading the swarm join tokens";
        Swarm swarm = engine.call(action, () -> engine.client().inspectSwarmCmd().exec());
        JoinTokens tokens = EngineModels.joinTokens(swarm);
        if (tokens == null) {
            throw new DockerEngineException(
                    "Failed " + action + " on " + engine.endpoint() + ": the reply holds no join tokens",
                    0, engine.endpoint(), null, null);
        }
        return tokens;
    }

    String clusterId() {
        return engine.call("reading the swarm id", () -> engine.client().inspectSwarmCmd().exec().getId());
    }

    void join(List<String> managerAddresses, String joinToken, String advertiseAddress) {
        Objects.requireNonNull(managerAddresses, "managerAddresses");
        if (managerAddresses.isEmpty()) {
            throw new IllegalArgumentException("at least one manager address is needed to join a swarm");
        }
        if (joinToken == null || joinToken.isBlank()) {
            throw new IllegalArgumentException("a join token is needed to join a swarm");
        }
        List<String> managers = List.copyOf(managerAddresses);
        engine.call("joining the swarm via " + managers + " (advertising " + advertised(advertiseAddress) + ")",
                () -> engine.client().joinSwarmCmd()
                        .withListenAddr(DockerEngine.SWARM_LISTEN_ADDRESS)
                        .withAdvertiseAddr(advertiseAddress)
                        .withRemoteAddrs(managers)
                        .withJoinToken(joinToken)
                        .exec());
    }

    void leave(boolean force) {
        engine.call(force ? "leaving the swarm (forced)" : "leaving the swarm",
                () -> engine.client().leaveSwarmCmd().withForceEnabled(force).exec());
    }

    /** Sorted by hostname then id. */
    List<SwarmNode> nodes() {
        List<SwarmNode> nodes = new ArrayList<>();
        for (com.github.dockerjava.api.model.SwarmNode node :
                engine.call("listing the swarm nodes", () -> engine.client().listSwarmNodesCmd().exec())) {
            nodes.add(EngineModels.swarmNode(node));
        }
        nodes.sort(Comparator.comparing(SwarmNode::hostname, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(SwarmNode::id));
        return List.copyOf(nodes);
    }

    Optional<SwarmNode> node(String id) {
        requireId(id);
        return find("reading node " + id, id).map(EngineModels::swarmNode);
    }

    /** Sets exactly {@code labels}, keeping role and availability; on a version conflict reads again, once. */
    void updateLabels(String nodeId, Map<String, String> labels) {
        requireId(nodeId);
        Objects.requireNonNull(labels, "labels");
        Map<String, String> wanted = new HashMap<>();
        labels.forEach((key, value) -> {
            if (key == null || key.isBlank() || value == null) {
                throw new IllegalArgumentException("label keys must be non-blank and values non-null: "
                        + key + "=" + value);
            }
            wanted.put(key, value);
        });
        updateSpec("updating the labels of node " + nodeId, nodeId, current -> new SwarmNodeSpec()
                .withName(current.getName())
                .withRole(current.getRole())
                .withAvailability(current.getAvailability())
                .withLabels(new HashMap<>(wanted)));
    }

    /** Sets the role ({@link SwarmNode#ROLE_MANAGER} or {@link SwarmNode#ROLE_WORKER}), keeping the rest; as {@link #updateLabels}. */
    void updateRole(String nodeId, String role) {
        requireId(nodeId);
        SwarmNodeRole wanted = switch (Objects.requireNonNull(role, "role")) {
            case SwarmNode.ROLE_MANAGER -> SwarmNodeRole.MANAGER;
            case SwarmNode.ROLE_WORKER -> SwarmNodeRole.WORKER;
            default -> throw new IllegalArgumentException("role must be manager or worker: " + role);
        };
        updateSpec((wanted == SwarmNodeRole.MANAGER ? "promoting" : "demoting") + " node " + nodeId, nodeId, current -> new SwarmNodeSpec()
                .withName(current.getName())
                .withRole(wanted)
                .withAvailability(current.getAvailability())
                .withLabels(current.getLabels() == null ? new HashMap<>() : new HashMap<>(current.getLabels())));
    }

    /** Writes {@code change} of the node's current spec at its current version; on a version conflict reads again, once. */
    private void updateSpec(String action, String nodeId, java.util.function.UnaryOperator<SwarmNodeSpec> change) {
        for (int attempt = 1; ; attempt++) {
            com.github.dockerjava.api.model.SwarmNode current = find(action, nodeId)
                    .orElseThrow(() -> EngineErrors.notFound(action, engine.endpoint(), "node " + nodeId));
            SwarmNodeSpec spec = change.apply(current.getSpec() == null ? new SwarmNodeSpec() : current.getSpec());
            Long version = current.getVersion() == null ? null : current.getVersion().getIndex();
            try {
                engine.call(action, () -> engine.client().updateSwarmNodeCmd()
                        .withSwarmNodeId(nodeId)
                        .withVersion(version)
                        .withSwarmNodeSpec(spec)
                        .exec());
                return;
            } catch (DockerEngineException e) {
                if (attempt >= 2 || !e.isVersionConflict()) {
                    throw e;
                }
                LOG.debug("node {} changed since version {}, reading it again", nodeId, version);
            }
        }
    }

    void remove(String nodeId, boolean force) {
        requireId(nodeId);
        engine.call("removing node " + nodeId + (force ? " (forced)" : ""),
                () -> engine.client().removeSwarmNodeCmd(nodeId).withForce(force).exec());
    }

    private Optional<com.github.dockerjava.api.model.SwarmNode> find(String action, String id) {
        List<com.github.dockerjava.api.model.SwarmNode> matches =
                engine.call(action, () -> engine.client().listSwarmNodesCmd().withIdFilter(List.of(id)).exec());
        // The engine's id filter matches prefixes: keep only the exact id.
        return matches.stream().filter(node -> id.equals(node.getId())).findFirst();
    }

    private static String advertised(String advertiseAddress) {
        return advertiseAddress == null ? "the engine's choice" : advertiseAddress;
    }

    private static void requireId(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a node id is needed");
        }
    }
}
