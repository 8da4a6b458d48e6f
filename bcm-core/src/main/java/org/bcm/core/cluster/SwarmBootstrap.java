package org.bcm.core.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.core.home.BcmHome;
import org.bcm.core.port.SwarmEngine;
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

    /**
     * A tier host with its daemon, the address the swarm runs on, and its address on the cluster's
     * network ({@link ClusterLayout#SWARM_ADDRESS_LABEL}; the same unless the swarm runs on the LAN).
     */
    private record Member(TierHost host, SwarmEngine engine, String ipv4, String clusterAddress) { }

    private final ClusterLayout layout;
    private final BcmHome home;
    private final ClusterTimeouts timeouts;
    private final Progress progress;

    SwarmBootstrap(ClusterLayout layout, BcmHome home, ClusterTimeouts timeouts, Progress progress) {
        this.layout = layout;
        this.home = home;
        this.timeouts = timeouts;
        this.progress = progress;
    }

    /**
     * Converges the swarm of the first endpoint's tier hosts: the gateway's daemon is the manager.
     *
     * @param engines   opens the tier hosts' engines (the caller closes it)
     * @param swarmAddresses each host's IPv4 address the swarm runs on (advertise and data path): on the
     *                  cluster network, or on the LAN NIC when the cluster has a {@code lanInterface}
     * @param addresses each host's IPv4 address on the cluster network
     * @throws BcmException INVALID_INPUT (no gateway host), DOCKER_FAILED (a daemon does not answer),
     *     TIMEOUT naming the nodes that did not become Ready
     */
    void converge(TierHostEngines engines, List<TierHost> hosts, Map<TierHost, String> swarmAddresses, Map<TierHost, String> addresses) {
        List<Member> members = members(engines, hosts, swarmAddresses, addresses);
        Member manager = members.stream().filter(m -> m.host().tier() == Tier.GATEWAY).findFirst()
                .orElseThrow(() -> new BcmException(Kind.INVALID_INPUT, "Cluster '" + layout.clusterName() + "' has no gateway tier host",
                        "give the gateway tier at least one host in " + home.clusterDir(layout.clusterName()).resolve("cluster.yml")));
        converge(manager, true, members.stream().filter(m -> m != manager).toList(), ClusterDefinition.FIRST_ENDPOINT);
    }

    /**
     * Converges the tier hosts of an added endpoint into the swarm as workers of {@code manager} (the
     * first endpoint's gateway host, already a manager), labelled {@code bcm.endpoint=<endpointName>}.
     *
     * @param managerIpv4 the manager's address, which the workers join
     * @throws BcmException DOCKER_FAILED, TIMEOUT as {@link #converge(TierHostEngines, List, Map)}
     */
    void join(SwarmEngine manager, TierHost managerHost, String managerIpv4, String endpointName, TierHostEngines engines,
            List<TierHost> hosts, Map<TierHost, String> addresses) {
        for (SwarmNode node : manager.nodes()) {
            // the first endpoint's nodes of a cluster created before endpoints had names: for placement by endpoint
            if (layout.clusterName().equals(node.labels().get(ClusterLayout.SWARM_CLUSTER_LABEL))
                    && !node.labels().containsKey(ClusterLayout.SWARM_ENDPOINT_LABEL)) {
                Map<String, String> labels = new HashMap<>(node.labels());
                labels.put(ClusterLayout.SWARM_ENDPOINT_LABEL, ClusterDefinition.FIRST_ENDPOINT);
                manager.updateNodeLabels(node.id(), labels);
            }
        }
        converge(new Member(managerHost, manager, managerIpv4, null), false, members(engines, hosts, addresses, addresses), endpointName);
    }

    private List<Member> members(TierHostEngines engines, List<TierHost> hosts, Map<TierHost, String> swarmAddresses,
            Map<TierHost, String> addresses) {
        List<Member> members = new ArrayList<>();
        for (TierHost host : hosts) {
            SwarmEngine engine = engines.open(host);
            members.add(new Member(host, engine, swarmAddresses.get(host), addresses.get(host)));
            awaitDocker(host, engine);
        }
        return members;
    }

    private void awaitDocker(TierHost host, SwarmEngine engine) {
        Polling.until(() -> Optional.of(true).filter(answering -> engine.isAnswering()), timeouts.docker(), timeouts.poll())
                .orElseThrow(() -> new BcmException(Kind.DOCKER_FAILED,
                        "The Docker daemon in " + host.instanceName() + " does not answer after " + timeouts.docker().toSeconds() + " s",
                        "check 'systemctl status docker' in the instance; then run 'bcm cluster create' again"));
    }

    /**
     * @param ownManager   whether the manager is one of the hosts converged (it may be (re)initialised
     *                     and is labelled); false when workers of an added endpoint join it
     * @param endpointName the {@code bcm.endpoint} label of the converged nodes; nodes that are down,
     *                     belong to no member and carry this label (or none, on the first endpoint) are removed
     */
    private void converge(Member manager, boolean ownManager, List<Member> workers, String endpointName) {
        SwarmState managerState = manager.engine().swarmState();
        if (!ownManager && (managerState.localNodeState() != LocalNodeState.ACTIVE || !managerState.controlAvailable())) {
            throw new BcmException(Kind.DOCKER_FAILED, "The swarm manager " + manager.host().instanceName() + " has no working swarm",
                    "run 'bcm cluster create --cluster-name=" + layout.clusterName() + "' first, then add the endpoint again");
        }
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
        if (ownManager) {
            byNodeId.put(managerState.nodeId(), manager);
        }

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

        List<SwarmNode> nodes = awaitReady(manager.engine(), byNodeId, endpointName);
        for (SwarmNode node : nodes) {
            Member member = byNodeId.get(node.id());
            if (member != null) {
                Map<String, String> wanted = new HashMap<>(node.labels());
                wanted.put(ClusterLayout.SWARM_TIER_LABEL, member.host().tier().label());
                wanted.put(ClusterLayout.SWARM_CLUSTER_LABEL, layout.clusterName());
                wanted.put(ClusterLayout.SWARM_ENDPOINT_LABEL, endpointName);
                if (member.clusterAddress() != null) {
                    wanted.put(ClusterLayout.SWARM_ADDRESS_LABEL, member.clusterAddress());
                }
                if (!wanted.equals(node.labels())) {
                    manager.engine().updateNodeLabels(node.id(), wanted);
                }
            }
        }
        progress.report("swarm", byNodeId.size() + " nodes ready");
    }

    /**
     * Waits until every member's node is Ready, removing stale nodes (down, of no member, of this
     * endpoint) on the way: a down node of another endpoint is {@code bcm cluster cull}'s to remove.
     */
    private List<SwarmNode> awaitReady(SwarmEngine manager, Map<String, Member> byNodeId, String endpointName) {
        List<String> notReady = new ArrayList<>();
        return Polling.until(() -> {
            List<SwarmNode> nodes = manager.nodes();
            for (SwarmNode node : nodes) {
                String nodeEndpoint = node.labels().getOrDefault(ClusterLayout.SWARM_ENDPOINT_LABEL, ClusterDefinition.FIRST_ENDPOINT);
                if (!byNodeId.containsKey(node.id()) && !node.isReady() && nodeEndpoint.equals(endpointName)) {
                    progress.report("swarm", "removing stale node " + node.hostname() + " (" + node.state() + ")");
                    removeNode(manager, node);
                }
            }
            notReady.clear();
            byNodeId.forEach((id, member) -> {
                if (nodes.stream().noneMatch(n -> n.id().equals(id) && n.isReady())) {
                    notReady.add(member.host().instanceName());
                }
            });
            return notReady.isEmpty() ? Optional.of(nodes) : Optional.empty();
        }, timeouts.swarmReady(), timeouts.poll()).orElseThrow(() -> new BcmException(Kind.TIMEOUT,
                "Swarm nodes not Ready after " + timeouts.swarmReady().toSeconds() + " s: "
                        + String.join(", ", notReady.stream().sorted().toList()),
                "check 'docker node ls' on bcm-gateway-01 and the node's dockerd log; then run 'bcm cluster create' again"));
    }

    /**
     * Makes exactly the Ready nodes of the {@code wanted} hosts managers ({@link ClusterDefinition#swarmManagers}):
     * promotes those that are workers, demotes every other manager (an unreachable one too, while the
     * others keep a quorum), and waits until each promoted one is a Ready manager. Call it before
     * removing an endpoint's nodes, with the managers of the cluster as it will be.
     *
     * @param manager the first endpoint's gateway host's engine (a manager that stays one)
     * @throws BcmException TIMEOUT naming a promoted node that did not turn up as a manager
     */
    void convergeManagers(SwarmEngine manager, List<String> wanted) {
        List<String> promoted = new ArrayList<>();
        for (SwarmNode node : manager.nodes()) {
            boolean want = wanted.contains(node.hostname()) && node.isReady();
            if (want && !node.isManager()) {
                progress.report("swarm", "promoting " + node.hostname() + " to manager");
                manager.updateNodeRole(node.id(), SwarmNode.ROLE_MANAGER);
                promoted.add(node.id());
            } else if (!want && node.isManager()) {
                progress.report("swarm", "demoting " + node.hostname() + " to worker");
                manager.updateNodeRole(node.id(), SwarmNode.ROLE_WORKER);
            }
        }
        if (promoted.isEmpty()) {
            return;
        }
        Polling.until(() -> Optional.of(true).filter(done -> manager.nodes().stream()
                        .filter(n -> promoted.contains(n.id())).allMatch(n -> n.isManager() && n.isReady())),
                timeouts.swarmReady(), timeouts.poll()).orElseThrow(() -> new BcmException(Kind.TIMEOUT,
                "Promoted swarm managers not Ready after " + timeouts.swarmReady().toSeconds() + " s",
                "check 'docker node ls' on bcm-gateway-01; then run 'bcm cluster create' again"));
        progress.report("swarm", "managers: " + String.join(", ", wanted));
    }

    /** Removes a node that is down or leaving, demoting it first if it is a manager (dockerd refuses to remove a manager). */
    static void removeNode(SwarmEngine manager, SwarmNode node) {
        if (node.isManager()) {
            manager.updateNodeRole(node.id(), SwarmNode.ROLE_WORKER);
        }
        manager.removeNode(node.id(), true);
    }
}
