package org.bcm.chainevents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Turns bitcoind's ZMQ notifications (Bitcoin Core doc/zmq.md: three frames, topic, body, 4-byte
 * little-endian sequence) into Kafka records:
 *
 * <ul>
 *   <li>{@code hashblock} (a new tip's hash) becomes a record of {@value #BLOCKS}, key = the hash, value =
 *       {@code {"hash", "height", "time", "previousblockhash", "sequence"}}, height, time and previous hash
 *       from the node's {@code getblockheader} RPC;</li>
 *   <li>{@code rawtx} (a transaction entering the mempool or a connected block) becomes a record of
 *       {@value #TRANSACTIONS}, key = the txid, value = {@code {"txid", "wtxid", "size", "hex", "sequence"}}.</li>
 * </ul>
 *
 * The schemas are docs/kafka.md's (and stacks/chainevents/schemas/). The producer is idempotent with
 * {@code acks=all}: a record the broker acknowledged is there once. Notifications bitcoind sends while
 * the bridge is not connected are lost (ZMQ PUB/SUB keeps nothing); the {@code sequence} field shows the
 * gap.
 */
public final class ChainEventsBridge implements AutoCloseable {

    /** The topic of new blocks (bcm-core's KafkaTopics creates it at deploy under the same name). */
    public static final String BLOCKS = "bitcoin.blocks";
    /** The topic of transactions. */
    public static final String TRANSACTIONS = "bitcoin.transactions";

    private static final Logger LOG = LoggerFactory.getLogger(ChainEventsBridge.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    /**
     * Where the bridge connects.
     *
     * @param hashblock   bitcoind's {@code zmqpubhashblock} address, e.g. {@code tcp://bitcoind:28334}
     * @param rawtx       bitcoind's {@code zmqpubrawtx} address, e.g. {@code tcp://bitcoind:28333}
     * @param rpc         bitcoind's JSON-RPC URL, e.g. {@code http://bitcoind:18443/}
     * @param rpcUser     its rpcauth user
     * @param rpcPassword its password
     * @param kafka       Kafka's bootstrap servers, {@code HOST:PORT[,...]}
     */
    public record Config(String hashblock, String rawtx, URI rpc, String rpcUser, String rpcPassword, String kafka) {
        @Override
        public String toString() {
            return "Config[hashblock=" + hashblock + ", rawtx=" + rawtx + ", rpc=" + rpc + ", rpcUser=" + rpcUser + ", kafka=" + kafka + "]";
        }
    }

    private final Config config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Producer<String, String> producer;
    private final ZContext context = new ZContext();
    private volatile boolean running = true;

    public ChainEventsBridge(Config config) {
        this.config = config;
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka());
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, "bcm-chainevents");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Duration.ofDays(1).toMillis());
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Duration.ofDays(1).toMillis());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
    }

    /** Receives and forwards until {@link #close()}; every notification is handled in the order it arrived. */
    public void run() {
        try (ZMQ.Socket blocks = subscribe(config.hashblock(), "hashblock"); ZMQ.Socket txs = subscribe(config.rawtx(), "rawtx")) {
            ZMQ.Poller poller = context.createPoller(2);
            poller.register(blocks, ZMQ.Poller.POLLIN);
            poller.register(txs, ZMQ.Poller.POLLIN);
            LOG.info("forwarding {} to {} and {} to {} at {}", config.hashblock(), BLOCKS, config.rawtx(), TRANSACTIONS, config.kafka());
            while (running && !Thread.currentThread().isInterrupted()) {
                if (poller.poll(500) <= 0) {
                    continue;
                }
                if (poller.pollin(0)) {
                    receive(blocks);
                }
                if (poller.pollin(1)) {
                    receive(txs);
                }
            }
        } catch (org.zeromq.ZMQException e) {
            if (running) {
                throw e;
            }
        }
    }

    private ZMQ.Socket subscribe(String address, String topic) {
        ZMQ.Socket socket = context.createSocket(SocketType.SUB);
        socket.setRcvHWM(100_000);
        socket.subscribe(topic.getBytes(StandardCharsets.US_ASCII));
        socket.connect(address);
        return socket;
    }

    private void receive(ZMQ.Socket socket) {
        byte[] topic = socket.recv();
        byte[] body = socket.hasReceiveMore() ? socket.recv() : new byte[0];
        byte[] sequence = socket.hasReceiveMore() ? socket.recv() : new byte[0];
        while (socket.hasReceiveMore()) {
            socket.recv();
        }
        long seq = sequence.length == 4 ? Integer.toUnsignedLong(ByteBuffer.wrap(sequence).order(ByteOrder.LITTLE_ENDIAN).getInt()) : -1;
        String name = new String(topic, StandardCharsets.US_ASCII);
        try {
            switch (name) {
                case "hashblock" -> block(HEX.formatHex(body), seq);
                case "rawtx" -> transaction(body, seq);
                default -> LOG.warn("ignored a notification of topic {}", name);
            }
        } catch (RuntimeException | IOException e) {
            LOG.error("could not forward a {} notification (sequence {}): {}", name, seq, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The record of a new block (its header from {@code getblockheader}). */
    void block(String hash, long sequence) throws IOException, InterruptedException {
        JsonNode header = rpc("getblockheader", hash);
        ObjectNode value = JSON.createObjectNode();
        value.put("hash", hash);
        value.put("height", header.path("height").asLong());
        value.put("time", header.path("time").asLong());
        value.put("previousblockhash", header.path("previousblockhash").asText(""));
        value.put("sequence", sequence);
        send(BLOCKS, hash, value);
    }

    /** The record of a transaction. */
    void transaction(byte[] raw, long sequence) {
        String txid = Transactions.txid(raw);
        ObjectNode value = JSON.createObjectNode();
        value.put("txid", txid);
        value.put("wtxid", Transactions.wtxid(raw));
        value.put("size", raw.length);
        value.put("hex", HEX.formatHex(raw));
        value.put("sequence", sequence);
        send(TRANSACTIONS, txid, value);
    }

    private void send(String topic, String key, ObjectNode value) {
        producer.send(new ProducerRecord<>(topic, key, value.toString()), (metadata, error) -> {
            if (error != null) {
                LOG.error("Kafka did not take {} {}: {}", topic, key, error.getMessage());
            } else {
                LOG.debug("{} {} at offset {}", topic, key, metadata.offset());
            }
        });
    }

    /** A JSON-RPC 1.0 call (Bitcoin Core's), with basic authentication; its {@code result}. */
    private JsonNode rpc(String method, String... params) throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode();
        request.put("jsonrpc", "1.0");
        request.put("id", "bcm-chainevents");
        request.put("method", method);
        var array = request.putArray("params");
        for (String param : params) {
            array.add(param);
        }
        String auth = Base64.getEncoder().encodeToString((config.rpcUser() + ":" + config.rpcPassword()).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(config.rpc()).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        if (response.statusCode() != 200 || !answer.path("error").isNull() && !answer.path("error").isMissingNode()) {
            throw new IOException(method + " answered HTTP " + response.statusCode() + ": " + answer.path("error"));
        }
        return answer.path("result");
    }

    @Override
    public void close() {
        running = false;
        producer.close(Duration.ofSeconds(10));
        context.close();
    }
}
