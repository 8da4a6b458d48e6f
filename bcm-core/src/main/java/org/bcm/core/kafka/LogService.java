package org.bcm.core.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.project.ProjectService;
import org.bcm.swarm.StackDeployer;

/**
 * {@code bcm logs}: a deployed project's log lines as the tier hosts shipped them to the cluster's
 * Kafka ({@link KafkaTopics}), read on the controller with Kafka's Java client.
 */
public final class LogService {

    /** How long the broker may take to answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final ProjectService projects;

    public LogService(ProjectService projects) {
        this.projects = projects;
    }

    /**
     * What to read.
     *
     * @param stack   a stack of the project, or null for all of them
     * @param service a service of {@code stack} (or, with {@code hosts}, a program such as {@code dockerd}), or null for all
     * @param hosts   the tier hosts' own logs ({@link KafkaTopics#HOSTS}) instead of the stacks'
     * @param since   the oldest record's time, or null for the oldest kept
     * @param follow  keep reading as new lines arrive
     */
    public record Query(String stack, String service, boolean hosts, Instant since, boolean follow) {
    }

    /**
     * Hands {@code out} the project's log records the query selects, in each stack's order.
     *
     * @param cluster the cluster, or null for the one the project is deployed on
     * @throws BcmException NOT_FOUND (project, not deployed, no kafka stack deployed, a stack the project has
     *     not deployed, a service its stack does not have), INVALID_INPUT (a service without a stack), TIMEOUT
     *     (Kafka does not answer), DOCKER_FAILED
     */
    public void read(String project, String cluster, Query query, Consumer<LogRecord> out, BooleanSupplier stop) {
        if (query.service() != null && query.stack() == null && !query.hosts()) {
            throw new BcmException(Kind.INVALID_INPUT, "--service=" + query.service() + " needs the stack it belongs to",
                    "add --stack=STACK (bcm stack list shows them), or --hosts for a tier host's program");
        }
        record Target(String bootstrap, List<String> topics) {
        }
        Target target = projects.onDeployment(project, cluster, engines -> {
            Map<String, List<StackDeployer.ServiceStatus>> live = engines.manager().stacks();
            Map<String, List<String>> owned = new TreeMap<>();
            // the swarm's service names are STACK_SERVICE
            ProjectService.deployedStacks(project, engines).forEach(stack -> owned.put(stack,
                    live.getOrDefault(stack, List.of()).stream().map(StackDeployer.ServiceStatus::name)
                            .map(name -> name.startsWith(stack + "_") ? name.substring(stack.length() + 1) : name).toList()));
            if (!owned.containsKey(ProjectService.KAFKA_STACK)) {
                throw new BcmException(Kind.NOT_FOUND, "Project '" + project + "' has no kafka stack deployed, so no logs were shipped",
                        "add it and deploy: bcm project add-stack --project-name=" + project + " --stack=kafka; bcm project deploy ...;"
                                + " until then: docker service logs on the gateway host");
            }
            List<String> topics = new ArrayList<>();
            if (query.hosts()) {
                topics.add(KafkaTopics.HOSTS);
            } else if (query.stack() == null) {
                owned.keySet().forEach(stack -> topics.add(KafkaTopics.logs(stack)));
            } else {
                List<String> services = owned.get(query.stack());
                if (services == null) {
                    throw new BcmException(Kind.NOT_FOUND, "Project '" + project + "' has no stack '" + query.stack() + "' deployed",
                            "its stacks: " + String.join(", ", owned.keySet()));
                }
                if (query.service() != null && !services.contains(query.service())) {
                    throw new BcmException(Kind.NOT_FOUND, "Stack '" + query.stack() + "' has no service '" + query.service() + "'",
                            "its services: " + String.join(", ", services));
                }
                topics.add(KafkaTopics.logs(query.stack()));
            }
            return new Target(ProjectService.kafkaBootstrap(engines), topics);
        });
        KafkaLogs.read(target.bootstrap(), target.topics(),
                record -> query.service() == null || query.service().equals(record.service()),
                query.since(), query.follow(), out, TIMEOUT, stop);
    }
}
