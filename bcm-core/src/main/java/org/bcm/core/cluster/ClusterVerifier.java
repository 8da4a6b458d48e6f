package org.bcm.core.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.bcm.core.BcmException;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.Ports;
import org.bcm.core.port.SwarmEngine;
import org.bcm.lxd.Instance;
import org.bcm.lxd.Server;
import org.bcm.lxd.LxdException;
import org.bcm.swarm.DockerEngineException;
import org.bcm.swarm.SwarmNode;
import org.bcm.swarm.SwarmState;

/**
 * {@code bcm cluster verify}: checks every piece of a cluster (LXD reachable, the network and LXD
 * project present, every tier host running, its Docker daemon answering, every swarm node Ready with
 * its tier label) and reports each, on the first endpoint and on every added one (reachable with its
 * pinned certificate and trusting bcm, its tier hosts running, their swarm nodes Ready); a failing
 * piece is a failed check, never an exception.
 */
final class ClusterVerifier {

    private final ClusterStore store;
    private final Ports ports;
    private final Function<ClusterDefinition, InstanceServer> connect;
    private final Function<ClusterDefinition.AddedEndpoint, InstanceServer> connectAdded;

    /**
     * @param connect      opens the cluster's first endpoint (no request yet)
     * @param connectAdded opens one of its added endpoints with its pinned certificate (no request yet)
     */
    ClusterVerifier(ClusterStore store, Ports ports, Function<ClusterDefinition, InstanceServer> connect,
            Function<ClusterDefinition.AddedEndpoint, InstanceServer> connectAdded) {
        this.store = store;
        this.ports = ports;
        this.connect = connect;
        this.connectAdded = connectAdded;
    }

    VerifyReport verify(ClusterDefinition definition) {
        String name = definition.name();
        List<VerifyReport.Check> checks = new ArrayList<>();
        try (InstanceServer lxd = connect.apply(definition)) {
            Server server = lxd.server();
            boolean trusted = "trusted".equals(server.auth());
            checks.add(new VerifyReport.Check("lxd", trusted, "LXD " + server.serverVersion() + " at " + definition.endpoint()
                    + (definition.remote() ? ", certificate pinned" : "") + (trusted ? "" : ", but it does not trust bcm")));
            if (trusted) {
                verifyOn(lxd, definition, checks);
            }
        } catch (LxdException | BcmException e) {
            checks.add(new VerifyReport.Check("lxd", false, e.getMessage()));
        }
        return new VerifyReport(name, checks);
    }

    private void verifyOn(InstanceServer lxd, ClusterDefinition definition, List<VerifyReport.Check> checks) {
        ClusterLayout layout = new ClusterLayout(definition.name());
        boolean network = lxd.network(layout.network()).filter(n -> layout.owns(n.config())).isPresent();
        checks.add(new VerifyReport.Check("network " + layout.network(), network, network ? "present" : "missing"));
        boolean lxdProject = lxd.lxdProject(layout.lxdProject()).filter(p -> layout.owns(p.config())).isPresent();
        checks.add(new VerifyReport.Check("LXD project " + layout.lxdProject(), lxdProject, lxdProject ? "present" : "missing"));
        if (!lxdProject) {
            return;
        }
        InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
        List<TierHost> hosts = ClusterLayout.tierHosts(definition.hostsPerTier());
        lxd.network(layout.network()).filter(n -> layout.owns(n.config())).ifPresent(n -> {
            String gateway = hosts.stream().filter(h -> h.tier() == Tier.GATEWAY).findFirst()
                    .flatMap(h -> ClusterProvisioner.ipv4(inProject, h.instanceName())).orElse(null);
            List<String> problems = gateway != null ? ClusterEgress.problems(lxd, layout, n, gateway)
                    : ClusterEgress.current(n) == ClusterEgress.Mode.TOR_ONLY ? List.of("the gateway host has no address") : List.of();
            String mode = ClusterEgress.current(n).setting;
            checks.add(new VerifyReport.Check("egress", problems.isEmpty(), problems.isEmpty()
                    ? mode + (mode.equals("tor-only") ? " (only the gateway host " + gateway + " reaches the outside; DNS through its Tor)"
                            : " (NAT: every instance reaches the outside)")
                    : mode + ": " + String.join("; ", problems)));
        });
        Map<String, String> nodeIdToInstance = new HashMap<>();
        SwarmEngine manager = null;
        try (TierHostEngines engines = new TierHostEngines(store.home(), definition, inProject, ports)) {
            for (TierHost host : hosts) {
                String status = inProject.instance(host.instanceName()).map(Instance::status).orElse("missing");
                boolean running = "Running".equalsIgnoreCase(status);
                checks.add(new VerifyReport.Check("instance " + host.instanceName(), running, status));
                if (!running) {
                    continue;
                }
                SwarmEngine engine = engines.open(host);
                try {
                    String version = engine.version();
                    SwarmState swarm = engine.swarmState();
                    checks.add(new VerifyReport.Check("dockerd " + host.instanceName(), true,
                            "Docker " + version + ", swarm " + swarm.localNodeState().name().toLowerCase(Locale.ROOT)));
                    nodeIdToInstance.put(swarm.nodeId(), host.instanceName());
                    if (host.tier() == Tier.GATEWAY && manager == null && swarm.controlAvailable()) {
                        manager = engine;
                    }
                } catch (DockerEngineException e) {
                    checks.add(new VerifyReport.Check("dockerd " + host.instanceName(), false, e.getMessage()));
                }
            }
            if (manager == null) {
                checks.add(new VerifyReport.Check("swarm", false, "no gateway host is a swarm manager"));
                return;
            }
            List<SwarmNode> nodes;
            try {
                nodes = manager.nodes();
            } catch (DockerEngineException e) {
                checks.add(new VerifyReport.Check("swarm", false, e.getMessage()));
                return;
            }
            for (TierHost host : hosts) {
                Optional<SwarmNode> node = nodes.stream()
                        .filter(n -> host.instanceName().equals(nodeIdToInstance.get(n.id()))).findFirst();
                boolean ready = node.filter(n -> n.isReady()
                        && host.tier().label().equals(n.labels().get(ClusterLayout.SWARM_TIER_LABEL))).isPresent();
                checks.add(nodeCheck(host, node, ready));
            }
            for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
                verifyAdded(layout, added, nodes, checks);
            }
        }
    }

    private static VerifyReport.Check nodeCheck(TierHost host, Optional<SwarmNode> node, boolean ready) {
        return new VerifyReport.Check("swarm node " + host.instanceName(), ready,
                node.map(n -> n.state() + ", " + n.role() + ", bcm.tier=" + n.labels().get(ClusterLayout.SWARM_TIER_LABEL)
                        + ", bcm.endpoint=" + n.labels().get(ClusterLayout.SWARM_ENDPOINT_LABEL)).orElse("not in the swarm"));
    }

    /** An added endpoint: its LXD, its tier hosts' instances, and their swarm nodes (by hostname and endpoint label). */
    private void verifyAdded(ClusterLayout layout, ClusterDefinition.AddedEndpoint added, List<SwarmNode> nodes, List<VerifyReport.Check> checks) {
        String subject = "endpoint " + added.name();
        try (InstanceServer lxd = connectAdded.apply(added)) {
            Server server = lxd.server();
            boolean trusted = "trusted".equals(server.auth());
            checks.add(new VerifyReport.Check(subject, trusted, "LXD " + server.serverVersion() + " at " + added.endpoint()
                    + ", certificate pinned" + (trusted ? "" : ", but it does not trust bcm")));
            if (trusted) {
                InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
                boolean lxdProject = lxd.lxdProject(layout.lxdProject()).filter(p -> layout.owns(p.config())).isPresent();
                for (TierHost host : added.tierHosts()) {
                    String status = lxdProject ? inProject.instance(host.instanceName()).map(Instance::status).orElse("missing") : "missing";
                    checks.add(new VerifyReport.Check("instance " + host.instanceName(), "Running".equalsIgnoreCase(status), status));
                }
            }
        } catch (LxdException | BcmException e) {
            checks.add(new VerifyReport.Check(subject, false, added.endpoint() + ": " + e.getMessage()
                    + " (if it is gone for good: 'bcm cluster cull')"));
        }
        for (TierHost host : added.tierHosts()) {
            Optional<SwarmNode> node = nodes.stream().filter(n -> host.instanceName().equals(n.hostname())
                    && added.name().equals(n.labels().get(ClusterLayout.SWARM_ENDPOINT_LABEL))).max(java.util.Comparator.comparing(SwarmNode::isReady));
            checks.add(nodeCheck(host, node, node.filter(n -> n.isReady()
                    && host.tier().label().equals(n.labels().get(ClusterLayout.SWARM_TIER_LABEL))).isPresent()));
        }
    }
}
