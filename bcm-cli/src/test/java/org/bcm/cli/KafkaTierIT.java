package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.bcm.core.release.TestRelease;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end on a real cluster, the kafka tier's stacks on one cluster (shared, so CI builds and deploys it
 * once): the kafka stack (the real Kafka broker, KRaft, from Maven Central's
 * artifacts) beside the gateway, the bitcoin stack (bitcoind's stand-in, StandInBitcoinStack, which
 * publishes its blocks on ZMQ as Core does) and the chainevents stack; blocks mined arrive in
 * {@code bitcoin.blocks} with their hash and height, their transactions in {@code bitcoin.transactions}; lines a service writes travel dockerd's syslog driver, the tier host's
 * rsyslog and omkafka to the stack's topic and come back in order through {@code bcm logs}; {@code
 * --follow} prints a new line as it arrives; lines written while the broker is down arrive once it is
 * back, each once; the hosts' own logs are in {@code bcm.hosts}; bad input and an unreachable broker end
 * in clear errors. The monitoring stack (real Prometheus, Alertmanager and node exporter from Debian's
 * packages, bcm's exporters): every target is up, the exporter reports the stand-in's height, {@code bcm
 * status} shows the cluster; bitcoind scaled to 0 fires the alert that {@code bcm status} shows (and its
 * exit code) and that Alertmanager writes to {@code bcm.alerts}; scaled back, it resolves. The lightning
 * stack (Core Lightning's stand-in, StandInBitcoinStack#installLightning): its exporter reports the
 * node's height, its channels (one of them inactive) and that no backup holds its channel backup.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaTierIT {

    private static final String CLUSTER = "itkfk";
    private static final String PROJECT = "itk";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static Path home;
    private static BcmProcess bcm;
    private static ClusterEngines cluster;
    private static String kafkaAddress;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("bcm-it-kafka");
        home = dir.resolve("home");
        bcm = new BcmProcess(home, Map.of("BCM_CACHE_DIR", Path.of(System.getProperty("user.home"), ".bcm", "cache").toString(),
                "BCM_SOCKS_PROXY", "none"));
        cluster = new ClusterEngines(home, CLUSTER, PROJECT);
        bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        TestRelease bitcoinCore = StandInBitcoinStack.install(dir, home);
        StandInBitcoinStack.importReleases(bcm, bitcoinCore, StandInBitcoinStack.installLightning(dir, home, bitcoinCore));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        }
        org.bcm.core.home.BcmHome.deleteTree(dir);
    }

    /** Writes {@code lines} to the log of the gateway's Tor (its PID 1's standard output), one after the other. */
    private static void writeToTorsLog(List<String> lines) throws Exception {
        cluster.shell("bcm-gateway-01", "gateway_tor", "for l in " + String.join(" ", lines) + "; do echo \"$l\" > /proc/1/fd/1; done");
    }

    /** A shell command on the gateway host itself (lxc exec), its standard output. */
    private static String onGatewayHost(String command) {
        var result = new org.bcm.core.process.ExternalProgram("lxc", "lxc", true)
                .with(List.of("exec", "--project", "bcm-" + CLUSTER, "bcm-gateway-01", "--", "sh", "-c", command)).capture();
        assertThat(result.exit()).as(result.stderr()).isZero();
        return new String(result.stdout(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static List<String> lines(String prefix, int count) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> String.format("%s-%04d", prefix, i)).toList();
    }

    /** The records of gateway_tor bcm logs prints as JSON whose line starts with {@code prefix}. */
    private static List<JsonNode> torRecords(String prefix) throws Exception {
        var logs = bcm.run("logs", "--project-name=" + PROJECT, "--stack=gateway", "--service=tor", "--output=json");
        assertThat(logs.exitCode()).as(logs.toString()).isZero();
        List<JsonNode> records = new ArrayList<>();
        for (String line : logs.out().lines().toList()) {
            JsonNode record = JSON.readTree(line);
            if (record.path("line").asText().startsWith(prefix)) {
                records.add(record);
            }
        }
        return records;
    }

    /** Sets a service's replicas and waits until as many of its tasks run. */
    private static void scale(String name, int replicas) throws Exception {
        try (DockerClient docker = cluster.docker("bcm-gateway-01")) {
            Service service = docker.listServicesCmd().withNameFilter(List.of(name)).exec().get(0);
            ServiceSpec spec = service.getSpec();
            spec.getMode().getReplicated().withReplicas(replicas);
            docker.updateServiceCmd(service.getId(), spec).withVersion(service.getVersion().getIndex()).exec();
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).until(() -> docker.listTasksCmd()
                    .withServiceFilter(name).exec().stream().filter(t -> t.getStatus() != null
                            && t.getStatus().getState() == com.github.dockerjava.api.model.TaskState.RUNNING).count() == replicas);
        }
    }

    /** Prometheus's HTTP API (published on the kafka host, user bcm with the generated password): its {@code data}. */
    private static JsonNode prometheus(String path) throws Exception {
        String host = kafkaAddress().substring(0, kafkaAddress().indexOf(':'));
        String password = Files.readString(home.resolve("projects/" + PROJECT + "/secrets/monitoring/web_password")).strip();
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + host + ":9090" + path)).header("Authorization", "Basic "
                + java.util.Base64.getEncoder().encodeToString(("bcm:" + password).getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).path("data");
    }

    /** An instant query's result. */
    private static JsonNode query(String promql) throws Exception {
        return prometheus("/api/v1/query?query=" + java.net.URLEncoder.encode(promql, java.nio.charset.StandardCharsets.UTF_8)).path("result");
    }

    private static long countJob(JsonNode targets, String job) {
        long n = 0;
        for (JsonNode t : targets) {
            n += job.equals(t.path("labels").path("job").asText()) ? 1 : 0;
        }
        return n;
    }

    /** The records of bcm.alerts about bitcoin_bitcoind's missing tasks with the given status. */
    private static List<JsonNode> alertRecords(String status) throws Exception {
        return topic("bcm.alerts").stream().filter(a -> a.path("labels").path("alertname").asText().equals("BcmServiceTasksMissing")
                && a.path("labels").path("service").asText().equals("bitcoin_bitcoind") && a.path("status").asText().equals(status)).toList();
    }

    @Test
    @Order(1)
    void linesAServiceWritesArriveInOrderAndBcmLogsPrintsThem() throws Exception {
        assertThat(bcm.run("cluster", "create", "--cluster-name=" + CLUSTER).exitCode()).isZero();
        var created = bcm.run("project", "create", "--project-name=" + PROJECT, "--chain=regtest", "--stacks=gateway,kafka,bitcoin,chainevents,monitoring,lightning");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        var deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        assertThat(deployed.err()).contains("topic bcm.logs.gateway", "topic bcm.logs.chainevents", "topic bcm.hosts", "bcm.alerts");
        System.out.println("deploy of gateway, kafka, bitcoin, chainevents, monitoring and lightning: " + deployed.took().toMillis() + " ms");

        List<String> sent = lines("it-order", 200);
        writeToTorsLog(sent);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                .until(() -> torRecords("it-order").size() >= sent.size());
        List<JsonNode> records = torRecords("it-order");
        assertThat(records).extracting(r -> r.path("line").asText()).containsExactlyElementsOf(sent);
        JsonNode first = records.get(0);
        assertThat(first.path("host").asText()).isEqualTo("bcm-gateway-01");
        assertThat(first.path("stack").asText()).isEqualTo("gateway");
        assertThat(first.path("service").asText()).isEqualTo("tor");
        assertThat(first.path("task").asText()).startsWith("gateway_tor.1.");
        assertThat(first.path("stream").asText()).isEqualTo("stdout");
        assertThat(first.path("id").asText()).matches("[0-9A-F]{32}");
        assertThat(first.path("time").asText()).isNotEmpty();

        var text = bcm.run("logs", "--project-name=" + PROJECT, "--stack=gateway", "--service=tor");
        assertThat(text.out()).containsPattern("(?m)^gateway_tor\\.1\\.[a-z0-9]+@bcm-gateway-01    \\| it-order-0001$");
        // docker logs still works (dual logging)
        assertThat(cluster.logs("bcm-gateway-01", "gateway_tor")).contains("it-order-0200");
        // the hosts' own daemons
        var hosts = bcm.run("logs", "--project-name=" + PROJECT, "--hosts", "--service=dockerd");
        assertThat(hosts.exitCode()).as(hosts.toString()).isZero();
        assertThat(hosts.out()).contains("dockerd@bcm-");
    }

    @Test
    @Order(2)
    void followPrintsANewLineAsItArrives() throws Exception {
        Process follow = bcm.start("logs", "--project-name=" + PROJECT, "--stack=gateway", "--service=tor", "--follow", "--since=1s");
        try {
            Thread.sleep(3000);
            long[] latencies = new long[5];
            for (int i = 0; i < latencies.length; i++) {
                String line = "it-follow-" + i;
                long start = System.nanoTime();
                writeToTorsLog(List.of(line));
                bcm.awaitOutput(follow, "| " + line, Duration.ofSeconds(2));
                latencies[i] = (System.nanoTime() - start) / 1_000_000;
            }
            System.out.println("bcm logs --follow latencies (ms, write through print): " + java.util.Arrays.toString(latencies));
        } finally {
            follow.destroy();
        }
    }

    /** A JSON-RPC call to bitcoind, as the chainevents stack's RPC user: its result's JSON. */
    private static JsonNode bitcoind(String method, String params) throws Exception {
        String password = Files.readString(home.resolve("projects/" + PROJECT + "/secrets/bitcoin/rpc_chainevents")).strip();
        String answer = cluster.jsonRpc("bitcoin_rpc", "bitcoind", 18443, "chainevents", password,
                "{\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}");
        assertThat(answer).startsWith("200");
        return JSON.readTree(answer.substring(4)).path("result");
    }

    /** Every record of a topic, read with Kafka's Java client at the broker's HOST listener, as topic value strings. */
    private static List<JsonNode> topic(String topic) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        try (var consumer = consumer()) {
            var partition = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode value = JSON.readTree(record.value());
                    ((com.fasterxml.jackson.databind.node.ObjectNode) value).put("key", record.key());
                    records.add(value);
                }
            }
        }
        return records;
    }

    @Test
    @Order(3)
    void minedBlocksArriveInBitcoinBlocksWithHashAndHeight() throws Exception {
        int before = bitcoind("getblockcount", "[]").asInt();
        JsonNode mined = bitcoind("generatetoaddress", "[3,\"bcrt1qft5p2uhsdcdc3l2ua4ap5qqfg4pjaqlp250x7us7a8qqhrxrxfsqseac85\"]");
        assertThat(mined).hasSize(3);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                .until(() -> topic("bitcoin.blocks").stream().filter(r -> r.path("height").asInt() > before).count() >= 3);
        List<JsonNode> blocks = topic("bitcoin.blocks").stream().filter(r -> r.path("height").asInt() > before).toList();
        assertThat(blocks).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode block = blocks.get(i);
            assertThat(block.path("hash").asText()).isEqualTo(mined.get(i).asText());
            assertThat(block.path("key").asText()).isEqualTo(mined.get(i).asText());
            assertThat(block.path("height").asInt()).isEqualTo(before + 1 + i);
            assertThat(block.path("previousblockhash").asText()).isEqualTo(bitcoind("getblockhash", "[" + (before + i) + "]").asText());
        }
        // the blocks' transactions (the coinbase of each)
        for (JsonNode hash : mined) {
            String coinbase = bitcoind("getblock", "[\"" + hash.asText() + "\"]").path("tx").get(0).asText();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> topic("bitcoin.transactions").stream().anyMatch(t -> t.path("txid").asText().equals(coinbase)
                            && t.path("key").asText().equals(coinbase) && t.path("hex").asText().length() == 2 * t.path("size").asInt()));
        }
    }

    @Test
    @Order(8)
    void linesWrittenWhileTheBrokerIsDownArriveOnceItIsBack() throws Exception {
        scale("kafka_broker", 0);
        var down = bcm.run("logs", "--project-name=" + PROJECT, "--stack=gateway");
        assertThat(down.exitCode()).as(down.toString()).isEqualTo(9);
        assertThat(down.err()).contains("Kafka at ").contains("did not answer").contains("hint:");

        // the shipper's queue is on the tier host's disk: the test sees it there, then every line in order
        int count = 12_000;
        List<String> sent = lines("it-outage", count);
        cluster.shell("bcm-gateway-01", "gateway_tor", "seq -f 'it-outage-%04g' 1 " + count + " > /proc/1/fd/1");
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                .until(() -> !onGatewayHost("cat /var/spool/rsyslog/bcm-kafka.0* | grep -c -a it-outage-" + count
                        + " || true").strip().equals("0"));
        System.out.println("queued on bcm-gateway-01's disk while the broker was down: "
                + onGatewayHost("du -sb /var/spool/rsyslog").strip());
        scale("kafka_broker", 1);
        // the broker answers some seconds after its task runs
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions()
                .until(() -> torRecords("it-outage").size() >= sent.size());
        List<JsonNode> records = torRecords("it-outage");
        assertThat(records).extracting(r -> r.path("line").asText()).containsExactlyElementsOf(sent);
        Set<String> ids = new HashSet<>();
        records.forEach(r -> ids.add(r.path("id").asText()));
        assertThat(ids).hasSize(sent.size());
        // what the broker had acknowledged before it stopped is still there
        assertThat(torRecords("it-order")).extracting(r -> r.path("line").asText()).containsExactlyElementsOf(lines("it-order", 200));
    }

    @Test
    @Order(9)
    void badInputEndsInClearErrors() throws Exception {
        var stack = bcm.run("logs", "--project-name=" + PROJECT, "--stack=nosuch");
        assertThat(stack.exitCode()).isEqualTo(3);
        assertThat(stack.err()).contains("has no stack 'nosuch' deployed").contains("bitcoin, chainevents, gateway, kafka, lightning, monitoring");
        var service = bcm.run("logs", "--project-name=" + PROJECT, "--stack=gateway", "--service=nosuch");
        assertThat(service.exitCode()).isEqualTo(3);
        assertThat(service.err()).contains("Stack 'gateway' has no service 'nosuch'").contains("tor");
        var since = bcm.run("logs", "--project-name=" + PROJECT, "--since=yesterday");
        assertThat(since.exitCode()).isEqualTo(2);
        assertThat(since.err()).contains("--since 'yesterday' is neither a duration nor a time");
        var project = bcm.run("logs", "--project-name=nosuch");
        assertThat(project.exitCode()).isEqualTo(3);
    }

    @Test
    @Order(4)
    void monitoringScrapesEveryTargetAndBcmStatusShowsTheCluster() throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions().untilAsserted(() -> {
            JsonNode targets = prometheus("/api/v1/targets?state=active").path("activeTargets");
            Set<String> jobs = new HashSet<>();
            targets.forEach(t -> {
                assertThat(t.path("health").asText()).as(t.toString()).isEqualTo("up");
                jobs.add(t.path("labels").path("job").asText());
            });
            assertThat(jobs).contains("prometheus", "alertmanager", "node", "dockerd", "kafka_broker", "monitoring_swarm-exporter",
                    "monitoring_bitcoind-exporter", "lightning_exporter");
            // a node exporter and a dockerd on each of the three tier hosts
            assertThat(countJob(targets, "node")).isEqualTo(3);
            assertThat(countJob(targets, "dockerd")).isEqualTo(3);
        });
        // the broker's own metrics (the JMX exporter's agent)
        assertThat(query("count({__name__=~\"kafka_server_brokertopicmetrics_.*\"})").path(0).path("value").path(1)
                .asDouble()).isPositive();
        int height = bitcoind("getblockcount", "[]").asInt();
        JsonNode network = bitcoind("getnetworkinfo", "[]");
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(3))
                .until(() -> query("bitcoind_blocks").path(0).path("value").path(1).asText().equals(Integer.toString(height)));
        // the Lightning node's getinfo (its healthcheck, every 15 s) through its exporter
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(3))
                .until(() -> query("lightning_block_height").path(0).path("value").path(1).asText().equals(Integer.toString(height)));
        // nothing fires once the deploy has settled
        Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(5))
                .until(() -> bcm.run("status", "--project-name=" + PROJECT).exitCode() == 0);
        var status = bcm.run("status", "--project-name=" + PROJECT);
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).containsPattern("(?m)^bcm-bitcoin-01 +bitcoin +up +[0-9]+%")
                .containsPattern("(?m)^bitcoin +bitcoin_bitcoind +1/1$")
                .contains("NODE  regtest  height " + height + " (headers " + height + ")  synced 100.00%  peers "
                        + network.path("connections_in").asInt() + " in / " + network.path("connections_out").asInt() + " out")
                .contains("LIGHTNING  cln v26.06.7-standin  height " + height + "  synced  peers 0  channels 0 active / 0 inactive / 0 pending")
                .containsPattern("(?m)^lightning +lightning_cln +1/1$")
                .contains("No alert fires.");
        var json = bcm.run("status", "--project-name=" + PROJECT, "--output=json");
        JsonNode tree = JSON.readTree(json.out());
        assertThat(tree.path("hosts")).hasSize(3);
        tree.path("hosts").forEach(h -> assertThat(h.path("up").asBoolean()).isTrue());
        assertThat(tree.path("node").path("blocks").asInt()).isEqualTo(height);
        assertThat(tree.path("alerts")).isEmpty();
        assertThat(tree.path("lightning").path("implementation").asText()).isEqualTo("cln");
    }

    @Test
    @Order(5)
    void theLightningNodesChannelsAndChannelBackupReachPrometheus() throws Exception {
        String peerA = "02" + "a".repeat(64);
        String peerB = "03" + "b".repeat(64);
        // the stand-in lists the channels a test puts beside it, as Core Lightning's listpeerchannels does
        String channels = "{\"channels\":["
                + "{\"peer_id\":\"" + peerA + "\",\"peer_connected\":true,\"state\":\"CHANNELD_NORMAL\",\"short_channel_id\":\"103x1x0\","
                + "\"channel_id\":\"" + "1".repeat(64) + "\",\"to_us_msat\":700000000,\"total_msat\":1000000000},"
                + "{\"peer_id\":\"" + peerB + "\",\"peer_connected\":false,\"state\":\"CHANNELD_NORMAL\",\"short_channel_id\":\"104x2x1\","
                + "\"channel_id\":\"" + "2".repeat(64) + "\",\"to_us_msat\":0,\"total_msat\":500000000}]}";
        cluster.writeFile("bcm-bitcoin-01", "lightning_cln", "/data/regtest/standin-channels.json", channels.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] scb = new byte[175];
        java.util.Arrays.fill(scb, (byte) 1);
        cluster.writeFile("bcm-bitcoin-01", "lightning_cln", "/data/regtest/emergency.recover", scb);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions().untilAsserted(() -> {
                assertThat(query("lightning_channel_active{channel=\"104x2x1\",peer=\"" + peerB + "\"}").path(0).path("value").path(1).asText())
                        .isEqualTo("0");
                assertThat(query("lightning_channel_local_balance_sat{channel=\"103x1x0\"}").path(0).path("value").path(1).asText())
                        .isEqualTo("700000");
                assertThat(query("lightning_channel_backup_current").path(0).path("value").path(1).asText()).as("no backup taken").isEqualTo("0");
            });
            var status = bcm.run("status", "--project-name=" + PROJECT);
            assertThat(status.out()).contains("channels 1 active / 1 inactive / 0 pending");
        } finally {
            // no channel left to turn inactive (BcmLightningChannelInactive, 15 min) while the next tests run
            cluster.shell("bcm-bitcoin-01", "lightning_cln", "rm -f /data/regtest/standin-channels.json");
        }
    }

    @Test
    @Order(6)
    void aStoppedServiceFiresAnAlertThatBcmStatusShowsAndKafkaKeeps() throws Exception {
        scale("bitcoin_bitcoind", 0);
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(5)).until(() -> {
            var status = bcm.run("status", "--project-name=" + PROJECT);
            return status.exitCode() == 7 && status.out().contains("BcmServiceTasksMissing");
        });
        var firing = bcm.run("status", "--project-name=" + PROJECT);
        assertThat(firing.exitCode()).isEqualTo(7);
        assertThat(firing.err()).isEmpty();
        assertThat(firing.out()).containsPattern("(?m)^bitcoin +bitcoin_bitcoind +0/1  MISSING$")
                .containsPattern("(?m)^  BcmServiceTasksMissing +critical +for [0-9]+[sm] +bitcoin_bitcoind runs 0 of the tasks its stack declares$");
        // Alertmanager sends it to the kafka stack's topic (again and again until the receiver took it: after the
        // broker's outage above, its retries back off)
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions()
                .until(() -> alertRecords("firing").size() > 0);

        scale("bitcoin_bitcoind", 1);
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(5))
                .until(() -> bcm.run("status", "--project-name=" + PROJECT).exitCode() == 0);
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions()
                .until(() -> alertRecords("resolved").size() > 0);
    }

    @Test
    @Order(7)
    void bcmStatusWithoutPrometheusOrProjectEndsInClearErrors() throws Exception {
        var project = bcm.run("status", "--project-name=nosuch");
        assertThat(project.exitCode()).isEqualTo(3);
        assertThat(project.err()).contains("nosuch");
        scale("monitoring_prometheus", 0);
        try {
            var down = bcm.run("status", "--project-name=" + PROJECT);
            assertThat(down.exitCode()).as(down.toString()).isEqualTo(9);
            assertThat(down.err()).contains("Prometheus at ").contains(":9090 did not answer").contains("hint:");
        } finally {
            scale("monitoring_prometheus", 1);
        }
    }

    /**
     * The figures of docs/benchmarks.md, "Kafka" (printed, never asserted): lines per second shipped from
     * one tier host; the latency from a container's write to {@code bcm logs --follow} printing the line
     * (the line carries the time it was written; the tier host and the controller share the kernel's clock);
     * the broker's memory and its disk per million lines.
     */
    @Test
    @Order(10)
    void benchmark() throws Exception {
        int count = 100_000;
        String dataBefore = cluster.shell("bcm-kafka-01", "kafka_broker", "du -sb /data/kafka-logs/bcm.logs.gateway-0 | cut -f1").strip();
        long before = endOffset("bcm.logs.gateway");
        long start = System.nanoTime();
        cluster.shell("bcm-gateway-01", "gateway_tor", "seq -f 'bench-%07g' 1 " + count + " > /proc/1/fd/1");
        long written = System.nanoTime();
        // until every line is in, or nothing more arrives for 5 s (lines lost between dockerd and rsyslog: UDP on loopback)
        long last = before;
        long lastGrowth = written;
        while (last - before < count && System.nanoTime() - lastGrowth < 5_000_000_000L) {
            Thread.sleep(100);
            long now = endOffset("bcm.logs.gateway");
            if (now > last) {
                last = now;
                lastGrowth = System.nanoTime();
            }
        }
        double seconds = (lastGrowth - start) / 1e9;
        String dataAfter = cluster.shell("bcm-kafka-01", "kafka_broker", "du -sb /data/kafka-logs/bcm.logs.gateway-0 | cut -f1").strip();
        long bytesPerMillion = (Long.parseLong(dataAfter) - Long.parseLong(dataBefore)) * 1_000_000L / Math.max(1, last - before);
        String memory = cluster.shell("bcm-kafka-01", "kafka_broker", "grep VmRSS /proc/1/status").strip();
        System.out.printf("benchmark kafka: %d of %d lines shipped from bcm-gateway-01 in %.1f s (written in %.1f s): %.0f lines/s;"
                + " broker disk per million lines: %.1f MiB; broker %s (heap -Xmx256m on regtest)%n",
                last - before, count, seconds, (written - start) / 1e9, (last - before) / seconds, bytesPerMillion / 1048576.0, memory);

        Process follow = bcm.startPiped("logs", "--project-name=" + PROJECT, "--stack=gateway", "--service=tor", "--follow", "--since=1s");
        List<Long> latencies = new ArrayList<>();
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(follow.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
            Thread.sleep(3000);
            // written while this thread reads what bcm prints
            var writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    cluster.shell("bcm-gateway-01", "gateway_tor", "for i in $(seq 200); do echo \"latency $(date +%s%N)\" > /proc/1/fd/1; sleep 0.05; done");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (latencies.size() < 200 && System.nanoTime() < deadline) {
                String line = reader.readLine();
                if (line == null) {
                    break;
                }
                int at = line.indexOf("| latency ");
                if (at >= 0) {
                    long sent = Long.parseLong(line.substring(at + "| latency ".length()).strip());
                    latencies.add((System.currentTimeMillis() * 1_000_000L - sent) / 1_000_000L);
                }
            }
            writer.join();
        } finally {
            follow.destroy();
        }
        java.util.Collections.sort(latencies);
        assertThat(latencies).hasSize(200);
        System.out.printf("benchmark kafka: write to bcm logs --follow printing, 200 lines: p50 %d ms, p99 %d ms, max %d ms%n",
                latencies.get(99), latencies.get(197), latencies.get(199));

        // monitoring: bcm status's wall time (a new JVM each, as a user runs it), Prometheus's memory and what it stores
        List<Long> took = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            var status = bcm.run("status", "--project-name=" + PROJECT);
            assertThat(status.exitCode()).as(status.toString()).isIn(0, 7);
            took.add(status.took().toMillis());
        }
        java.util.Collections.sort(took);
        String rss = cluster.shell("bcm-kafka-01", "monitoring_prometheus", "grep VmRSS /proc/1/status").strip();
        String disk = cluster.shell("bcm-kafka-01", "monitoring_prometheus", "du -sb /var/lib/prometheus/metrics2 | cut -f1").strip();
        double samplesPerSecond = Double.parseDouble(query("rate(prometheus_tsdb_head_samples_appended_total[2m])").path(0).path("value").path(1).asText());
        String series = query("prometheus_tsdb_head_series").path(0).path("value").path(1).asText();
        String uptime = query("time() - process_start_time_seconds{job=\"prometheus\"}").path(0).path("value").path(1).asText();
        System.out.printf("benchmark monitoring: bcm status wall time, 5 runs: min %d ms, median %d ms, max %d ms; Prometheus %s;"
                + " %s series, %.0f samples/s (%.1f million a day); data directory %s bytes after %.0f s%n",
                took.get(0), took.get(2), took.get(4), rss, series, samplesPerSecond, samplesPerSecond * 86400 / 1e6, disk, Double.parseDouble(uptime));
    }

    /** Kafka's Java consumer at the broker's HOST listener, without a group. */
    private static org.apache.kafka.clients.consumer.KafkaConsumer<String, String> consumer() throws Exception {
        var properties = new java.util.Properties();
        properties.put("bootstrap.servers", kafkaAddress());
        return new org.apache.kafka.clients.consumer.KafkaConsumer<>(properties,
                new org.apache.kafka.common.serialization.StringDeserializer(), new org.apache.kafka.common.serialization.StringDeserializer());
    }

    /** The end offset of a topic's partition 0 (its records so far). */
    private static long endOffset(String topic) throws Exception {
        try (var consumer = consumer()) {
            var partition = new org.apache.kafka.common.TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    /** The broker's HOST listener: the kafka tier host's address as its swarm node advertises it. */
    private static String kafkaAddress() throws Exception {
        if (kafkaAddress != null) {
            return kafkaAddress;
        }
        try (DockerClient docker = cluster.docker("bcm-gateway-01")) {
            return kafkaAddress = docker.listSwarmNodesCmd().exec().stream().filter(n -> "kafka".equals(n.getSpec().getLabels().get("bcm.tier")))
                    .findFirst().orElseThrow().getStatus().getAddress() + ":9094";
        }
    }
}
