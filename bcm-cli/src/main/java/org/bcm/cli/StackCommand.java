package org.bcm.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.bcm.core.project.ProjectService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bcm stack}: the stacks bcm knows. */
@Command(name = "stack", mixinStandardHelpOptions = true, description = "The stacks bcm knows (stacks/ and <bcm home>/stacks/).",
        subcommands = {StackCommand.ListStacks.class})
final class StackCommand {

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the stacks bcm knows and, on the cluster (the active one unless named), their state.")
    static final class ListStacks implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ClusterOption cluster;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            String clusterName = cluster.name != null ? cluster.name : context.clusters().activeCluster().orElse(null);
            List<ProjectService.StackState> states = context.projectService().stacks(clusterName);
            if (output.json()) {
                OutputOption.printJson(context.out(), states.stream().map(s -> new Row(s.stack().name(), s.stack().origin(),
                        s.stack().problem() == null ? s.stack().description() : "MALFORMED: " + s.stack().problem(),
                        clusterName, s.project(), s.services(), s.converged(), s.node(), s.lightning(), s.monero())).toList());
                return 0;
            }
            Table table = new Table("STACK", "ORIGIN", "DESCRIPTION", clusterName == null ? "STATE" : "ON " + clusterName);
            for (ProjectService.StackState s : states) {
                String state = clusterName == null ? "" : s.services().isEmpty() ? "not deployed"
                        : (s.converged() ? "running " : "converging ") + s.services().values().stream()
                                .reduce((a, b) -> a + "," + b).orElse("") + " (project " + s.project() + ")";
                table.row(s.stack().name(), s.stack().origin(),
                        s.stack().problem() == null ? s.stack().description() : "MALFORMED: " + s.stack().problem(), state);
            }
            table.print(context.out());
            states.stream().filter(s -> s.node() != null).forEach(s -> context.out().println("node: " + s.node().summary()));
            states.stream().filter(s -> s.lightning() != null).forEach(s -> context.out().println("lightning: " + s.lightning().summary()));
            states.stream().filter(s -> s.monero() != null).forEach(s -> context.out().println("monero: " + s.monero().summary()));
            context.out().flush();
            return 0;
        }
    }

    /** One stack in JSON output. */
    record Row(String name, String origin, String description, String cluster, String project,
            java.util.Map<String, String> services, boolean converged, org.bcm.core.bitcoin.NodeStatus node,
            org.bcm.core.lightning.NodeAnswers.Info lightning, org.bcm.core.monero.MoneroStatus monero) {
    }
}
