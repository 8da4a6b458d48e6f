package org.bcm.cli;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.core.home.HomeLock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code bcm} command: wires the command tree and turns every failure into one readable message
 * and a documented exit code ({@code docs/exit-codes.md}). Nothing else happens here.
 */
@Command(name = "bcm",
        mixinStandardHelpOptions = true,
        versionProvider = Bcm.Version.class,
        description = "Bitcoin Cache Machine: your own Bitcoin data center on LXD and Docker Swarm.",
        exitCodeListHeading = "%nExit codes:%n")
public final class Bcm {

    @Option(names = "--stacktrace", scope = ScopeType.INHERIT, description = "Show the stack trace of an error.")
    boolean stacktrace;

    /** The top-level commands, in the order {@code bcm --help} lists them. */
    private static final List<Class<?>> COMMANDS = List.of(InitCommand.class, InfoCommand.class, EnvCommand.class,
            ShowCommand.class, ClusterCommand.class, ProjectCommand.class, StackCommand.class, OnionCommand.class, LightningCommand.class, BackupCommand.class, LogsCommand.class, StatusCommand.class, ReleaseCommand.class,
            DeviceCommand.class, AgentCommand.class, PassCommand.class, SshCommand.class, GitCommand.class, FileCommand.class,
            ProxyCommand.class);

    public static void main(String[] args) {
        System.exit(commandLine(invoked(args)).execute(args));
    }

    /**
     * The top-level commands {@code args} names: the first word that is not an option and, after
     * {@code help}, the next one. Every top-level option of bcm is a flag, so no option takes a word.
     *
     * @return null (every command) when an argument is an {@code @file} picocli expands
     */
    static Set<String> invoked(String[] args) {
        Set<String> names = new HashSet<>();
        for (String arg : args) {
            if (arg.startsWith("@")) {
                return null;
            }
            if (!arg.startsWith("-")) {
                names.add(arg);
                if (!arg.equals("help")) {
                    break;
                }
            }
        }
        return names;
    }

    /**
     * The configured command line. Picocli builds a command's model (options, mixins, converters, its
     * subcommands') from its annotations when it is added, which for all of bcm's commands is most of
     * the time a short command takes; so only the commands in {@code full} get theirs, and the others
     * are stand-ins with their name and description, enough for {@code bcm --help} and for picocli's
     * "did you mean" on a mistyped name.
     *
     * @param full the top-level commands to build whole; null for all
     */
    static CommandLine commandLine(Set<String> full) {
        CommandLine cli = new CommandLine(new Bcm());
        for (Class<?> command : COMMANDS) {
            Command annotation = command.getAnnotation(Command.class);
            if (full == null || full.contains(annotation.name())) {
                cli.addSubcommand(annotation.name(), command);
            } else {
                CommandSpec standIn = CommandSpec.create().name(annotation.name());
                standIn.usageMessage().description(annotation.description()).hidden(annotation.hidden());
                cli.addSubcommand(annotation.name(), new CommandLine(standIn));
            }
        }
        cli.addSubcommand(new CommandLine.HelpCommand());
        cli.getCommandSpec().usageMessage().exitCodeList(exitCodes());
        cli.setExecutionExceptionHandler(Bcm::handle);
        cli.setParameterExceptionHandler(Bcm::usageError);
        cli.setExecutionStrategy(Bcm::execute);
        return cli;
    }

    /** The exit codes and their meanings, from {@link BcmException.Kind} (docs/exit-codes.md says the same; a test checks it). */
    static Map<String, String> exitCodes() {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put("0", "success");
        for (BcmException.Kind kind : BcmException.Kind.values()) {
            codes.put(Integer.toString(kind.exitCode()), kind.meaning());
        }
        return codes;
    }

    /** A usage error (an unknown option, a missing or malformed value): one line, a hint, exit code 2, no usage dump. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("bcm: " + e.getMessage());
        err.println("  hint: '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' shows the usage");
        err.flush();
        return BcmException.Kind.INVALID_INPUT.exitCode();
    }

    /** Runs the command, holding the home's lock when it changes the home ({@link ChangesHome}). */
    private static int execute(CommandLine.ParseResult parseResult) {
        CommandLine.ParseResult last = parseResult;
        while (last.hasSubcommand()) {
            last = last.subcommand();
        }
        CommandLine command = last.commandSpec().commandLine();
        if (!(command.getCommand() instanceof ChangesHome) || command.isUsageHelpRequested() || command.isVersionHelpRequested()) {
            return new CommandLine.RunLast().execute(parseResult);
        }
        PrintWriter err = command.getErr();
        HomeLock lock;
        try {
            lock = HomeLock.acquire(BcmHome.fromEnvironment(System.getenv()), command.getCommandSpec().qualifiedName(), message -> {
                err.println("bcm: " + message);
                err.flush();
            });
        } catch (BcmException e) {
            throw new CommandLine.ExecutionException(command, e.getMessage(), e);
        }
        try (lock) {
            return new CommandLine.RunLast().execute(parseResult);
        }
    }

    private static int handle(Exception e, CommandLine failed, CommandLine.ParseResult parseResult) {
        PrintWriter err = failed.getErr();
        boolean trace = parseResult.matchedOptionValue("--stacktrace", false)
                || parseResult.subcommands().stream().anyMatch(p -> p.matchedOptionValue("--stacktrace", false));
        for (CommandLine.ParseResult p = parseResult; p != null && !trace; p = p.subcommand()) {
            trace = p.matchedOptionValue("--stacktrace", false);
        }
        if (e instanceof BcmException bcm) {
            err.println("bcm: " + bcm.getMessage());
            if (bcm.hint() != null) {
                err.println("  hint: " + bcm.hint());
            }
        } else {
            err.println("bcm: unexpected error: " + e);
            if (!trace) {
                err.println("  hint: run again with --stacktrace and report it");
            }
        }
        if (trace) {
            e.printStackTrace(err);
        }
        err.flush();
        return e instanceof BcmException bcm ? bcm.kind().exitCode() : BcmException.Kind.INTERNAL.exitCode();
    }

    /** The version of the bcm-cli jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Bcm.class.getPackage().getImplementationVersion();
            return new String[] {"bcm " + (version == null ? "development build" : version)};
        }
    }
}
