package org.bcm.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alertmanager's webhook receiver that writes each alert to a Kafka topic ({@code bcm.alerts}): {@code
 * POST /} with Alertmanager's webhook payload (version 4: {@code {receiver, status, alerts: [{status,
 * labels, annotations, startsAt, endsAt, fingerprint, ...}]}}, Alertmanager's docs "webhook_config").
 * One record per alert, key its {@code fingerprint}, value the alert as Alertmanager sent it plus
 * {@code receiver}. Answers 200 once Kafka acknowledged every record, 503 otherwise (Alertmanager sends
 * the notification again), 400 for a body that is not such a payload.
 */
final class AlertsToKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertsToKafka.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 4 << 20;

    private final HttpServer server;
    private final Properties config = new Properties();
    private final String topic;
    /** Replaced by a new one after a failure, so that no state of a producer that lost the broker stays. */
    private final java.util.concurrent.atomic.AtomicReference<KafkaProducer<String, String>> producer =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * @param bootstrap Kafka's bootstrap servers, e.g. {@code broker:9092}
     * @throws IOException when the address cannot be bound
     */
    AlertsToKafka(InetSocketAddress listen, String bootstrap, String topic) throws IOException {
        this.topic = topic;
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        producer.set(new KafkaProducer<>(config, new StringSerializer(), new StringSerializer()));
        server = HttpServer.create(listen, 16);
        server.createContext("/", this::handle);
        // Alertmanager sends each group's notifications on its own: one slow delivery must not hold the others
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            JsonNode payload;
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readNBytes(MAX_BODY + 1);
                payload = body.length > MAX_BODY ? null : JSON.readTree(body);
            } catch (IOException e) {
                payload = null;
            }
            if (payload == null || !payload.path("alerts").isArray()) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            exchange.sendResponseHeaders(send(payload) ? 200 : 503, -1);
        }
    }

    /** Writes the payload's alerts; true when Kafka acknowledged all of them. */
    boolean send(JsonNode payload) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        KafkaProducer<String, String> current = producer.get();
        try {
            for (JsonNode alert : payload.path("alerts")) {
                ObjectNode record = alert.deepCopy();
                record.put("receiver", payload.path("receiver").asText());
                String key = alert.path("fingerprint").asText(alert.path("labels").path("alertname").asText());
                sent.add(current.send(new ProducerRecord<>(topic, key, record.toString())));
            }
            for (Future<RecordMetadata> future : sent) {
                future.get(30, TimeUnit.SECONDS);
            }
            LOG.info("{} alert(s) of {} ({}) written to {}", sent.size(), payload.path("receiver").asText(),
                    payload.path("status").asText(), topic);
            return true;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("Kafka did not take {} alert(s) for {}: {}; Alertmanager sends them again", payload.path("alerts").size(),
                    topic, e.getMessage());
            KafkaProducer<String, String> fresh = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
            (producer.compareAndSet(current, fresh) ? current : fresh).close(java.time.Duration.ZERO);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        producer.get().close(java.time.Duration.ofSeconds(5));
    }
}
