package org.bcm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import org.bcm.core.lightning.LightningNode;
import org.bcm.core.lightning.LightningService;
import org.bcm.core.lightning.NodeAnswers;
import org.bcm.core.project.ProjectService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bcm lightning}: the project's Lightning node, through its own CLI in its container
 * (docs/lightning.md). {@code --output json} prints what the node's CLI answered, unchanged.
 */
@Command(name = "lightning", mixinStandardHelpOptions = true,
        description = "The project's Lightning node (the lightning stack), through its own CLI: no docker exec needed.",
        subcommands = {LightningCommand.Info.class, LightningCommand.Address.class, LightningCommand.Peers.class,
                LightningCommand.Channels.class})
final class LightningCommand {

    /** The options every view has, and the node's answer. */
    static final class Target {
        @Mixin OnionCommand.ProjectChoice project;

        @Option(names = "--cluster-name", paramLabel = "NAME", description = "The cluster (default: the one the project is deployed on).")
        String cluster;

        @Mixin OutputOption output;

        /** Asks the node; prints its JSON and returns null with --output json, else returns the node and its answer. */
        Answer ask(Context context, LightningService.View view) {
            ProjectService projects = context.projectService();
            LightningService lightning = new LightningService(projects);
            String name = project.resolve(projects);
            LightningNode node = lightning.node(name);
            JsonNode json = lightning.view(name, cluster, view);
            if (output.json()) {
                OutputOption.printJson(context.out(), json);
                return null;
            }
            return new Answer(node.implementation(), json);
        }
    }

    record Answer(LightningNode.Implementation implementation, JsonNode json) {
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "The node: id, alias, network, block height, peers, channels (getinfo).")
    static final class Info implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Target target;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Answer answer = target.ask(context, LightningService.View.INFO);
            if (answer != null) {
                NodeAnswers.Info info = NodeAnswers.info(answer.implementation(), answer.json());
                context.out().println("node:         " + info.id());
                context.out().println("alias:        " + info.alias());
                context.out().println("implementation: " + answer.implementation().value() + " " + info.version());
                context.out().println("network:      " + info.network());
                context.out().println("block height: " + info.blockHeight());
                context.out().println("peers:        " + info.peers());
                context.out().println("channels:     " + info.activeChannels() + " active, " + info.pendingChannels() + " pending, "
                        + info.inactiveChannels() + " inactive");
                context.out().println("announced:    " + (info.addresses().isEmpty() ? "-" : String.join(", ", info.addresses())));
                context.out().flush();
            }
            return 0;
        }
    }

    @Command(name = "address", mixinStandardHelpOptions = true, description = "A new on-chain address of the node's wallet, to fund it.")
    static final class Address implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Target target;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Answer answer = target.ask(context, LightningService.View.ADDRESS);
            if (answer != null) {
                context.out().println(NodeAnswers.address(answer.implementation(), answer.json()));
                context.out().flush();
            }
            return 0;
        }
    }

    @Command(name = "peers", mixinStandardHelpOptions = true, description = "The node's peers.")
    static final class Peers implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Target target;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Answer answer = target.ask(context, LightningService.View.PEERS);
            if (answer != null) {
                Table table = new Table("PEER", "CONNECTED", "ADDRESS");
                NodeAnswers.peers(answer.implementation(), answer.json()).forEach(p -> table.row(p.id(), p.connected() ? "yes" : "no", p.address()));
                table.print(context.out());
                context.out().flush();
            }
            return 0;
        }
    }

    @Command(name = "channels", mixinStandardHelpOptions = true, description = "The node's channels: peer, state, capacity and local balance (sat).")
    static final class Channels implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Target target;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Answer answer = target.ask(context, LightningService.View.CHANNELS);
            if (answer != null) {
                Table table = new Table("PEER", "CHANNEL", "STATE", "CAPACITY (SAT)", "LOCAL (SAT)");
                NodeAnswers.channels(answer.implementation(), answer.json())
                        .forEach(c -> table.row(c.peer(), c.id(), c.state(), c.capacitySat(), c.localSat()));
                table.print(context.out());
                context.out().flush();
            }
            return 0;
        }
    }
}
