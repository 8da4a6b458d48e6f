package org.bcm.core.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.bcm.core.cluster.ClusterStatus.InstanceStatus;
import org.bcm.core.cluster.Subnets.Cidr;
import org.bcm.core.port.InstanceServer;
import org.bcm.lxd.Instance;
import org.bcm.lxd.Network;
import org.bcm.lxd.Project;

/** What LXD and the bcm home say about clusters: {@code bcm cluster list} and {@code show}. */
final class ClusterInspector {

    private final ClusterStore store;
    private final String lxdEndpoint;

    ClusterInspector(ClusterStore store, String lxdEndpoint) {
        this.store = store;
        this.lxdEndpoint = lxdEndpoint;
    }

    /** Every cluster bcm knows of: stored definitions and clusters whose labelled LXD objects exist. */
    List<ClusterStatus> list(InstanceServer lxd) {
        TreeSet<String> names = new TreeSet<>(store.names());
        for (Project project : lxd.lxdProjects()) {
            Optional.ofNullable(project.config().get(ClusterLayout.CLUSTER_LABEL)).ifPresent(names::add);
        }
        for (Network network : lxd.networks()) {
            Optional.ofNullable(network.config().get(ClusterLayout.CLUSTER_LABEL)).ifPresent(names::add);
        }
        List<ClusterStatus> all = new ArrayList<>();
        for (String name : names) {
            all.add(status(lxd, name));
        }
        return all;
    }

    /** Whether the cluster exists at all: a definition, an instance, its network or its LXD project. */
    static boolean exists(InstanceServer lxd, ClusterStatus status) {
        return status.defined() || !status.instances().isEmpty() || status.subnet() != null
                || lxd.lxdProject(new ClusterLayout(status.name()).lxdProject()).isPresent();
    }

    /** The cluster's instances (gateway tier first), their state and addresses. */
    ClusterStatus status(InstanceServer lxd, String name) {
        ClusterLayout layout = new ClusterLayout(name);
        Optional<ClusterDefinition> definition = store.load(name);
        String subnet = lxd.network(layout.network()).filter(n -> layout.owns(n.config()))
                .map(n -> n.config().get("ipv4.address")).map(a -> Cidr.parse(a).toString()).orElse(null);
        List<InstanceStatus> instances = instances(lxd, layout);
        instances.sort(Comparator.comparing((InstanceStatus i) -> tierOrder(i.tier())).thenComparing(InstanceStatus::name));
        return new ClusterStatus(name, definition.map(ClusterDefinition::provider).orElse(null),
                definition.map(ClusterDefinition::endpoint).orElse(lxdEndpoint), subnet,
                store.activeCluster().filter(name::equals).isPresent(), definition.isPresent(), instances);
    }

    /** The cluster's instances on one endpoint, their state and addresses; none when it has no LXD project there. */
    static List<InstanceStatus> instances(InstanceServer lxd, ClusterLayout layout) {
        List<InstanceStatus> instances = new ArrayList<>();
        if (lxd.lxdProject(layout.lxdProject()).filter(p -> layout.owns(p.config())).isPresent()) {
            InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
            for (Instance instance : inProject.instancesWithConfig(ClusterLayout.CLUSTER_LABEL, layout.clusterName())) {
                String ipv4 = instance.running() ? ClusterProvisioner.ipv4(inProject, instance.name()).orElse(null) : null;
                instances.add(new InstanceStatus(instance.config().getOrDefault(ClusterLayout.TIER_LABEL, "?"),
                        instance.name(), instance.status(), ipv4));
            }
        }
        return instances;
    }

    private static int tierOrder(String tier) {
        for (Tier t : Tier.values()) {
            if (t.label().equals(tier)) {
                return t.ordinal();
            }
        }
        return Tier.values().length;
    }
}
