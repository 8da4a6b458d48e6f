package org.bcm.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MonitoringMainTest {

    @Test
    void missingSettingsAndUnknownProgramsAreNamed() {
        assertThatThrownBy(() -> MonitoringMain.start("bitcoind", Map.of())).hasMessage("MONITORING_LISTEN is not set");
        assertThatThrownBy(() -> MonitoringMain.start("bitcoind", Map.of("MONITORING_LISTEN", "127.0.0.1:0")))
                .hasMessage("MONITORING_RPC_PASSWORD_FILE is not set");
        assertThatThrownBy(() -> MonitoringMain.start("lnd", Map.of("MONITORING_LISTEN", "127.0.0.1:0")))
                .hasMessageContaining("usage: bcm-monitoring bitcoind|swarm|lightning|alerts");
        assertThatThrownBy(() -> MonitoringMain.address("nocolon")).hasMessageContaining("is not HOST:PORT");
        assertThatThrownBy(() -> MonitoringMain.start("lightning", Map.of("MONITORING_LISTEN", "127.0.0.1:0",
                "MONITORING_LIGHTNING_DIR", "/run/bcm-metrics", "MONITORING_LIGHTNING_IMPLEMENTATION", "cln",
                "MONITORING_LIGHTNING_BACKUP_WITHIN_MINUTES", "0"))).hasMessage("MONITORING_LIGHTNING_BACKUP_WITHIN_MINUTES=0 is not a number of minutes (1 or more)");
        assertThatThrownBy(() -> MonitoringMain.start("lightning", Map.of("MONITORING_LISTEN", "127.0.0.1:0",
                "MONITORING_LIGHTNING_DIR", "/run/bcm-metrics", "MONITORING_LIGHTNING_IMPLEMENTATION", "eclair")))
                .hasMessageContaining("is neither cln nor lnd");
    }

    @Test
    void theAlertsReceiverRefusesWhatIsNoAlertmanagerPayload() throws Exception {
        try (AlertsToKafka receiver = new AlertsToKafka(MonitoringMain.address("127.0.0.1:0"), "127.0.0.1:9", "bcm.alerts")) {
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + receiver.port() + "/");
            assertThat(http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("{\"no\": 1}")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(400);
            assertThat(http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("not json")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(400);
            assertThat(http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode())
                    .isEqualTo(405);
        }
    }
}
