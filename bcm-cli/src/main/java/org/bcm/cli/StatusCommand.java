package org.bcm.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.bcm.core.monitoring.ClusterStatus;
import org.bcm.core.monitoring.StatusService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bcm status}: is everything fine? The tier hosts, the stacks' services, the node and the
 * firing alerts, as the project's monitoring stack sees them (docs/monitoring.md). Exits 0 when no
 * alert fires and {@value #ALERTS_FIRING} when one does (listed on standard output, nothing on
 * standard error), so that scripts can gate on it.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Is everything fine? The tier hosts (up, CPU, memory, disk), each stack's services (running/declared),",
                "the node (chain, height, sync, peers), the Lightning node (channels) and the alerts firing, from the project's monitoring stack.",
                "Exits 0 when no alert fires, " + StatusCommand.ALERTS_FIRING + " when one does."})
final class StatusCommand implements Callable<Integer> {

    /** The exit code when an alert fires (as bcm cluster verify's when it finds a failing piece). */
    static final int ALERTS_FIRING = 7;

    @Spec CommandSpec spec;
    @Mixin OnionCommand.ProjectChoice project;

    @Option(names = "--cluster-name", paramLabel = "NAME", description = "The cluster (default: the one the project is deployed on).")
    String cluster;

    @Option(names = {"-w", "--watch"}, description = "Refresh every 5 s in place (Ctrl-C ends).")
    boolean watch;

    @Mixin OutputOption output;

    @Override
    public Integer call() throws InterruptedException {
        Context context = new Context(spec);
        var projects = context.projectService();
        String name = project.resolve(projects);
        PrintWriter out = context.out();
        Supplier<ClusterStatus> status = new StatusService(projects).watcher(name, cluster);
        while (true) {
            ClusterStatus now = status.get();
            if (watch && !output.json()) {
                out.print("\033[H\033[2J"); // home, clear: the next screen replaces this one
            }
            if (output.json()) {
                OutputOption.printJson(out, now);
            } else {
                print(out, name, now);
            }
            out.flush();
            if (!watch || out.checkError()) {
                return now.fine() ? 0 : ALERTS_FIRING;
            }
            Thread.sleep(5000);
        }
    }

    static void print(PrintWriter out, String project, ClusterStatus status) {
        out.println("Project " + project + " at " + status.at().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        out.println();
        out.printf("%-18s %-8s %-5s %5s %21s %5s%n", "HOST", "TIER", "STATE", "CPU", "MEMORY", "DISK");
        for (ClusterStatus.Host host : status.hosts()) {
            out.printf("%-18s %-8s %-5s %5s %21s %5s%n", host.name(), host.tier(), host.up() ? "up" : "DOWN", percent(host.cpu()),
                    host.memoryTotal() < 0 ? "-" : mib(host.memoryUsed()) + " / " + mib(host.memoryTotal()), percent(host.disk()));
        }
        out.println();
        out.printf("%-12s %-36s %s%n", "STACK", "SERVICE", "TASKS");
        status.stacks().forEach((stack, services) -> services.forEach(service -> out.printf("%-12s %-36s %d/%d%s%n", stack,
                service.name(), service.running(), service.declared(), service.running() < service.declared() ? "  MISSING" : "")));
        out.println();
        ClusterStatus.Node node = status.node();
        if (node != null) {
            out.println(node.up() ? String.format(Locale.ROOT, "NODE  %s  height %d (headers %d)  synced %.2f%%  peers %d in / %d out",
                    node.chain(), node.blocks(), node.headers(), 100 * node.progress(), node.peersIn(), node.peersOut())
                    : "NODE  bitcoind does not answer");
        }
        ClusterStatus.Lightning ln = status.lightning();
        if (ln != null) {
            out.println(ln.up() ? String.format(Locale.ROOT, "LIGHTNING  %s %s  height %d  %s  peers %d  channels %s active / %s inactive / %s pending",
                    ln.implementation(), ln.version(), ln.height(), ln.synced() ? "synced" : "NOT SYNCED", ln.peers(), known(ln.active()),
                    known(ln.inactive()), known(ln.pending())) : "LIGHTNING  the node does not answer");
        }
        if (node != null || ln != null) {
            out.println();
        }
        List<ClusterStatus.Alert> alerts = status.alerts();
        if (alerts.isEmpty()) {
            out.println("No alert fires.");
            return;
        }
        out.println("ALERTS FIRING");
        for (ClusterStatus.Alert alert : alerts) {
            out.printf("  %-26s %-8s for %-8s %s%n", alert.name(), alert.severity(), age(Duration.between(alert.since(), status.at())),
                    alert.summary());
        }
    }

    /** A count, or {@code ?} when unknown (negative). */
    private static String known(int count) {
        return count < 0 ? "?" : Integer.toString(count);
    }

    private static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : Math.round(100 * fraction) + "%";
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    /** {@code 45s}, {@code 12m}, {@code 3h05m}, {@code 2d04h}. */
    static String age(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m";
        }
        if (s < 86400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86400, s % 86400 / 3600);
    }
}
