package org.bcm.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.bcm.monitoring.LightningCollector.Implementation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lightning exporter on the answers the node's healthcheck leaves: Core Lightning's (getinfo as the
 * stand-in prints it, listpeerchannels as doc/schemas/listpeerchannels.json shapes it) and lnd's
 * ({@code lncli getinfo}, {@code lncli listchannels}: 64-bit numbers as strings).
 */
class LightningCollectorTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final String PEER_A = "02" + "a".repeat(64);
    private static final String PEER_B = "03" + "b".repeat(64);

    @TempDir
    Path dir;

    private void write(String name, String json, int secondsAgo) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, json);
        Files.setLastModifiedTime(file, FileTime.from(NOW.minusSeconds(secondsAgo)));
    }

    private String scrape(Implementation implementation) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, new LightningCollector(dir, implementation, java.time.Duration.ofMinutes(60), Clock.fixed(NOW, ZoneOffset.UTC)).collect());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void coreLightningsOpenChannelsAreActiveWhileTheirPeerIsConnected() throws Exception {
        write("info.json", "{\"id\":\"02" + "c".repeat(64) + "\",\"alias\":\"STANDIN\",\"network\":\"regtest\",\"blockheight\":212,\"num_peers\":1,"
                + "\"num_active_channels\":3,\"num_pending_channels\":1,\"num_inactive_channels\":1,\"version\":\"v26.06.7\",\"address\":[]}\n", 10);
        write("channels.json", "{\"channels\":["
                + "{\"peer_id\":\"" + PEER_A + "\",\"peer_connected\":true,\"state\":\"CHANNELD_NORMAL\",\"short_channel_id\":\"103x1x0\","
                + "\"channel_id\":\"" + "1".repeat(64) + "\",\"to_us_msat\":700000500,\"total_msat\":1000000000},"
                + "{\"peer_id\":\"" + PEER_B + "\",\"peer_connected\":false,\"state\":\"CHANNELD_NORMAL\",\"short_channel_id\":\"104x2x1\","
                + "\"channel_id\":\"" + "2".repeat(64) + "\",\"to_us_msat\":0,\"total_msat\":500000000},"
                + "{\"peer_id\":\"" + PEER_B + "\",\"peer_connected\":false,\"state\":\"ONCHAIN\",\"short_channel_id\":\"90x1x0\","
                + "\"channel_id\":\"" + "3".repeat(64) + "\",\"to_us_msat\":0,\"total_msat\":200000000},"
                + "{\"peer_id\":\"" + PEER_A + "\",\"peer_connected\":true,\"state\":\"CHANNELD_AWAITING_LOCKIN\","
                + "\"channel_id\":\"" + "4".repeat(64) + "\",\"to_us_msat\":100000000,\"total_msat\":100000000}]}\n", 12);
        String metrics = scrape(Implementation.CLN);
        assertThat(metrics)
                .contains("lightning_up 1.0")
                .contains("lightning_snapshot_age_seconds 10.0")
                .contains("lightning_info{implementation=\"cln\",network=\"regtest\",node_id=\"02" + "c".repeat(64) + "\",version=\"v26.06.7\"} 1.0")
                .contains("lightning_block_height 212.0")
                .contains("lightning_synced_to_chain 1.0")
                .contains("lightning_peers 1.0")
                .contains("lightning_getinfo_channels 5.0")
                .contains("lightning_channels{state=\"active\"} 1.0")
                .contains("lightning_channels{state=\"inactive\"} 1.0")
                .contains("lightning_channels{state=\"pending\"} 1.0")
                .contains("lightning_channel_active{channel=\"103x1x0\",peer=\"" + PEER_A + "\"} 1.0")
                .contains("lightning_channel_active{channel=\"104x2x1\",peer=\"" + PEER_B + "\"} 0.0")
                .contains("lightning_channel_capacity_sat{channel=\"103x1x0\",peer=\"" + PEER_A + "\"} 1000000.0")
                .contains("lightning_channel_local_balance_sat{channel=\"103x1x0\",peer=\"" + PEER_A + "\"} 700000.0")
                .doesNotContain("90x1x0");
    }

    @Test
    void coreLightningsSyncWarningsMeanNotSynced() throws Exception {
        write("info.json", "{\"id\":\"02aa\",\"network\":\"bitcoin\",\"blockheight\":800000,\"num_peers\":0,\"num_pending_channels\":0,"
                + "\"version\":\"v26.06.7\",\"warning_bitcoind_sync\":\"Bitcoind is not up-to-date with network.\"}", 0);
        assertThat(scrape(Implementation.CLN)).contains("lightning_up 1.0").contains("lightning_synced_to_chain 0.0")
                .contains("lightning_channels{state=\"pending\"} 0.0")
                // no channel list yet: no channel metrics rather than a count of zero
                .doesNotContain("state=\"inactive\"").doesNotContain("lightning_channel_active");
    }

    @Test
    void lndsChannelsCarryTheirOwnActiveFlagAndAmountsInSat() throws Exception {
        write("info.json", "{\"version\":\"0.21.3-beta commit=v0.21.3-beta\",\"identity_pubkey\":\"03" + "d".repeat(64) + "\",\"alias\":\"bcm\","
                + "\"num_pending_channels\":0,\"num_active_channels\":1,\"num_inactive_channels\":1,\"num_peers\":1,\"block_height\":870001,"
                + "\"synced_to_chain\":false,\"chains\":[{\"chain\":\"bitcoin\",\"network\":\"mainnet\"}]}", 3);
        write("channels.json", "{\"channels\":["
                + "{\"active\":true,\"remote_pubkey\":\"" + PEER_A + "\",\"chan_id\":\"956580674059157504\",\"capacity\":\"2000000\",\"local_balance\":\"1500000\"},"
                + "{\"active\":false,\"remote_pubkey\":\"" + PEER_B + "\",\"chan_id\":\"956580674059157505\",\"capacity\":\"300000\",\"local_balance\":\"0\"}]}", 3);
        assertThat(scrape(Implementation.LND))
                .contains("lightning_info{implementation=\"lnd\",network=\"mainnet\",node_id=\"03" + "d".repeat(64) + "\",version=\"0.21.3-beta commit=v0.21.3-beta\"} 1.0")
                .contains("lightning_block_height 870001.0")
                .contains("lightning_synced_to_chain 0.0")
                .contains("lightning_channels{state=\"inactive\"} 1.0")
                .contains("lightning_channel_active{channel=\"956580674059157505\",peer=\"" + PEER_B + "\"} 0.0")
                .contains("lightning_channel_capacity_sat{channel=\"956580674059157504\",peer=\"" + PEER_A + "\"} 2000000.0")
                .contains("lightning_channel_local_balance_sat{channel=\"956580674059157504\",peer=\"" + PEER_A + "\"} 1500000.0");
    }

    @Test
    void aMissingStaleOrBrokenAnswerMeansTheNodeIsDown() throws Exception {
        assertThat(scrape(Implementation.CLN)).contains("lightning_up 0.0").doesNotContain("lightning_snapshot_age_seconds");
        write("info.json", "{\"id\":\"02aa\",\"blockheight\":1}", 121);
        assertThat(scrape(Implementation.CLN)).contains("lightning_up 0.0").contains("lightning_snapshot_age_seconds 121.0")
                .doesNotContain("lightning_block_height");
        write("info.json", "{\"id\":", 1);
        assertThat(scrape(Implementation.CLN)).contains("lightning_up 0.0").doesNotContain("lightning_block_height");
        // a stale channel list is left out, the fresh getinfo still counts
        write("info.json", "{\"id\":\"02aa\",\"blockheight\":1}", 1);
        write("channels.json", "{\"channels\":[{\"peer_id\":\"02bb\",\"peer_connected\":false,\"state\":\"CHANNELD_NORMAL\"}]}", 500);
        assertThat(scrape(Implementation.CLN)).contains("lightning_up 1.0").doesNotContain("lightning_channel_active");
    }

    @Test
    void theChannelBackupIsCurrentWhenBcmsNewestBackupHoldsTheNodesFile() throws Exception {
        write("info.json", "{\"id\":\"02aa\",\"blockheight\":1,\"num_pending_channels\":0}", 1);
        assertThat(scrape(Implementation.CLN)).as("no file written by the node yet").doesNotContain("lightning_channel_backup");
        long modified = NOW.getEpochSecond() - 7200;
        write("scb.json", "{\"sha256\":\"0123456789abcdef\",\"modified\":" + modified + "}", 1);
        assertThat(scrape(Implementation.CLN)).as("never backed up")
                .contains("lightning_channel_backup_modified_seconds " + (double) modified)
                .contains("lightning_channel_backup_current 0.0")
                .contains("lightning_channel_backup_policy_seconds 3600.0")
                .doesNotContain("lightning_channel_backup_taken_seconds");
        write("backup.json", "{\"sha256\":\"0123456789abcdef\",\"taken\":" + (modified + 5) + "}", 1);
        assertThat(scrape(Implementation.CLN)).contains("lightning_channel_backup_current 1.0")
                .contains("lightning_channel_backup_taken_seconds " + (double) (modified + 5));
        write("scb.json", "{\"sha256\":\"fedcba9876543210\",\"modified\":" + (modified + 60) + "}", 1);
        assertThat(scrape(Implementation.CLN)).as("the node rewrote its file since").contains("lightning_channel_backup_current 0.0");
    }

    @Test
    void theImplementationIsClnOrLnd() {
        assertThat(Implementation.of("LND")).isEqualTo(Implementation.LND);
        assertThatThrownBy(() -> Implementation.of("eclair")).hasMessageContaining("is neither cln nor lnd");
    }
}
