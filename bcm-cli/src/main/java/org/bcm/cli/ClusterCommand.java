package org.bcm.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.bcm.core.cluster.ClusterDefinition;
import org.bcm.core.cluster.CullPlan;
import org.bcm.core.cluster.ClusterService;
import org.bcm.core.cluster.Tier;
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
            ClusterCommand.Stop.class, ClusterCommand.Destroy.class, ClusterCommand.AddEndpoint.class,
            ClusterCommand.RemoveEndpoint.class, ClusterCommand.Cull.class})
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

        @Mixin EndpointOptions where;

        @Option(names = "--parent-interface", paramLabel = "IFACE",
                description = {"The endpoints' LAN interface. On the first endpoint each tier host gets a second NIC (macvlan) "
                        + "there, and the swarm runs on those LAN addresses: endpoints added later reach it with no NAT "
                        + "between (docs/architecture.md). Chosen when the swarm forms. On each further --hostname, its tier "
                        + "hosts' NIC. Default: as stored, else none on the first endpoint (the swarm on the cluster's "
                        + "bridge) and eth0 on further ones."})
        String parentInterface;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ClusterDefinition definition = context.clusterService().create(name, where.placement(context), parentInterface);
            List<String> further = where.furtherHostnames();
            for (int i = 0; i < further.size(); i++) {
                String endpointName = ClusterDefinition.endpointNameOf(further.get(i), i + 2);
                definition = context.clusterService().addEndpoint(name, endpointName, where.placement(context, further.get(i)), null,
                        parentInterface);
                context.out().println("Endpoint '" + endpointName + "' (" + further.get(i) + ") is in cluster '" + name + "'.");
            }
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

    @Command(name = "add-endpoint", mixinStandardHelpOptions = true,
            description = {"Add a remote LXD endpoint to a cluster, or converge one added before.",
                "Its tier hosts bcm-<tier>-<ENDPOINT>-<NN> get addresses on the endpoint's LAN (macvlan on --parent-interface) "
                        + "and join the swarm labelled bcm.endpoint=<ENDPOINT>. The volumes of the shipped stacks stay on the "
                        + "cluster's first endpoint. When three endpoints have a gateway host, the first of each is a swarm manager."})
    static final class AddEndpoint implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;

        @Option(names = "--endpoint-name", required = true, paramLabel = "ENDPOINT",
                description = "Its name in the cluster: 1-12 lower-case letters, digits or inner hyphens.")
        String endpointName;

        @Mixin EndpointOptions where;

        @Option(names = "--tier", paramLabel = "TIER[:COUNT]",
                description = "Tier hosts it holds (gateway, kafka, bitcoin), repeatable. Default: as stored, else bitcoin:1.")
        List<String> tiers;

        @Option(names = "--parent-interface", paramLabel = "IFACE",
                description = "The endpoint's LAN interface its tier hosts' macvlan NICs sit on. Default: as stored, else eth0.")
        String parentInterface;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            String name = cluster.resolve(context.clusters());
            if (!where.furtherHostnames().isEmpty()) {
                throw new org.bcm.core.BcmException(org.bcm.core.BcmException.Kind.INVALID_INPUT, "add-endpoint takes one --hostname",
                        "add one endpoint at a time, each with its --endpoint-name");
            }
            ClusterDefinition definition = context.clusterService().addEndpoint(name, endpointName, where.placement(context),
                    tiers == null ? null : hostsPerTier(tiers), parentInterface);
            ClusterDefinition.AddedEndpoint added = definition.addedEndpoint(endpointName).orElseThrow();
            context.out().println("Endpoint '" + endpointName + "' (" + added.endpoint() + ") is in cluster '" + name + "'; see 'bcm cluster verify'.");
            context.out().flush();
            return 0;
        }

        private static java.util.Map<Tier, Integer> hostsPerTier(List<String> tiers) {
            java.util.Map<Tier, Integer> counts = new java.util.EnumMap<>(Tier.class);
            for (String tier : tiers) {
                String[] parts = tier.split(":", 2);
                try {
                    counts.put(Tier.fromLabel(parts[0].strip()), parts.length == 2 ? Integer.parseInt(parts[1].strip()) : 1);
                } catch (IllegalArgumentException e) {
                    throw new org.bcm.core.BcmException(org.bcm.core.BcmException.Kind.INVALID_INPUT, "Invalid --tier '" + tier + "'",
                            "give TIER[:COUNT] with TIER gateway, kafka or bitcoin, e.g. --tier=bitcoin:1");
                }
            }
            return counts;
        }
    }

    @Command(name = "remove-endpoint", mixinStandardHelpOptions = true,
            description = "Remove an added endpoint from a cluster: its tier hosts leave the swarm and everything the cluster has there is deleted.")
    static final class RemoveEndpoint implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;

        @Option(names = "--endpoint-name", required = true, paramLabel = "ENDPOINT", description = "The endpoint to remove.")
        String endpointName;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            String name = cluster.resolve(context.clusters());
            context.clusterService().removeEndpoint(name, endpointName).forEach(r -> context.out().println("removed " + r));
            context.out().println("Endpoint '" + endpointName + "' left cluster '" + name + "'.");
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "cull", mixinStandardHelpOptions = true,
            description = {"Remove what stopped answering from a cluster: added endpoints whose LXD does not answer (their swarm "
                    + "nodes are removed; what the cluster left on them stays there), and down tier hosts of answering endpoints "
                    + "(a tier's last hosts: instance deleted, node removed, the tier's count lowered). The swarm reschedules "
                    + "their services where placement allows.",
                "Asks first, at a terminal; elsewhere give --yes."})
    static final class Cull implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;

        @Option(names = "--yes", description = "Cull without asking.")
        boolean yes;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            String name = cluster.resolve(context.clusters());
            CullPlan plan = context.clusterService().cullCandidates(name);
            if (plan.isEmpty()) {
                context.out().println("Every endpoint and tier host of cluster '" + name + "' answers; nothing to cull.");
                context.out().flush();
                return 0;
            }
            List<String> what = new java.util.ArrayList<>();
            if (!plan.endpoints().isEmpty()) {
                what.add("endpoint(s) " + String.join(", ", plan.endpoints()) + " do not answer");
            }
            if (!plan.tierHosts().isEmpty()) {
                what.add("tier host(s) " + String.join(", ", plan.tierHosts()) + " are down (their instances are deleted)");
            }
            String question = "In cluster '" + name + "', " + String.join("; ", what) + ". Remove them from the swarm and the cluster?";
            if (!yes && !context.confirm(question)) {
                throw new org.bcm.core.BcmException(org.bcm.core.BcmException.Kind.INVALID_INPUT, question.replace("?", ": not confirmed"),
                        "answer yes at a terminal, or give --yes");
            }
            context.clusterService().cull(name, plan).forEach(r -> context.out().println("removed " + r));
            List<String> culled = new java.util.ArrayList<>(plan.endpoints());
            culled.addAll(plan.tierHosts());
            context.out().println("Culled " + String.join(", ", culled) + " from cluster '" + name + "'.");
            context.out().flush();
            return 0;
        }
    }
}
