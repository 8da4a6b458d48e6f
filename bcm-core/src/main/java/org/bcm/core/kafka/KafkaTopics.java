package org.bcm.core.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * The topics bcm keeps in the cluster's Kafka, created at deploy with an explicit retention
 * ({@code retention.ms}, {@code retention.bytes}: Kafka's topic configs) and one partition, so the
 * records of a topic have one order, the order the tier host's shipper sent them in (docs/kafka.md).
 *
 * <ul>
 *   <li>{@code bcm.logs.<stack>}: the log lines of the stack's containers, key = the service;</li>
 *   <li>{@value #HOSTS}: the tier hosts' own logs (the journal: dockerd, systemd, ...), key = the program;</li>
 *   <li>the topics a stack of the project declares in {@code x-bcm.kafka-topics} (the chainevents stack's
 *       {@code bitcoin.blocks} and {@code bitcoin.transactions}, the monitoring stack's {@code bcm.alerts}).</li>
 * </ul>
 */
public final class KafkaTopics {

    /** The topic of the tier hosts' own logs. */
    public static final String HOSTS = "bcm.hosts";
    /** The prefix of the stacks' log topics. */
    public static final String LOGS_PREFIX = "bcm.logs.";

    private KafkaTopics() {
    }

    /** The log topic of a stack, e.g. {@code bcm.logs.bitcoin}. */
    public static String logs(String stack) {
        return LOGS_PREFIX + stack;
    }

    /**
     * How long records are kept.
     *
     * @param hours hours (retention.ms = hours x 3,600,000)
     * @param mib   MiB per partition (retention.bytes = mib x 1,048,576)
     */
    public record Retention(long hours, long mib) {
        Map<String, String> configs() {
            return Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(hours * 3_600_000L),
                    TopicConfig.RETENTION_BYTES_CONFIG, Long.toString(mib * 1_048_576L));
        }
    }

    /**
     * Creates the topics that are missing (one partition, {@code replication} replicas, the retention)
     * and sets the retention of those that exist where it differs.
     *
     * @param bootstrap the broker's {@code HOST:PORT}
     * @return what changed, one line per topic (empty when nothing did)
     * @throws BcmException TIMEOUT when the broker does not answer within {@code timeout}; DOCKER_FAILED
     *     (the cluster's service failed) when it refuses a request
     */
    public static List<String> ensure(String bootstrap, Collection<String> topics, Retention retention, int replication,
            Duration timeout) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.CLIENT_ID_CONFIG, "bcm");
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 15_000));
        List<String> changed = new ArrayList<>();
        try (Admin admin = Admin.create(properties)) {
            long seconds = timeout.toSeconds();
            Set<String> existing = admin.listTopics().names().get(seconds, TimeUnit.SECONDS);
            for (String topic : topics) {
                if (existing.contains(topic)) {
                    continue;
                }
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) replication).configs(retention.configs())))
                            .all().get(seconds, TimeUnit.SECONDS);
                    changed.add("topic " + topic + " created (retention " + retention.hours() + " h, " + retention.mib() + " MiB)");
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    existing.add(topic);
                }
            }
            List<ConfigResource> resources = topics.stream().filter(existing::contains)
                    .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic)).toList();
            Map<ConfigResource, Config> configs = resources.isEmpty() ? Map.of()
                    : admin.describeConfigs(resources).all().get(seconds, TimeUnit.SECONDS);
            for (var entry : configs.entrySet()) {
                List<AlterConfigOp> ops = new ArrayList<>();
                retention.configs().forEach((key, value) -> {
                    ConfigEntry now = entry.getValue().get(key);
                    if (now == null || !value.equals(now.value()) || now.source() != ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                        ops.add(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET));
                    }
                });
                if (!ops.isEmpty()) {
                    admin.incrementalAlterConfigs(Map.of(entry.getKey(), ops)).all().get(seconds, TimeUnit.SECONDS);
                    changed.add("topic " + entry.getKey().name() + " retention set to " + retention.hours() + " h, " + retention.mib() + " MiB");
                }
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw unreachable(bootstrap, timeout, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(bootstrap, timeout, e.getCause());
            }
            throw new BcmException(Kind.DOCKER_FAILED, "Kafka at " + bootstrap + " refused to set up its topics: "
                    + e.getCause().getMessage(), "see the broker's log: bcm logs --stack=kafka, or docker service logs kafka_broker", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BcmException(Kind.INTERNAL, "Interrupted while setting up Kafka's topics", null, e);
        }
        return changed;
    }

    /** The error of a broker that did not answer. */
    static BcmException unreachable(String bootstrap, Duration timeout, Throwable cause) {
        return new BcmException(Kind.TIMEOUT, "Kafka at " + bootstrap + " did not answer within " + timeout.toSeconds() + " s",
                "check that the kafka stack runs: bcm stack list; bcm project deploy starts it", cause);
    }
}
