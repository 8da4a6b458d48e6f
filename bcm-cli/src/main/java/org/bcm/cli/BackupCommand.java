package org.bcm.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.bcm.core.BcmException;
import org.bcm.core.identity.OpenPgpFiles;
import org.bcm.core.lightning.ChannelBackups;
import org.bcm.core.lightning.LightningService;
import org.bcm.core.project.ProjectService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bcm backup}: the Lightning node's static channel backups, encrypted to the operator's
 * identity on the controller ({@link ChannelBackups}, docs/lightning.md).
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "The Lightning node's static channel backups, encrypted to your identity (the Trezor decrypts them).",
        subcommands = {BackupCommand.Take.class, BackupCommand.Watch.class, BackupCommand.ListBackups.class, BackupCommand.Verify.class,
                BackupCommand.Restore.class})
final class BackupCommand {

    /** The project, cluster and device every backup command but list works with. */
    static final class Target {
        @Mixin OnionCommand.ProjectChoice project;

        @Option(names = "--cluster-name", paramLabel = "NAME", description = "The cluster (default: the one the project is deployed on).")
        String cluster;

        @Mixin DeviceOption device;

        /** The project's backups, the device decrypting what the project keeps in the password store. */
        Opened open(Context context) {
            ProjectService projects = context.projectService(device);
            String name = project.resolve(projects);
            return new Opened(new ChannelBackups(context.home(), new LightningService(projects), OpenPgpFiles.of(context.identities())), name);
        }
    }

    /** A project's backups, opened. */
    record Opened(ChannelBackups backups, String project) {
    }

    /** Where and how many backups are kept. */
    static final class Keeping {
        @Option(names = "--keep", defaultValue = "30", paramLabel = "N", description = "Backups kept in each directory. Default: ${DEFAULT-VALUE}.")
        int keep;

        @Option(names = "--copy-to", paramLabel = "DIR",
                description = "Also keep them in DIR/<project>/ (e.g. a mounted offsite disk).")
        Path copyTo;
    }

    static void print(Context context, ChannelBackups.Taken taken) {
        if (taken.backup() == null) {
            context.out().println("the node has written no static channel backup yet (it does once it runs)");
        } else {
            context.out().println((taken.created() ? "backed up " : "unchanged since ") + taken.backup().file());
        }
        if (taken.problem() != null) {
            context.err().println("bcm: " + taken.problem() + " (run 'bcm backup take' where you can confirm on the Trezor)");
            context.err().flush();
        }
        if (taken.unrecorded() != null) {
            context.err().println("bcm: the backup is taken, but the node's exporter was not told (the monitoring stack will alert): "
                    + taken.unrecorded() + " (deploy the project again: bcm project deploy)");
            context.err().flush();
        }
        context.out().flush();
    }

    @Command(name = "take", mixinStandardHelpOptions = true,
            description = "Back up the node's static channel backup now, when it changed since the last backup.")
    static final class Take implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Target target;
        @Mixin Keeping keeping;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Opened opened = target.open(context);
            print(context, opened.backups().take(opened.project(), target.cluster, keeping.keep, keeping.copyTo, true));
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Watch the node's static channel backup and back it up whenever it changes, until stopped (Ctrl-C).",
                    "Run it as a service on the controller; a node that restarts or a cluster that is briefly away is waited for."})
    static final class Watch implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Target target;
        @Mixin Keeping keeping;

        @Option(names = "--interval", defaultValue = "10", paramLabel = "SECONDS", description = "Time between looks. Default: ${DEFAULT-VALUE}.")
        int interval;

        @Override
        public Integer call() throws InterruptedException {
            Context context = new Context(spec);
            if (interval < 1) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "--interval must be at least 1 second", "give --interval=10");
            }
            Opened opened = target.open(context);
            context.err().println("watching the static channel backup of project " + opened.project() + " every " + interval + " s; Ctrl-C stops");
            context.err().flush();
            String lastProblem = null;
            String lastUnrecorded = null;
            boolean withNodeSecret = true;
            while (true) {
                try {
                    ChannelBackups.Taken taken = opened.backups().take(opened.project(), target.cluster, keeping.keep, keeping.copyTo,
                            withNodeSecret);
                    if (taken.created() || lastProblem != null || taken.problem() != null
                            || taken.unrecorded() != null && !taken.unrecorded().equals(lastUnrecorded)) {
                        print(context, taken);
                    }
                    // a device that did not decrypt the node's secret is not asked again while watching
                    withNodeSecret &= taken.problem() == null;
                    lastProblem = null;
                    lastUnrecorded = taken.unrecorded();
                } catch (BcmException e) {
                    if (e.kind() != BcmException.Kind.NOT_FOUND && e.kind() != BcmException.Kind.DOCKER_FAILED
                            && e.kind() != BcmException.Kind.LXD_UNAVAILABLE) {
                        throw e;
                    }
                    if (!e.getMessage().equals(lastProblem)) {
                        context.err().println("bcm: " + e.getMessage() + " (still watching)");
                        context.err().flush();
                    }
                    lastProblem = e.getMessage();
                }
                Thread.sleep(Duration.ofSeconds(interval).toMillis());
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The project's backups on this controller, oldest first.")
    static final class ListBackups implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin OnionCommand.ProjectChoice project;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            ProjectService projects = context.projectService();
            String name = project.resolve(projects);
            ChannelBackups backups = new ChannelBackups(context.home(), new LightningService(projects), OpenPgpFiles.of(context.identities()));
            List<ChannelBackups.Backup> all = backups.list(name);
            if (output.json()) {
                OutputOption.printJson(context.out(), all.stream().map(b -> new Row(b.file().toString(), b.taken().toString(), b.sha256(), b.scb())).toList());
                return 0;
            }
            Table table = new Table("TAKEN", "SHA-256", "NODE FILE", "BACKUP");
            all.forEach(b -> table.row(b.taken(), b.sha256(), b.scb(), b.file()));
            table.print(context.out());
            context.out().flush();
            return 0;
        }
    }

    /** One backup in JSON output. */
    record Row(String file, String taken, String sha256, String scb) {
    }

    /** A command on one backup: {@code --file}, else the newest. */
    abstract static class OnBackup implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Target target;

        @Option(names = "--file", paramLabel = "BACKUP", description = "The backup (default: the newest).")
        Path file;

        abstract void act(Context context, Opened opened, ChannelBackups.Backup backup);

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Opened opened = target.open(context);
            act(context, opened, opened.backups().choose(opened.project(), file));
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Decrypt a backup through the Trezor (confirm on it) and check it: its SHA-256, and the running node's own",
                    "check (lnd: lncli verifychanbackup; Core Lightning: the format, then lightning-cli decode). Exit 7 when it fails."})
    static final class Verify extends OnBackup {
        @Override
        void act(Context context, Opened opened, ChannelBackups.Backup backup) {
            ChannelBackups.Verified verified = opened.backups().verify(opened.project(), target.cluster, backup, context.deviceKeys(target.device));
            context.out().println("good: " + backup.file() + " (" + verified.bytes() + " bytes; checked: " + verified.checked() + ")");
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Give the running node a backup and start its recovery (Core Lightning: emergencyrecover; lnd: restorechanbackup).",
                    "Its peers then close the channels and the funds come back on chain. docs/lightning.md has the restore drill."})
    static final class Restore extends OnBackup {
        @Override
        void act(Context context, Opened opened, ChannelBackups.Backup backup) {
            var answer = opened.backups().restore(opened.project(), target.cluster, backup, context.deviceKeys(target.device));
            context.out().println("restored " + backup.file() + "; the node answered:");
            OutputOption.printJson(context.out(), answer);
        }
    }
}
