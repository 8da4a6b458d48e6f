package org.bcm.cli;

import java.util.concurrent.Callable;
import org.bcm.core.cluster.ClusterStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bcm show}: the instances of a cluster per tier, their state and addresses. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show a cluster's instances per tier: state and IPv4 address.")
final class ShowCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin ClusterOption cluster;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        Context context = new Context(spec);
        String name = cluster.resolve(context.clusters());
        ClusterStatus status = context.clusterService().show(name);
        org.bcm.core.bitcoin.NodeStatus node = nodeStatus(context, name);
        java.util.Map<String, String> onions = onions(context, name);
        if (output.json()) {
            // the cluster's fields, and the node's status beside them
            java.util.Map<String, Object> json = new com.fasterxml.jackson.databind.ObjectMapper().convertValue(status,
                    new com.fasterxml.jackson.core.type.TypeReference<java.util.LinkedHashMap<String, Object>>() { });
            json.put("node", node);
            json.put("onions", onions);
            OutputOption.printJson(context.out(), json);
            return 0;
        }
        context.out().println("cluster " + status.name() + " (network " + (status.subnet() == null ? "missing" : status.subnet()) + ")");
        Table table = new Table("TIER", "INSTANCE", "STATE", "IPV4");
        status.instances().forEach(i -> table.row(i.tier(), i.name(), i.status(), i.ipv4()));
        table.print(context.out());
        if (node != null) {
            context.out().println("node: " + node.summary());
        }
        onions.forEach((onion, address) -> context.out().println("onion " + onion + ": " + address));
        context.out().flush();
        return 0;
    }

    /**
     * The onion services of the projects deployed on the cluster, PROJECT/NAME to address: those whose
     * addresses are recorded (show generates no key and asks no device); none of a project whose
     * stacks cannot be read (its deploy says why).
     */
    private static java.util.Map<String, String> onions(Context context, String cluster) {
        java.util.Map<String, String> onions = new java.util.TreeMap<>();
        var projects = context.projectService();
        for (var project : projects.list()) {
            if (project.deployments().contains(cluster)) {
                String name = project.definition().name();
                try {
                    projects.knownOnionAddresses(name).forEach((onion, address) -> onions.put(name + "/" + onion, address));
                } catch (org.bcm.core.BcmException e) {
                    // a malformed stack: 'bcm project deploy' and 'bcm onion list' report it
                }
            }
        }
        return onions;
    }

    /** What the project's bitcoind said at its last healthcheck, when one runs on the cluster and its engines answer. */
    private static org.bcm.core.bitcoin.NodeStatus nodeStatus(Context context, String cluster) {
        try {
            return context.projectService().nodeStatus(cluster).orElse(null);
        } catch (org.bcm.core.BcmException e) {
            return null;   // a stopped cluster: show says so in the instances' states
        }
    }
}
