package org.bcm.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.bcm.core.BcmException;
import org.bcm.core.project.ProjectService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bcm onion}: the onion services a project's stacks declare, and their authorized clients. */
@Command(name = "onion", mixinStandardHelpOptions = true,
        description = "The v3 onion services of a project (x-bcm-onion in its stacks) and their clients (docs/tor.md).",
        subcommands = {OnionCommand.ListOnions.class, OnionCommand.Client.class})
final class OnionCommand {

    /** {@code --project-name}, optional: the only project when there is one. */
    static final class ProjectChoice {
        @Option(names = "--project-name", paramLabel = "NAME", description = "The project (default: the only one there is).")
        String name;

        String resolve(ProjectService projects) {
            if (name != null) {
                return name;
            }
            List<String> names = projects.list().stream().map(s -> s.definition().name()).toList();
            if (names.size() == 1) {
                return names.get(0);
            }
            throw new BcmException(BcmException.Kind.INVALID_INPUT, names.isEmpty() ? "There is no project"
                    : "There are several projects: " + String.join(", ", names), names.isEmpty()
                    ? "create one: bcm project create --project-name=NAME" : "name one with --project-name");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the project's onion services: address, ports, whether clients need authorization, and its clients.")
    static final class ListOnions implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ProjectChoice project;
        @Mixin DeviceOption device;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ProjectService projects = context.projectService(device);
            List<ProjectService.OnionStatus> onions = projects.onions(project.resolve(projects));
            if (output.json()) {
                OutputOption.printJson(context.out(), onions.stream().map(o -> new Row(o.service().name(), o.service().stack(),
                        o.service().service(), o.address(), o.service().port(), o.service().target(), o.service().clientAuth(),
                        o.clients(), o.service().uriFor(o.address()))).toList());
                return 0;
            }
            Table table = new Table("ONION SERVICE", "SERVICE", "ADDRESS", "PORTS", "CLIENT AUTH", "CLIENTS");
            for (ProjectService.OnionStatus o : onions) {
                table.row(o.service().name(), o.service().stack() + "/" + o.service().service(), o.address(),
                        o.service().port() + "->" + o.service().target(),
                        o.service().clientAuth() ? (o.clients().isEmpty() ? "required (no client: not published)" : "required") : "no",
                        String.join(",", o.clients()));
            }
            table.print(context.out());
            context.out().flush();
            return 0;
        }
    }

    /** One onion service in JSON output. */
    record Row(String name, String stack, String service, String address, int port, int target, boolean clientAuth,
            List<String> clients, String uri) {
    }

    @Command(name = "client", mixinStandardHelpOptions = true,
            description = "Authorize and revoke clients of an onion service that requires client authorization.",
            subcommands = {AddClient.class, RemoveClient.class})
    static final class Client {
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Authorize a client: its x25519 key is generated and kept with the project's secrets, the gateway's Tor"
                + " gets the public key and reloads without dropping circuits.",
                "Prints the line for the client's ClientOnionAuthDir (Tor Browser, Sparrow and Zeus ask for the key after"
                    + " 'descriptor:x25519:'). Adding a client again prints the same key."})
    static final class AddClient implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ProjectChoice project;
        @Mixin DeviceOption device;
        @Mixin OutputOption output;
        @Option(names = "--service", required = true, paramLabel = "ONION", description = "The onion service (bcm onion list).")
        String service;
        @Option(names = "--client", required = true, paramLabel = "NAME",
                description = "1-32 characters: a lower-case letter, then lower-case letters, digits, '-' or '_'.")
        String client;
        @Option(names = "--auth-file", paramLabel = "FILE",
                description = "The client's own public key, a .auth file (descriptor:x25519:KEY): its private key never leaves the client.")
        java.nio.file.Path authFile;
        @Option(names = "--qr", description = "Also draw the client's line (or, for a client with its own key, the service's URI)"
                + " as a QR code, for a phone's camera (Orbot, Zeus). It shows the client's secret key: mind who sees the screen.")
        boolean qr;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ProjectService projects = context.projectService(device);
            ProjectService.ClientGrant grant = projects.addOnionClient(project.resolve(projects), service, client, authFile);
            if (output.json()) {
                OutputOption.printJson(context.out(), grant);
                return 0;
            }
            if (grant.authPrivateLine() != null) {
                context.out().println(grant.authPrivateLine());
            }
            if (grant.uri() != null) {
                context.out().println(grant.uri());
            }
            String scanned = grant.authPrivateLine() != null ? grant.authPrivateLine() : grant.uri();
            if (qr && scanned != null) {
                TerminalQr.print(context.out(), scanned);
            }
            context.out().flush();
            context.err().println("Client " + client + " of " + service + " (" + grant.onion().address() + "): "
                    + (grant.clusters().isEmpty() ? "the project's next deploy installs it"
                            : "authorized by the Tor of cluster " + String.join(", ", grant.clusters())) + ".");
            if (grant.authPrivateLine() != null) {
                context.err().println("Keep the line above secret: it is the client's key. A Tor client takes it as a file *.auth_private"
                        + " in its ClientOnionAuthDir.");
            }
            context.err().flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Revoke a client: its key is deleted and the gateway's Tor forgets it (adding the name again makes a new key).")
    static final class RemoveClient implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ProjectChoice project;
        @Mixin DeviceOption device;
        @Option(names = "--service", required = true, paramLabel = "ONION", description = "The onion service (bcm onion list).")
        String service;
        @Option(names = "--client", required = true, paramLabel = "NAME", description = "The client to revoke.")
        String client;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ProjectService projects = context.projectService(device);
            List<String> clusters = projects.removeOnionClient(project.resolve(projects), service, client);
            context.out().println("Client " + client + " of " + service + " revoked" + (clusters.isEmpty()
                    ? "; the project's next deploy applies it" : " on cluster " + String.join(", ", clusters)) + ".");
            context.out().flush();
            return 0;
        }
    }
}
