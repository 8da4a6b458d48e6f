package org.bcm.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bcm.core.BcmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KafkaLogsTest {

    private static final Instant NOW = Instant.parse("2026-12-07T06:00:00Z");

    @Test
    void sinceTakesDurationsAndTimes() {
        assertThat(KafkaLogs.since("90s", NOW)).isEqualTo(NOW.minusSeconds(90));
        assertThat(KafkaLogs.since("10m", NOW)).isEqualTo(NOW.minusSeconds(600));
        assertThat(KafkaLogs.since("1h30m", NOW)).isEqualTo(NOW.minusSeconds(5400));
        assertThat(KafkaLogs.since("2d", NOW)).isEqualTo(NOW.minusSeconds(172_800));
        assertThat(KafkaLogs.since("2026-12-07T05:00:00Z", NOW)).isEqualTo(Instant.parse("2026-12-07T05:00:00Z"));
        assertThat(KafkaLogs.since("2026-12-07T07:00:00+02:00", NOW)).isEqualTo(Instant.parse("2026-12-07T05:00:00Z"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yesterday", "10", "5 m", "-5m", "2026-12-07", "2026-12-07T05:00:00", "m"})
    void anythingElseIsInvalidInput(String since) {
        assertThatThrownBy(() -> KafkaLogs.since(since, NOW))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
                    assertThat(e.hint()).contains("90s").contains("2026-12-07T05:00:00Z");
                });
    }

    @Test
    void aRecordReadsAndPrintsAsDockerServiceLogsDoes() {
        String value = "{\"id\":\"859C4A943CFF41F29BBD086864D1EE66\", \"time\":\"2026-12-07T04:55:27.926503+00:00\", \"host\":\"bcm-bitcoin-01\","
                + " \"stack\":\"bitcoin\", \"service\":\"bitcoind\", \"task\":\"bitcoin_bitcoind.1.abc\", \"stream\":\"stderr\", \"line\":\"  a \\\"line\\\"\"}";
        LogRecord record = LogRecord.parse("bcm.logs.bitcoin", 7, "bitcoind", value);

        assertThat(record.time()).isEqualTo(Instant.parse("2026-12-07T04:55:27.926503Z"));
        assertThat(record.stream()).isEqualTo("stderr");
        assertThat(record.formatted()).isEqualTo("bitcoin_bitcoind.1.abc@bcm-bitcoin-01    |   a \"line\"");
        assertThat(record.json()).contains("\"offset\":7", "\"topic\":\"bcm.logs.bitcoin\"", "\"line\":\"  a \\\"line\\\"\"");

        LogRecord host = LogRecord.parse("bcm.hosts", 0, "dockerd", "{\"host\":\"bcm-kafka-01\",\"service\":\"dockerd\",\"task\":\"\",\"line\":\"up\"}");
        assertThat(host.formatted()).isEqualTo("dockerd@bcm-kafka-01    | up");
        LogRecord foreign = LogRecord.parse("bcm.hosts", 1, "k", "not json");
        assertThat(foreign.line()).isEqualTo("not json");
        assertThat(foreign.service()).isEqualTo("k");
    }

    @Test
    void anUnreachableBrokerIsATimeoutNamingIt() {
        List<LogRecord> out = new ArrayList<>();
        assertThatThrownBy(() -> KafkaLogs.read("127.0.0.1:9", List.of("bcm.logs.x"), r -> true, null, false, out::add,
                Duration.ofSeconds(2), () -> false))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.TIMEOUT);
                    assertThat(e.hint()).contains("bcm stack list");
                })
                .hasMessageContaining("Kafka at 127.0.0.1:9 did not answer within 2 s");
        assertThatThrownBy(() -> KafkaTopics.ensure("127.0.0.1:9", List.of("t"), new KafkaTopics.Retention(1, 16), 1, Duration.ofSeconds(2)))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.TIMEOUT));
    }
}
