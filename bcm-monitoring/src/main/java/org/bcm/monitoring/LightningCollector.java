package org.bcm.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Lightning node's state as Prometheus metrics, read at each scrape from what the node's healthcheck
 * (the lightning images' {@code bcm-lightning health}, every 15 s) leaves in a directory shared with
 * the exporter: {@code info.json}, the node's {@code getinfo}, and {@code channels.json}, its channel
 * list. Core Lightning: {@code getinfo} and {@code listpeerchannels} (doc/schemas/getinfo.json,
 * listpeerchannels.json; amounts in msat). lnd: {@code lncli getinfo} and {@code lncli listchannels}
 * (lnrpc/lightning.proto as JSON: 64-bit numbers as strings; amounts in sat).
 *
 * <ul>
 *   <li>{@code lightning_up} 1 when {@code info.json} is readable and at most {@value #MAX_AGE_SECONDS} s
 *       old (the healthcheck failed or stopped otherwise), else 0 and nothing else but its age;
 *   <li>{@code lightning_snapshot_age_seconds} the age of {@code info.json} (absent when there is none);
 *   <li>{@code lightning_info{implementation, version, network, node_id}} 1;
 *   <li>{@code lightning_block_height}; {@code lightning_synced_to_chain} 0 or 1 (lnd's
 *       {@code synced_to_chain}; Core Lightning: neither {@code warning_bitcoind_sync} nor
 *       {@code warning_lightningd_sync}); {@code lightning_peers} getinfo's {@code num_peers} (lnd: connected
 *       peers; Core Lightning: peers connected or with a channel);
 *   <li>{@code lightning_getinfo_channels}: every channel getinfo counts (active, inactive, pending, by
 *       the implementation's own definitions), known even while the channel list is stale;
 *   <li>{@code lightning_channels{state="active"|"inactive"|"pending"}}: open channels whose peer is
 *       connected (lnd: {@code active}), open channels whose peer is not, channels being opened;
 *   <li>per open channel, labels {@code channel} (short channel id; lnd's {@code chan_id}) and
 *       {@code peer} (node id): {@code lightning_channel_active} 0 or 1,
 *       {@code lightning_channel_capacity_sat}, {@code lightning_channel_local_balance_sat}.
 * </ul>
 * The channel metrics are left out while {@code channels.json} is missing or stale.
 *
 * <p>The static channel backup: the healthcheck also leaves {@code scb.json}, {@code {"sha256": first
 * 16 hex digits of the node's emergency.recover or channel.backup, "modified": Unix seconds}}, and
 * {@code bcm backup take} leaves {@code backup.json}, {@code {"sha256": the same of the file its newest
 * backup holds, "taken": Unix seconds}}:
 * <ul>
 *   <li>{@code lightning_channel_backup_modified_seconds} when the node last rewrote its file;
 *   <li>{@code lightning_channel_backup_taken_seconds} when bcm last recorded which file its newest backup holds;
 *   <li>{@code lightning_channel_backup_current} 1 when the newest backup holds the node's file;
 *   <li>{@code lightning_channel_backup_policy_seconds} how soon a change must be backed up (the
 *       lightning stack's {@code BACKUP_WITHIN_MINUTES}).
 * </ul>
 */
final class LightningCollector implements MultiCollector {

    /** Older snapshots mean the healthcheck has had no answer for eight of its 15 s intervals: the node is down. */
    static final long MAX_AGE_SECONDS = 120;

    private static final Logger LOG = LoggerFactory.getLogger(LightningCollector.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Core Lightning's states of an open channel that can carry payments (common/channel_state.h). */
    private static final Set<String> CLN_OPEN = Set.of("CHANNELD_NORMAL", "CHANNELD_AWAITING_SPLICE");

    /** Which node wrote the snapshot: their answers differ in names and units. */
    enum Implementation {
        CLN, LND;

        /** @throws IllegalArgumentException for anything but {@code cln} or {@code lnd} */
        static Implementation of(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "cln" -> CLN;
                case "lnd" -> LND;
                default -> throw new IllegalArgumentException("MONITORING_LIGHTNING_IMPLEMENTATION=" + name + " is neither cln nor lnd");
            };
        }
    }

    private record Channel(String id, String peer, boolean active, double capacitySat, double localSat) {
    }

    private final Path dir;
    private final Implementation implementation;
    private final Duration backupWithin;
    private final Clock clock;
    private volatile boolean wasUp = true;

    /**
     * @param dir            the directory the node's healthcheck writes to
     * @param implementation which node writes it
     * @param backupWithin   how soon a change of the node's static channel backup must be backed up
     * @param clock          the time the snapshots' ages are measured against
     */
    LightningCollector(Path dir, Implementation implementation, Duration backupWithin, Clock clock) {
        this.dir = dir;
        this.implementation = implementation;
        this.backupWithin = backupWithin;
        this.clock = clock;
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> metrics = new ArrayList<>();
        Path infoFile = dir.resolve("info.json");
        try {
            Duration age = age(infoFile);
            metrics.add(Gauges.of("lightning_snapshot_age_seconds", "age of the node's last getinfo answer (its healthcheck)", age.toSeconds()));
            if (age.toSeconds() > MAX_AGE_SECONDS) {
                return down(metrics, "its last getinfo answer is " + age.toSeconds() + " s old");
            }
            JsonNode info = JSON.readTree(infoFile.toFile());
            metrics.addAll(info(info));
            List<Channel> channels = channels();
            GaugeSnapshot.Builder counts = GaugeSnapshot.builder().name("lightning_channels")
                    .help("channels: open with the peer connected, open without, being opened")
                    .dataPoint(Gauges.point(info.path("num_pending_channels").asDouble(), Labels.of("state", "pending")));
            if (channels != null) {
                counts.dataPoint(Gauges.point(channels.stream().filter(Channel::active).count(), Labels.of("state", "active")))
                        .dataPoint(Gauges.point(channels.stream().filter(c -> !c.active()).count(), Labels.of("state", "inactive")));
                GaugeSnapshot.Builder active = GaugeSnapshot.builder().name("lightning_channel_active").help("1 when the channel's peer is connected");
                GaugeSnapshot.Builder capacity = GaugeSnapshot.builder().name("lightning_channel_capacity_sat").help("the channel's capacity, sat");
                GaugeSnapshot.Builder local = GaugeSnapshot.builder().name("lightning_channel_local_balance_sat").help("the node's side of the channel, sat");
                for (Channel channel : channels) {
                    Labels labels = Labels.of("channel", channel.id(), "peer", channel.peer());
                    active.dataPoint(Gauges.point(channel.active() ? 1 : 0, labels));
                    capacity.dataPoint(Gauges.point(channel.capacitySat(), labels));
                    local.dataPoint(Gauges.point(channel.localSat(), labels));
                }
                metrics.add(active.build());
                metrics.add(capacity.build());
                metrics.add(local.build());
            }
            metrics.add(counts.build());
            metrics.addAll(backup());
        } catch (NoSuchFileException e) {
            return down(metrics, "it has not answered getinfo yet (no " + infoFile + ")");
        } catch (IOException e) {
            return down(metrics, "its getinfo answer cannot be read: " + e.getMessage());
        }
        metrics.add(Gauges.of("lightning_up", "1 when the node answered getinfo within the last " + MAX_AGE_SECONDS + " s", 1));
        if (!wasUp) {
            LOG.info("the Lightning node answers again");
        }
        wasUp = true;
        return new MetricSnapshots(metrics);
    }

    private MetricSnapshots down(List<MetricSnapshot> metrics, String why) {
        if (wasUp) {
            LOG.warn("the Lightning node is down: {}", why);
        }
        wasUp = false;
        metrics.add(Gauges.of("lightning_up", "1 when the node answered getinfo within the last " + MAX_AGE_SECONDS + " s", 0));
        return new MetricSnapshots(metrics);
    }

    private Duration age(Path file) throws IOException {
        Duration age = Duration.between(Files.getLastModifiedTime(file).toInstant(), clock.instant());
        return age.isNegative() ? Duration.ZERO : age;
    }

    private List<MetricSnapshot> info(JsonNode info) {
        boolean lnd = implementation == Implementation.LND;
        String network = lnd ? info.path("chains").path(0).path("network").asText() : info.path("network").asText();
        boolean synced = lnd ? info.path("synced_to_chain").asBoolean()
                : !info.has("warning_bitcoind_sync") && !info.has("warning_lightningd_sync");
        return List.of(
                Gauges.of("lightning_info", "the node's implementation, version, network and id (value 1)", 1,
                        Labels.of("implementation", implementation.name().toLowerCase(Locale.ROOT), "network", network,
                                "node_id", info.path(lnd ? "identity_pubkey" : "id").asText(), "version", info.path("version").asText())),
                Gauges.of("lightning_block_height", "the height of the node's view of the chain", info.path(lnd ? "block_height" : "blockheight").asDouble()),
                Gauges.of("lightning_synced_to_chain", "1 when the node says it is synced to the chain", synced ? 1 : 0),
                Gauges.of("lightning_peers", "getinfo's num_peers (lnd: connected; Core Lightning: connected or with a channel)",
                        info.path("num_peers").asDouble()),
                Gauges.of("lightning_getinfo_channels", "every channel getinfo counts: active, inactive and pending",
                        info.path("num_active_channels").asDouble() + info.path("num_inactive_channels").asDouble()
                                + info.path("num_pending_channels").asDouble()));
    }

    /** The static channel backup's metrics; none before the node has written its file. */
    private List<MetricSnapshot> backup() {
        JsonNode scb = read("scb.json");
        if (scb == null) {
            return List.of();
        }
        JsonNode taken = read("backup.json");
        List<MetricSnapshot> metrics = new ArrayList<>();
        metrics.add(Gauges.of("lightning_channel_backup_modified_seconds", "when the node last rewrote its static channel backup, Unix seconds",
                scb.path("modified").asDouble()));
        if (taken != null) {
            metrics.add(Gauges.of("lightning_channel_backup_taken_seconds", "when bcm backup last recorded which file its newest backup holds, Unix seconds",
                    taken.path("taken").asDouble()));
        }
        boolean current = taken != null && !scb.path("sha256").asText().isEmpty() && scb.path("sha256").asText().equals(taken.path("sha256").asText());
        metrics.add(Gauges.of("lightning_channel_backup_current", "1 when bcm's newest backup holds the node's static channel backup", current ? 1 : 0));
        metrics.add(Gauges.of("lightning_channel_backup_policy_seconds", "how soon a change of the static channel backup must be backed up",
                backupWithin.toSeconds()));
        return metrics;
    }

    /** A JSON file of the directory, or null when it is missing or unreadable (logged: it should not be). */
    private JsonNode read(String name) {
        Path file = dir.resolve(name);
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            if (Files.exists(file)) {
                LOG.warn("{} cannot be read: {}", file, e.getMessage());
            }
            return null;
        }
    }

    /** The open channels of a fresh {@code channels.json}, or null when there is none. */
    private List<Channel> channels() {
        Path file = dir.resolve("channels.json");
        try {
            if (age(file).toSeconds() > MAX_AGE_SECONDS) {
                return null;
            }
            JsonNode list = read("channels.json");
            if (list == null) {
                return null;
            }
            List<Channel> open = new ArrayList<>();
            for (JsonNode channel : list.path("channels")) {
                if (implementation == Implementation.LND) {
                    open.add(new Channel(channel.path("chan_id").asText(), channel.path("remote_pubkey").asText(), channel.path("active").asBoolean(),
                            channel.path("capacity").asDouble(), channel.path("local_balance").asDouble()));
                } else if (CLN_OPEN.contains(channel.path("state").asText())) {
                    String id = channel.hasNonNull("short_channel_id") ? channel.path("short_channel_id").asText() : channel.path("channel_id").asText();
                    open.add(new Channel(id, channel.path("peer_id").asText(), channel.path("peer_connected").asBoolean(),
                            Math.floor(channel.path("total_msat").asDouble() / 1000), Math.floor(channel.path("to_us_msat").asDouble() / 1000)));
                }
            }
            return open;
        } catch (IOException e) {
            return null;
        }
    }
}
