package org.bcm.core.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.bcm.core.BcmException;
import org.bcm.core.Progress;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.swarm.DockerEngine;
import org.bcm.swarm.JoinTokens;
import org.bcm.swarm.LocalNodeState;
import org.bcm.swarm.SwarmNode;
import org.bcm.swarm.SwarmState;

/**
 * Brings the Docker daemons of a cluster's tier hosts into one swarm, converging from whatever state
 * they are in: the gateway's daemon initialises the swarm (and is its manager); every other daemon
 * joins it as a worker, leaving first any other swarm it is in; each node carries the swarm labels
 * {@code bcm.tier} and {@code bcm.cluster}; nodes that are down and belong to no current tier host
 * (left over from a destroyed instance) are removed.
 */
final class SwarmBootstrap {

    /** Engine API port of swarm management traffic. */
    static final int SWARM_PORT = 2377;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    /** A tier host with its daemon and its address on the cluster network. */
    record Member(TierHost host, DockerEngine engine, String ipv4) { }

    private final String clusterName;
    private final Progress progress;

    SwarmBootstrap(String clusterName, Progress progress) {
        this.clusterName = clusterName;
        this.progress = progress;
    }

    /**
     * Converges the swarm.
     *
     * @param manager the gateway host
     * @param workers the other tier hosts
     * @throws BcmException DOCKER_FAILED or TIMEOUT naming the node that did not become Ready
     */
    void converge(Member manager, List<Member> workers) {
        SwarmState managerState = manager.engine().swarmState();
        if (managerState.localNodeState() != LocalNodeState.ACTIVE || !managerState.controlAvailable()) {
            if (managerState.localNodeState() != LocalNodeState.INACTIVE) {
                manager.engine().leaveSwarm(true);
            }
            progress.report("swarm", "initialising the swarm on " + manager.host().instanceName());
            manager.engine().initSwarm(manager.ipv4());
            managerState = manager.engine().swarmState();
        }
        String managerAddress = manager.ipv4() + ":" + SWARM_PORT;
        Map<String, Member> byNodeId = new HashMap<>();
        byNodeId.put(managerState.nodeId(), manager);

        JoinTokens tokens = null;
        Set<String> knownNodes = manager.engine().nodes().stream().map(SwarmNode::id).collect(Collectors.toSet());
        for (Member worker : workers) {
            SwarmState state = worker.engine().swarmState();
            boolean member = state.localNodeState() == LocalNodeState.ACTIVE
                    && knownNodes.contains(state.nodeId())
                    && state.remoteManagers().contains(managerAddress);
            if (!member) {
                if (state.localNodeState() != LocalNodeState.INACTIVE) {
                    progress.report("swarm", worker.host().instanceName() + " leaves a swarm it should not be in");
                    worker.engine().leaveSwarm(true);
                }
                if (tokens == null) {
                    tokens = manager.engine().joinTokens();
                }
                progress.report("swarm", worker.host().instanceName() + " joins the swarm");
                worker.engine().joinSwarm(List.of(managerAddress), tokens.worker(), worker.ipv4());
                state = worker.engine().swarmState();
            }
            byNodeId.put(state.nodeId(), worker);
        }

        awaitReadyAndLabel(manager.engine(), byNodeId);
    }

    private void awaitReadyAndLabel(DockerEngine manager, Map<String, Member> byNodeId) {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (true) {
            List<SwarmNode> nodes = manager.nodes();
            for (SwarmNode node : nodes) {
                if (!byNodeId.containsKey(node.id()) && !node.isReady()) {
                    progress.report("swarm", "removing stale node " + node.hostname() + " (" + node.state() + ")");
                    manager.removeNode(node.id(), true);
                }
            }
            List<String> notReady = byNodeId.entrySet().stream()
                    .filter(e -> nodes.stream().noneMatch(n -> n.id().equals(e.getKey()) && n.isReady()))
                    .map(e -> e.getValue().host().instanceName())
                    .sorted()
                    .toList();
            if (notReady.isEmpty()) {
                for (SwarmNode node : nodes) {
                    Member member = byNodeId.get(node.id());
                    if (member != null) {
                        Map<String, String> wanted = new HashMap<>(node.labels());
                        wanted.put(ClusterLayout.SWARM_TIER_LABEL, member.host().tier().label());
                        wanted.put("bcm.cluster", clusterName);
                        if (!wanted.equals(node.labels())) {
                            manager.updateNodeLabels(node.id(), wanted);
                        }
                    }
                }
                progress.report("swarm", byNodeId.size() + " nodes ready");
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new BcmException(BcmException.Kind.TIMEOUT,
                        "Swarm nodes not Ready after " + READY_TIMEOUT.toSeconds() + " s: " + String.join(", ", notReady),
                        "check 'docker node ls' on bcm-gateway-01 and the node's dockerd log; then run 'bcm cluster create' again");
            }
            sleep(Duration.ofSeconds(1));
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BcmException(BcmException.Kind.INTERNAL, "Interrupted", null, e);
        }
    }
}
