package org.bcm.core.kafka;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * Reads log records from the cluster's Kafka with Kafka's Java consumer, without a consumer group
 * (partitions assigned, nothing committed: reading changes nothing on the broker).
 */
public final class KafkaLogs {

    private static final Pattern DURATION = Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

    private KafkaLogs() {
    }

    /** The partitions of those of {@code topics} that exist. */
    private static List<TopicPartition> partitions(KafkaConsumer<String, String> consumer, List<String> topics, Duration timeout) {
        Map<String, List<PartitionInfo>> existing = consumer.listTopics(timeout);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            for (PartitionInfo info : existing.getOrDefault(topic, List.of())) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        return partitions;
    }

    /**
     * The instant {@code --since} names: a duration back from {@code now} ({@code 90s}, {@code 10m},
     * {@code 2h}, {@code 1d}, or combined: {@code 1h30m}), or a time in ISO 8601 with an offset
     * ({@code 2026-12-07T05:00:00Z}).
     *
     * @throws BcmException INVALID_INPUT when it is neither
     */
    public static Instant since(String text, Instant now) {
        String value = text == null ? "" : text.strip();
        Matcher m = DURATION.matcher(value);
        if (!value.isEmpty() && m.matches()) {
            long seconds = 0;
            long[] units = {86_400, 3_600, 60, 1};
            for (int i = 0; i < 4; i++) {
                if (m.group(i + 1) != null) {
                    seconds += Long.parseLong(m.group(i + 1)) * units[i];
                }
            }
            return now.minusSeconds(seconds);
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new BcmException(Kind.INVALID_INPUT, "--since '" + text + "' is neither a duration nor a time",
                    "give a duration back from now (90s, 10m, 2h, 1d, 1h30m) or a time with its offset (2026-12-07T05:00:00Z)");
        }
    }

    /**
     * Hands {@code out} every record of {@code topics} that {@code filter} accepts, in each partition's
     * order: from {@code since} (null: from the oldest kept), up to the end of each partition as it was when
     * reading began, or, with {@code follow}, on as new records arrive until {@code stop} says so.
     * A topic that does not exist yet has no records.
     *
     * @param bootstrap the broker's {@code HOST:PORT}
     * @param timeout   how long the broker may take to answer the first request
     * @throws BcmException TIMEOUT when the broker does not answer in time; DOCKER_FAILED when it fails a request
     */
    public static void read(String bootstrap, List<String> topics, Predicate<LogRecord> filter, Instant since, boolean follow,
            Consumer<LogRecord> out, Duration timeout, BooleanSupplier stop) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "bcm-logs");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        properties.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        properties.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 15_000));
        properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = partitions(consumer, topics, timeout);
            // following a stack that has logged nothing yet: wait for its topic
            while (partitions.isEmpty() && follow && !stop.getAsBoolean()) {
                Thread.sleep(1000);
                partitions = partitions(consumer, topics, timeout);
            }
            if (partitions.isEmpty()) {
                return;
            }
            consumer.assign(partitions);
            if (since == null) {
                consumer.seekToBeginning(partitions);
            } else {
                Map<TopicPartition, Long> times = new HashMap<>();
                partitions.forEach(p -> times.put(p, since.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
                for (TopicPartition partition : partitions) {
                    OffsetAndTimestamp at = offsets.get(partition);
                    if (at == null) {
                        consumer.seekToEnd(Set.of(partition));
                    } else {
                        consumer.seek(partition, at.offset());
                    }
                }
            }
            Map<TopicPartition, Long> end = follow ? Map.of() : new HashMap<>(consumer.endOffsets(partitions));
            while (!stop.getAsBoolean()) {
                if (!follow) {
                    end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                    if (end.isEmpty()) {
                        return;
                    }
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    LogRecord log = LogRecord.parse(record.topic(), record.offset(), record.key(), record.value());
                    if (filter.test(log)) {
                        out.accept(log);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            throw KafkaTopics.unreachable(bootstrap, timeout, e);
        } catch (KafkaException e) {
            throw new BcmException(Kind.DOCKER_FAILED, "Reading from Kafka at " + bootstrap + " failed: " + e.getMessage(),
                    "see the broker's state: bcm stack list; docker service logs kafka_broker", e);
        }
    }
}
