package org.bcm.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.bcm.core.kafka.KafkaLogs;
import org.bcm.core.kafka.LogService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bcm logs}: the project's log lines from the cluster's Kafka (docs/kafka.md), printed as
 * {@code docker service logs} prints them ({@code TASK@HOST    | LINE}), or one JSON record per line.
 */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"The log lines of the project's services (or, with --hosts, of the tier hosts' own daemons),",
                "read from the cluster's Kafka, where every tier host ships them (the kafka stack).",
                "Without --stack: every stack's, in each stack's order."})
final class LogsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin OnionCommand.ProjectChoice project;

    @Option(names = "--cluster-name", paramLabel = "NAME", description = "The cluster (default: the one the project is deployed on).")
    String cluster;

    @Option(names = "--stack", paramLabel = "STACK", description = "Only this stack's services.")
    String stack;

    @Option(names = "--service", paramLabel = "SERVICE", description = "Only this service of --stack (with --hosts: this program, e.g. dockerd).")
    String service;

    @Option(names = "--hosts", description = "The tier hosts' own logs (the journal: dockerd, systemd, ...) instead.")
    boolean hosts;

    @Option(names = "--since", paramLabel = "DURATION|TIME",
            description = "Only lines since then: a duration back from now (90s, 10m, 2h, 1d, 1h30m) or a time (2026-12-07T05:00:00Z).")
    String since;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines as they arrive (Ctrl-C ends).")
    boolean follow;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
        Context context = new Context(spec);
        Instant from = since == null ? null : KafkaLogs.since(since, Instant.now());
        var projects = context.projectService();
        String name = project.resolve(projects);
        PrintWriter out = context.out();
        new LogService(projects).read(name, cluster, new LogService.Query(stack, service, hosts, from, follow), record -> {
            out.println(output.json() ? record.json() : record.formatted());
            out.flush();
        }, () -> out.checkError());
        return 0;
    }
}
