package org.bcm.core.monitoring;

import java.util.ArrayList;
import java.util.List;

/**
 * A tier host of the cluster as Prometheus scrapes it: its node exporter on {@value #NODE_EXPORTER_PORT}
 * and its dockerd's metrics on {@value #DOCKERD_PORT}, at its address on the cluster network.
 *
 * @param hostname the instance's name, e.g. {@code bcm-bitcoin-01}
 * @param tier     its tier's label, e.g. {@code bitcoin}
 * @param address  its IPv4 address on the cluster network
 */
public record TierHost(String hostname, String tier, String address) {

    /** The node exporter's port (the monitoring stack, in the host's network namespace). */
    public static final int NODE_EXPORTER_PORT = 9100;
    /** dockerd's {@code metrics-addr} port (the base image's daemon.json). */
    public static final int DOCKERD_PORT = 9323;

    /** The hosts of {@code BCM_TIER_HOSTS}: {@code HOSTNAME:TIER:ADDRESS}, space-separated; none for null or empty. */
    public static List<TierHost> parse(String variable) {
        List<TierHost> hosts = new ArrayList<>();
        if (variable == null || variable.isBlank()) {
            return hosts;
        }
        for (String entry : variable.trim().split("\\s+")) {
            String[] parts = entry.split(":", 3);
            if (parts.length == 3) {
                hosts.add(new TierHost(parts[0], parts[1], parts[2]));
            }
        }
        return hosts;
    }
}
