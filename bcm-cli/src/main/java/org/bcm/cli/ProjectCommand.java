package org.bcm.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bcm.core.BcmException;
import org.bcm.core.project.ProjectDefinition;
import org.bcm.core.project.DeployReport;
import org.bcm.core.project.ProjectService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bcm project}: project definitions (chain, stacks, settings) and their deployment onto a cluster. */
@Command(name = "project", mixinStandardHelpOptions = true,
        description = "Manage projects: the stacks a cluster runs, their settings and the chain.",
        subcommands = {ProjectCommand.Create.class, ProjectCommand.ListProjects.class, ProjectCommand.Set.class, ProjectCommand.AddStack.class,
            ProjectCommand.Plan.class, ProjectCommand.Deploy.class, ProjectCommand.Remove.class, ProjectCommand.Destroy.class})
final class ProjectCommand {

    /** {@code --project-name}, required. */
    static final class ProjectName {
        @Option(names = "--project-name", required = true, paramLabel = "NAME",
                description = "1-20 characters: a lower-case letter, then lower-case letters, digits or '-'.")
        String name;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Write a project definition under <bcm home>/projects/NAME/project.yml.",
                "Every setting of its stacks is written with its default for the chain; change them with 'bcm project set'."})
    static final class Create implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ProjectName project;

        @Option(names = "--chain", defaultValue = "regtest", paramLabel = "CHAIN",
                description = "regtest, signet, testnet or mainnet. Default: ${DEFAULT-VALUE}.")
        String chain;

        @Option(names = "--stacks", split = ",", paramLabel = "STACK",
                description = "The stacks it includes (default: every stack shipped with bcm; see 'bcm stack list').")
        List<String> stacks = new ArrayList<>();

        @Option(names = "--set", paramLabel = "STACK.SETTING=VALUE", description = "A setting other than its default; repeatable.")
        List<String> settings = new ArrayList<>();

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ProjectDefinition created = context.projectService().create(project.name, chain, stacks, parse(settings));
            context.out().println("Project '" + created.name() + "' (" + created.chain() + ") includes "
                    + String.join(", ", created.stacks().keySet()) + "; deploy it with 'bcm project deploy --project-name="
                    + created.name() + "'.");
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the projects and where they are deployed.")
    static final class ListProjects implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            List<ProjectService.Summary> projects = context.projectService().list();
            if (output.json()) {
                OutputOption.printJson(context.out(), projects);
                return 0;
            }
            Table table = new Table("NAME", "CHAIN", "STACKS", "DEPLOYED ON");
            for (ProjectService.Summary p : projects) {
                table.row(p.definition().name(), p.definition().chain(), String.join(",", p.definition().stacks().keySet()),
                        String.join(",", p.deployments()));
            }
            table.print(context.out());
            return 0;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Change settings of a project's stacks; the next 'bcm project deploy' applies them.")
    static final class Set implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ProjectName project;

        @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "STACK.SETTING=VALUE", description = "e.g. gateway.TOR_LOG_LEVEL=info")
        List<String> settings;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ProjectService service = context.projectService();
            parse(settings).forEach((key, value) -> {
                service.set(project.name, key, value);
                context.out().println("set " + key + "=" + value);
            });
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "add-stack", mixinStandardHelpOptions = true,
            description = {"Include more stacks in a project, with their settings' defaults for its chain; the next 'bcm project deploy' deploys them.",
                    "e.g. bcm project add-stack --project-name=standalone lightning"})
    static final class AddStack implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ProjectName project;

        @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "STACK", description = "The stacks (see 'bcm stack list').")
        List<String> stacks;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ProjectDefinition changed = context.projectService().addStacks(project.name, stacks);
            context.out().println("Project '" + changed.name() + "' includes " + String.join(", ", changed.stacks().keySet())
                    + "; deploy it with 'bcm project deploy --project-name=" + changed.name() + "'.");
            context.out().flush();
            return 0;
        }
    }

    /** One line per change of a deploy or its plan, each kind with its verb: built, pushed, created, updated, removed. */
    private static void printChanges(Context context, DeployReport report, String... verbs) {
        List<List<String>> kinds = List.of(report.built(), report.pushed(), report.created(), report.updated(), report.removed());
        for (int i = 0; i < kinds.size(); i++) {
            String verb = verbs[i];
            kinds.get(i).forEach(item -> context.out().println(verb + item));
        }
    }

    /** The exit code of {@code project plan} when the deploy would change something. */
    static final int PLAN_CHANGES = 2;

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"Show what 'project deploy' would build, push, create, update and remove on a cluster, changing nothing there.",
                "Exit code 0: nothing would change; " + PLAN_CHANGES + ": something would (drift); other codes: an error, as for every "
                        + "command. Like a deploy, it generates and stores the secrets the project does not have yet."})
    static final class Plan implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin DeviceOption device;
        @Mixin ProjectName project;
        @Mixin ClusterOption cluster;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            DeployReport plan = context.projectService(device).plan(project.name, cluster.resolve(context.clusters()));
            if (output.json()) {
                OutputOption.printJson(context.out(), plan);
            } else if (plan.nothingToDo()) {
                context.out().println("Project '" + plan.project() + "' is up to date on cluster '" + plan.cluster()
                        + "': nothing would change (" + plan.unchanged().size() + " services unchanged).");
            } else {
                printChanges(context, plan, "would build ", "would push ", "would create ", "would update ", "would remove ");
                context.out().println("Project '" + plan.project() + "' on cluster '" + plan.cluster() + "': "
                        + plan.created().size() + " to create, " + plan.updated().size() + " to update, "
                        + plan.removed().size() + " to remove, " + plan.unchanged().size() + " services unchanged.");
            }
            context.out().flush();
            return plan.nothingToDo() ? 0 : PLAN_CHANGES;
        }
    }

    @Command(name = "deploy", mixinStandardHelpOptions = true,
            description = {"Deploy a project onto a cluster and wait until every service runs.",
                "Builds and pushes the images missing from the cluster registry, generates the secrets the stacks declare, "
                        + "converges each stack in dependency order. A rerun with nothing changed does nothing."})
    static final class Deploy implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin DeviceOption device;
        @Mixin ProjectName project;
        @Mixin ClusterOption cluster;

        @Option(names = "--timeout", defaultValue = "300", paramLabel = "SECONDS",
                description = "How long each stack may take to converge. Default: ${DEFAULT-VALUE}.")
        long timeoutSeconds;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            if (timeoutSeconds <= 0) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "--timeout must be positive", "give seconds, e.g. --timeout=300");
            }
            DeployReport report = context.projectService(device)
                    .deploy(project.name, cluster.resolve(context.clusters()), Duration.ofSeconds(timeoutSeconds));
            if (report.nothingToDo()) {
                context.out().println("Project '" + report.project() + "' is up to date on cluster '" + report.cluster()
                        + "': nothing to do (" + report.unchanged().size() + " services unchanged).");
            } else {
                printChanges(context, report, "built ", "pushed ", "created ", "updated ", "removed ");
                context.out().println("Project '" + report.project() + "' is deployed on cluster '" + report.cluster() + "' ("
                        + report.created().size() + " created, " + report.updated().size() + " updated, "
                        + report.removed().size() + " removed, " + report.unchanged().size() + " services unchanged).");
            }
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove every service, network, secret and config of the project's stacks from a cluster. Volumes stay.")
    static final class Remove implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin ProjectName project;
        @Mixin ClusterOption cluster;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            String clusterName = cluster.resolve(context.clusters());
            List<String> removed = context.projectService().remove(project.name, clusterName);
            removed.forEach(r -> context.out().println("removed " + r));
            context.out().println("Project '" + project.name + "' is removed from cluster '" + clusterName + "'.");
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Delete a project definition and its generated secrets. Refused while it is deployed.")
    static final class Destroy implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin DeviceOption device;
        @Mixin ProjectName project;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            context.projectService(device).destroy(project.name);
            context.out().println("Project '" + project.name + "' is destroyed.");
            context.out().flush();
            return 0;
        }
    }

    /** {@code STACK.SETTING=VALUE} arguments as a map, in order. */
    static Map<String, String> parse(List<String> settings) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String setting : settings) {
            int eq = setting.indexOf('=');
            if (eq < 1) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "Invalid setting '" + setting + "'",
                        "write STACK.SETTING=VALUE, e.g. gateway.TOR_LOG_LEVEL=info");
            }
            parsed.put(setting.substring(0, eq), setting.substring(eq + 1));
        }
        return parsed;
    }
}
