package org.bcm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
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

    /**
     * A view: asks the node, prints its JSON unchanged with {@code --output json}, else as {@link #print} says.
     */
    abstract static class View implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin OnionCommand.ProjectChoice project;

        @Option(names = "--cluster-name", paramLabel = "NAME", description = "The cluster (default: the one the project is deployed on).")
        String cluster;

        @Mixin OutputOption output;

        private final LightningService.View view;

        View(LightningService.View view) {
            this.view = view;
        }

        /** Prints the node's answer for people. */
        abstract void print(PrintWriter out, LightningNode.Implementation implementation, JsonNode answer);

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ProjectService projects = context.projectService();
            LightningService lightning = new LightningService(projects);
            String name = project.resolve(projects);
            LightningNode node = lightning.node(name);
            JsonNode json = lightning.view(name, cluster, view);
            if (output.json()) {
                OutputOption.printJson(context.out(), json);
            } else {
                print(context.out(), node.implementation(), json);
                context.out().flush();
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "The node: id, alias, network, block height, peers, channels (getinfo).")
    static final class Info extends View {
        Info() {
            super(LightningService.View.INFO);
        }

        @Override
        void print(PrintWriter out, LightningNode.Implementation implementation, JsonNode answer) {
            NodeAnswers.Info info = NodeAnswers.info(implementation, answer);
            out.println("node:         " + info.id());
            out.println("alias:        " + info.alias());
            out.println("implementation: " + implementation.value() + " " + info.version());
            out.println("network:      " + info.network());
            out.println("block height: " + info.blockHeight());
            out.println("peers:        " + info.peers());
            out.println("channels:     " + info.activeChannels() + " active, " + info.pendingChannels() + " pending, "
                    + info.inactiveChannels() + " inactive");
            out.println("announced:    " + (info.addresses().isEmpty() ? "-" : String.join(", ", info.addresses())));
        }
    }

    @Command(name = "address", mixinStandardHelpOptions = true, description = "A new on-chain address of the node's wallet, to fund it.")
    static final class Address extends View {
        Address() {
            super(LightningService.View.ADDRESS);
        }

        @Override
        void print(PrintWriter out, LightningNode.Implementation implementation, JsonNode answer) {
            out.println(NodeAnswers.address(implementation, answer));
        }
    }

    @Command(name = "peers", mixinStandardHelpOptions = true, description = "The node's peers.")
    static final class Peers extends View {
        Peers() {
            super(LightningService.View.PEERS);
        }

        @Override
        void print(PrintWriter out, LightningNode.Implementation implementation, JsonNode answer) {
            Table table = new Table("PEER", "CONNECTED", "ADDRESS");
            NodeAnswers.peers(implementation, answer).forEach(p -> table.row(p.id(), p.connected() ? "yes" : "no", p.address()));
            table.print(out);
        }
    }

    @Command(name = "channels", mixinStandardHelpOptions = true, description = "The node's channels: peer, state, capacity and local balance (sat).")
    static final class Channels extends View {
        Channels() {
            super(LightningService.View.CHANNELS);
        }

        @Override
        void print(PrintWriter out, LightningNode.Implementation implementation, JsonNode answer) {
            Table table = new Table("PEER", "CHANNEL", "STATE", "CAPACITY (SAT)", "LOCAL (SAT)");
            NodeAnswers.channels(implementation, answer).forEach(c -> table.row(c.peer(), c.id(), c.state(), c.capacitySat(), c.localSat()));
            table.print(out);
        }
    }
}
