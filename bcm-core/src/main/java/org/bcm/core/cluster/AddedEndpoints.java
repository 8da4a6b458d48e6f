package org.bcm.core.cluster;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.core.home.BcmHome;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.Ports;
import org.bcm.core.port.SwarmEngine;
import org.bcm.lxd.Instance;
import org.bcm.lxd.LxdException;
import org.bcm.swarm.SwarmNode;

/**
 * The steps for a cluster's added endpoints (the endpoints after its first): adding and converging
 * one, removing one, culling those that stopped answering, and cleaning them all before a destroy.
 * {@link ClusterService} checks the names and options and calls these.
 */
final class AddedEndpoints {

    private final ClusterStore store;
    private final Ports ports;
    private final ClusterTimeouts timeouts;
    private final Progress progress;
    private final ClusterAccess access;

    AddedEndpoints(ClusterStore store, Ports ports, ClusterTimeouts timeouts, Progress progress, ClusterAccess access) {
        this.store = store;
        this.ports = ports;
        this.timeouts = timeouts;
        this.progress = progress;
        this.access = access;
    }

    /**
     * Reaches the endpoint ({@link ClusterAccess#reach}), refuses it when it is already in the cluster
     * or belongs to another controller (deleting a pin written for an endpoint that is not in the
     * cluster), then stores it in the definition and converges it.
     */
    ClusterDefinition add(ClusterDefinition definition, String endpointName, String provider, ClusterService.Placement placement,
            String parentInterface, Map<Tier, Integer> hosts) {
        String name = definition.name();
        ClusterDefinition.AddedEndpoint stored = definition.addedEndpoint(endpointName).orElse(null);
        RemoteEndpoint remote = access.remote();
        ClusterDefinition.AddedEndpoint added;
        try {
            ClusterAccess.Reached reached = access.reach("Endpoint '" + endpointName + "' of cluster '" + name + "'",
                    remote.pinnedCertificate(name, endpointName), provider, placement,
                    stored == null ? null : stored.endpoint(), stored == null ? null : stored.ssh());
            String twice = reached.endpoint().equals(definition.endpoint()) ? "its first endpoint"
                    : definition.addedEndpoints().stream().filter(e -> !e.name().equals(endpointName) && e.endpoint().equals(reached.endpoint()))
                            .map(e -> "endpoint '" + e.name() + "'").findFirst().orElse(null);
            added = new ClusterDefinition.AddedEndpoint(endpointName, provider, reached.endpoint(), reached.ssh(), parentInterface, hosts);
            ClusterDefinition.AddedEndpoint joining = added;
            access.mapped(definition, () -> {
                try (InstanceServer lxd = access.connectAdded(name, joining)) {
                    if (twice != null) {
                        if (reached.trustedNow()) {
                            lxd.removeCertificate(remote.controllerFingerprint());
                        }
                        throw new BcmException(Kind.INVALID_INPUT, reached.endpoint() + " is already " + twice + " of cluster '" + name + "'",
                                "an endpoint is in a cluster once; see 'bcm cluster show --cluster-name=" + name + "'");
                    }
                    remote.requireNoOtherController(lxd, joining.endpoint(), reached.trustedNow());
                }
                return null;
            });
        } catch (RuntimeException e) {
            if (stored == null) {
                // refused before it joined: no pin of an endpoint that is not in the cluster
                BcmHome.deleteTree(remote.pinnedCertificate(name, endpointName).getParent());
            }
            throw e;
        }
        ClusterDefinition updated = definition.withAddedEndpoint(added);
        store.save(updated);
        converge(updated, added);
        return updated;
    }

    /**
     * Converges an added endpoint's tier hosts and their swarm membership
     * ({@link ClusterProvisioner#ensureAdded}, {@link SwarmBootstrap#join}).
     */
    void converge(ClusterDefinition definition, ClusterDefinition.AddedEndpoint added) {
        ClusterLayout layout = definition.layout();
        access.mapped(definition, () -> {
            try (InstanceServer first = access.connect(definition); InstanceServer lxd = access.connectAdded(definition.name(), added)) {
                InstanceServer firstProject = first.useLxdProject(layout.lxdProject());
                List<TierHost> firstHosts = ClusterLayout.tierHosts(definition.hostsPerTier());
                // where the added endpoint reaches them: on the LAN when the first endpoint's hosts are on it too
                String swarmNic = definition.lanInterface() == null ? "eth0" : ClusterDefinition.LAN_NIC;
                Map<Tier, String> firstAddresses = new EnumMap<>(Tier.class);
                for (Tier tier : List.of(Tier.GATEWAY, Tier.KAFKA)) {
                    firstHosts.stream().filter(h -> h.tier() == tier).findFirst()
                            .flatMap(h -> ClusterProvisioner.ipv4(firstProject, h.instanceName(), swarmNic))
                            .ifPresent(address -> firstAddresses.put(tier, address));
                }
                TierHost gateway = firstHosts.stream().filter(h -> h.tier() == Tier.GATEWAY).findFirst().orElse(null);
                if (gateway == null || !firstAddresses.containsKey(Tier.GATEWAY)) {
                    throw new BcmException(Kind.DOCKER_FAILED, "The swarm manager of cluster '" + definition.name() + "' is not running",
                            "run 'bcm cluster create --cluster-name=" + definition.name() + "' first");
                }
                progress.report("cluster", "endpoint " + added.name() + " (" + added.endpoint() + ")");
                Map<TierHost, String> addresses = new ClusterProvisioner(store, ports, timeouts, progress)
                        .ensureAdded(lxd, layout, added, access.remote().controllerId(), firstAddresses);
                try (TierHostEngines firstEngines = new TierHostEngines(store.home(), definition, firstProject, ports);
                        TierHostEngines addedEngines = new TierHostEngines(store.home(), definition.name(), true,
                                lxd.useLxdProject(layout.lxdProject()), ports)) {
                    SwarmBootstrap bootstrap = new SwarmBootstrap(layout, store.home(), timeouts, progress);
                    SwarmEngine manager = firstEngines.open(gateway);
                    bootstrap.join(manager, gateway, firstAddresses.get(Tier.GATEWAY), added.name(), addedEngines, added.tierHosts(), addresses);
                    bootstrap.convergeManagers(manager, definition.swarmManagers());
                }
            }
            return null;
        });
    }

    /** See {@link ClusterService#removeEndpoint}. */
    List<String> remove(ClusterDefinition definition, ClusterDefinition.AddedEndpoint added) {
        String name = definition.name();
        ClusterLayout layout = definition.layout();
        List<String> removed = new ArrayList<>();
        access.mapped(definition, () -> {
            try (InstanceServer lxd = access.connectAdded(name, added); Engines engines = access.engines(definition)) {
                // its managers step down before its hosts leave
                new SwarmBootstrap(layout, store.home(), timeouts, progress).convergeManagers(engines.manager(),
                        definition.withoutAddedEndpoint(added.name()).swarmManagers());
                InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
                if (lxd.lxdProject(layout.lxdProject()).isPresent()) {
                    try (TierHostEngines addedEngines = new TierHostEngines(store.home(), name, true, inProject, ports)) {
                        for (TierHost host : added.tierHosts()) {
                            if (inProject.instance(host.instanceName()).filter(Instance::running).isPresent()) {
                                progress.report(host.instanceName(), "leaving the swarm");
                                addedEngines.open(host).leaveSwarm(true);
                            }
                        }
                    }
                }
                removed.addAll(removeNodes(definition, engines, n -> added.name().equals(n.labels().get(ClusterLayout.SWARM_ENDPOINT_LABEL))));
                removed.addAll(new ClusterTeardown(timeouts, progress).destroyRemote(lxd, layout, access.remote().controllerFingerprint()));
            }
            return null;
        });
        forget(definition, added.name());
        return removed;
    }

    /** See {@link ClusterService#cullCandidates}; {@code engines} are the first endpoint's. */
    CullPlan cullCandidates(ClusterDefinition definition, Engines engines) {
        List<SwarmNode> nodes = access.mapped(definition, () -> engines.manager().nodes());
        List<String> dead = new ArrayList<>();
        List<String> deadHosts = new ArrayList<>();
        List<TierHost> firstHosts = ClusterLayout.tierHosts(definition.hostsPerTier());
        deadHosts.addAll(access.withLxd(definition, first -> deadTail(firstHosts, down(first, definition.layout(), firstHosts, nodes), true)));
        for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
            boolean anyReady = nodes.stream().anyMatch(n -> added.name().equals(n.labels().get(ClusterLayout.SWARM_ENDPOINT_LABEL)) && n.isReady());
            Set<String> down;
            try (InstanceServer lxd = access.connectAdded(definition.name(), added)) {
                down = down(lxd, definition.layout(), added.tierHosts(), nodes);
            } catch (BcmException | LxdException e) {
                if (!anyReady) {
                    dead.add(added.name());
                }
                continue;
            }
            deadHosts.addAll(deadTail(added.tierHosts(), down, false));
        }
        return new CullPlan(dead, deadHosts);
    }

    /** The hosts whose instance is missing or not running and that have no Ready swarm node of their name. */
    private Set<String> down(InstanceServer lxd, ClusterLayout layout, List<TierHost> hosts, List<SwarmNode> nodes) {
        InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
        boolean project = lxd.lxdProject(layout.lxdProject()).isPresent();
        Set<String> down = new HashSet<>();
        for (TierHost host : hosts) {
            boolean running = project && inProject.instance(host.instanceName()).filter(Instance::running).isPresent();
            boolean ready = nodes.stream().anyMatch(n -> n.hostname().equals(host.instanceName()) && n.isReady());
            if (!running && !ready) {
                down.add(host.instanceName());
            }
        }
        return down;
    }

    /**
     * The down hosts cull may take from one endpoint: per tier, from its last host back to the first
     * one that is up; on the first endpoint never a tier's first host; on an added one never all its hosts.
     */
    private static List<String> deadTail(List<TierHost> hosts, Set<String> down, boolean firstEndpoint) {
        List<String> dead = new ArrayList<>();
        for (Tier tier : Tier.values()) {
            List<TierHost> ofTier = hosts.stream().filter(h -> h.tier() == tier).toList();
            for (int i = ofTier.size() - 1; i >= (firstEndpoint ? 1 : 0) && down.contains(ofTier.get(i).instanceName()); i--) {
                dead.add(ofTier.get(i).instanceName());
            }
        }
        return !firstEndpoint && dead.size() == hosts.size() ? List.of() : dead;
    }

    /** See {@link ClusterService#cull}. */
    List<String> cull(ClusterDefinition definition, CullPlan confirmed) {
        try (Engines engines = access.engines(definition, true)) {
            CullPlan candidates = cullCandidates(definition, engines);
            List<String> notDown = new ArrayList<>(confirmed.endpoints().stream().filter(e -> !candidates.endpoints().contains(e)).toList());
            notDown.addAll(confirmed.tierHosts().stream().filter(h -> !candidates.tierHosts().contains(h)).toList());
            if (!notDown.isEmpty()) {
                throw new BcmException(Kind.INVALID_INPUT, String.join(", ", notDown) + " of cluster '" + definition.name()
                        + "' answer again, are not in it, or are not the last hosts of their tier",
                        "run 'bcm cluster cull' again to see what it would remove; remove an answering endpoint with 'bcm cluster remove-endpoint'");
            }
            ClusterDefinition withoutEndpoints = definition;
            for (String endpointName : confirmed.endpoints()) {
                withoutEndpoints = withoutEndpoints.withoutAddedEndpoint(endpointName);
            }
            // the culled managers step down first, while the others keep a quorum
            new SwarmBootstrap(definition.layout(), store.home(), timeouts, progress).convergeManagers(engines.manager(),
                    withoutHosts(withoutEndpoints, confirmed.tierHosts()).swarmManagers());
            List<String> removed = new ArrayList<>(removeNodes(definition, engines,
                    n -> confirmed.endpoints().contains(n.labels().get(ClusterLayout.SWARM_ENDPOINT_LABEL))));
            ClusterDefinition remaining = definition;
            for (String endpointName : confirmed.endpoints()) {
                remaining = forget(remaining, endpointName);
            }
            if (!confirmed.tierHosts().isEmpty()) {
                removed.addAll(cullTierHosts(remaining, engines, confirmed.tierHosts()));
            }
            return removed;
        }
    }

    /**
     * Deletes the instances of these down tier hosts where they still exist, removes their swarm
     * nodes, and lowers their tiers' host counts in the definition (each is its tier's last host).
     */
    private List<String> cullTierHosts(ClusterDefinition definition, Engines engines, List<String> names) {
        List<String> removed = new ArrayList<>();
        ClusterTeardown teardown = new ClusterTeardown(timeouts, progress);
        ClusterLayout layout = definition.layout();
        List<TierHost> firstHosts = ClusterLayout.tierHosts(definition.hostsPerTier());
        List<TierHost> onFirst = firstHosts.stream().filter(h -> names.contains(h.instanceName())).toList();
        if (!onFirst.isEmpty()) {
            access.withLxd(definition, lxd -> {
                InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
                for (TierHost host : onFirst) {
                    inProject.instance(host.instanceName()).ifPresent(i -> removed.add(teardown.deleteInstance(inProject, i)));
                    BcmHome.deleteTree(new TierHostSockets(store.home(), definition.name()).socket(host));
                }
                return null;
            });
        }
        for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
            List<TierHost> culled = added.tierHosts().stream().filter(h -> names.contains(h.instanceName())).toList();
            if (culled.isEmpty()) {
                continue;
            }
            access.mapped(definition, () -> {
                try (InstanceServer lxd = access.connectAdded(definition.name(), added)) {
                    InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
                    for (TierHost host : culled) {
                        inProject.instance(host.instanceName()).ifPresent(i -> removed.add(teardown.deleteInstance(inProject, i)));
                    }
                }
                return null;
            });
        }
        removed.addAll(removeNodes(definition, engines, n -> names.contains(n.hostname())));
        store.save(withoutHosts(definition, names));
        progress.report("cluster", "tier host(s) " + String.join(", ", names) + " left cluster '" + definition.name() + "'");
        return removed;
    }

    /** The definition without these tier hosts, each its tier's last on its endpoint: their tiers' counts lowered. */
    private static ClusterDefinition withoutHosts(ClusterDefinition definition, List<String> names) {
        ClusterDefinition updated = definition.withHostsPerTier(fewer(definition.hostsPerTier(),
                ClusterLayout.tierHosts(definition.hostsPerTier()).stream().filter(h -> names.contains(h.instanceName())).toList()));
        for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
            updated = updated.withAddedEndpoint(added.withHostsPerTier(fewer(added.hostsPerTier(),
                    added.tierHosts().stream().filter(h -> names.contains(h.instanceName())).toList())));
        }
        return updated;
    }

    private static Map<Tier, Integer> fewer(Map<Tier, Integer> counts, List<TierHost> culled) {
        Map<Tier, Integer> fewer = new EnumMap<>(Tier.class);
        fewer.putAll(counts);
        culled.forEach(h -> fewer.merge(h.tier(), -1, Integer::sum));
        return fewer;
    }

    /**
     * Before the first endpoint is destroyed: cleans every added endpoint ({@link ClusterTeardown#destroyRemote}),
     * each leaving the definition once clean so that a rerun after a later failure does not look for it again.
     *
     * @return what was removed
     * @throws BcmException LXD_UNAVAILABLE, before anything is removed, when one of them does not answer
     */
    List<String> destroyAll(ClusterDefinition definition) {
        String name = definition.name();
        for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
            if (!access.answers(name, added)) {
                throw new BcmException(Kind.LXD_UNAVAILABLE, "Endpoint '" + added.name() + "' (" + added.endpoint() + ") of cluster '"
                        + name + "' does not answer; nothing was destroyed",
                        "bring it back, or forget it with 'bcm cluster cull --cluster-name=" + name + "' first");
            }
        }
        List<String> removed = new ArrayList<>();
        ClusterDefinition remaining = definition;
        for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
            removed.addAll(access.mapped(definition, () -> {
                try (InstanceServer lxd = access.connectAdded(name, added)) {
                    return new ClusterTeardown(timeouts, progress).destroyRemote(lxd, definition.layout(), access.remote().controllerFingerprint());
                }
            }));
            remaining = forget(remaining, added.name());
        }
        return removed;
    }

    /** Removes the swarm nodes {@code which} selects, through the first endpoint's manager. */
    private List<String> removeNodes(ClusterDefinition definition, Engines engines, Predicate<SwarmNode> which) {
        return access.mapped(definition, () -> {
            List<String> removed = new ArrayList<>();
            for (SwarmNode node : engines.manager().nodes()) {
                if (which.test(node)) {
                    progress.report("swarm", "removing node " + node.hostname());
                    SwarmBootstrap.removeNode(engines.manager(), node);
                    removed.add("swarm node " + node.hostname());
                }
            }
            return removed;
        });
    }

    /** The definition without the added endpoint, stored, and its pinned certificate deleted. */
    private ClusterDefinition forget(ClusterDefinition definition, String endpointName) {
        ClusterDefinition updated = definition.withoutAddedEndpoint(endpointName);
        store.save(updated);
        BcmHome.deleteTree(access.remote().pinnedCertificate(definition.name(), endpointName).getParent());
        progress.report("cluster", "endpoint " + endpointName + " left cluster '" + definition.name() + "'");
        return updated;
    }
}
