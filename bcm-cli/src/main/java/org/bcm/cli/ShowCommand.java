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
        ClusterStatus status = context.clusterService().show(cluster.resolve(context.clusters()));
        if (output.json()) {
            OutputOption.printJson(context.out(), status);
            return 0;
        }
        context.out().println("cluster " + status.name() + " (network " + (status.subnet() == null ? "missing" : status.subnet()) + ")");
        Table table = new Table("TIER", "INSTANCE", "STATE", "IPV4");
        status.instances().forEach(i -> table.row(i.tier(), i.name(), i.status(), i.ipv4()));
        table.print(context.out());
        return 0;
    }
}
