package org.bcm.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.bcm.core.cluster.ClusterDefinition;
import org.bcm.core.cluster.ClusterStatus;
import org.bcm.core.cluster.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bcm cluster}: create, list, verify, stop and destroy clusters of LXD tier hosts. */
@Command(name = "cluster", description = "Manage clusters: LXD system containers per tier, joined into one Docker Swarm.",
        mixinStandardHelpOptions = true,
        subcommands = {ClusterCommand.Create.class, ClusterCommand.ListClusters.class, ClusterCommand.Verify.class,
            ClusterCommand.Stop.class, ClusterCommand.Destroy.class})
final class ClusterCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a cluster, or converge an existing or half-made one.",
                "Builds the base image on first use, then the LXD storage pool, network, project, profile and the tier "
                        + "hosts bcm-<tier>-<NN>, each running dockerd, joined into one swarm."})
    static final class Create implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;

        @Option(names = "--cluster-name", required = true, paramLabel = "NAME",
                description = "1-11 lower-case letters, digits or inner hyphens.")
        String name;

        @Option(names = "--provider", defaultValue = ClusterDefinition.LOCAL_PROVIDER, paramLabel = "PROVIDER",
                description = "Where the cluster runs: local (the LXD daemon on this machine). Default: ${DEFAULT-VALUE}.")
        String provider;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ClusterDefinition definition = context.clusterService().create(name, provider);
            context.out().println("Cluster '" + definition.name() + "' is up on " + definition.endpoint()
                    + " (network " + definition.subnet() + "); see 'bcm show'.");
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the clusters bcm knows and their state.")
    static final class ListClusters implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            List<ClusterStatus> clusters = context.clusterService().list();
            if (output.json()) {
                OutputOption.printJson(context.out(), clusters);
                return 0;
            }
            Table table = new Table("NAME", "ACTIVE", "PROVIDER", "SUBNET", "INSTANCES", "ENDPOINT");
            for (ClusterStatus c : clusters) {
                table.row(c.name(), c.active() ? "*" : "", c.provider(), c.subnet(),
                        c.running() + "/" + c.instances().size() + " running", c.endpoint());
            }
            table.print(context.out());
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check every piece of a cluster: LXD, instances, Docker daemons, swarm nodes.",
                "Exits with 7 and names the failing piece when one fails."})
    static final class Verify implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            VerifyReport report = context.clusterService().verify(cluster.resolve(context.clusters()));
            if (output.json()) {
                OutputOption.printJson(context.out(), report);
            } else {
                Table table = new Table("CHECK", "RESULT", "DETAIL");
                report.checks().forEach(c -> table.row(c.subject(), c.passed() ? "ok" : "FAILED", c.detail()));
                table.print(context.out());
            }
            if (!report.passed()) {
                String failed = String.join(", ", report.checks().stream().filter(c -> !c.passed()).map(VerifyReport.Check::subject).toList());
                context.err().println("bcm: cluster '" + report.cluster() + "' failed verification: " + failed);
                context.err().println("  hint: 'bcm cluster create --cluster-name=" + report.cluster() + "' converges it again");
                context.err().flush();
                return org.bcm.core.BcmException.Kind.VERIFY_FAILED.exitCode();
            }
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop every instance of a cluster; 'create' starts them again.")
    static final class Stop implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            String name = cluster.resolve(context.clusters());
            context.clusterService().stop(name);
            context.out().println("Cluster '" + name + "' is stopped.");
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Remove everything labelled with the cluster's name from LXD, and its definition; the projects deployed on it are no longer.")
    static final class Destroy implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            String name = cluster.resolve(context.clusters());
            List<String> removed = context.projectService().destroyCluster(name);
            removed.forEach(r -> context.out().println("removed " + r));
            context.out().println("Cluster '" + name + "' is destroyed.");
            context.out().flush();
            return 0;
        }
    }
}
