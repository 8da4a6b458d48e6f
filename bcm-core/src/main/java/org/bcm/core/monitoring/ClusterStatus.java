package org.bcm.core.monitoring;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@code bcm status} shows: the project's cluster as its Prometheus and Alertmanager see it.
 *
 * @param at     when it was read
 * @param hosts  the tier hosts, by hostname
 * @param stacks each stack's services, by stack name
 * @param node      the bitcoin node, or null when the project has none (or its exporter has not answered)
 * @param lightning the Lightning node, or null when the project has none (or its exporter has not answered)
 * @param alerts    the alerts firing (not silenced or inhibited), oldest first
 */
public record ClusterStatus(Instant at, List<Host> hosts, Map<String, List<Service>> stacks, Node node, Lightning lightning,
        List<Alert> alerts) {

    /**
     * A tier host.
     *
     * @param up          whether its node exporter answered the last scrape
     * @param cpu         CPU busy over the last minute, 0 to 1 (NaN when unknown)
     * @param memoryUsed  bytes in use (total less available); -1 when unknown
     * @param memoryTotal bytes; -1 when unknown
     * @param disk        fullest of its file systems, 0 to 1 (NaN when unknown)
     */
    public record Host(String name, String tier, boolean up, double cpu, long memoryUsed, long memoryTotal, double disk) {
    }

    /**
     * A service: tasks running (and healthy) against those its stack file declares.
     *
     * @param name the swarm's name, {@code <stack>_<service>}
     */
    public record Service(String name, int running, int declared) {
    }

    /**
     * The bitcoin node (bitcoind's exporter).
     *
     * @param up       whether bitcoind answered the exporter
     * @param chain    Core's chain name ({@code main}, {@code regtest}, ...)
     * @param progress verification progress, 0 to 1
     */
    public record Node(boolean up, String chain, long blocks, long headers, double progress, int peersIn, int peersOut) {
    }

    /**
     * The Lightning node (the lightning stack's exporter).
     *
     * @param up             whether the node answered its healthcheck's getinfo within the last 2 minutes
     * @param implementation {@code cln} or {@code lnd}
     * @param active         open channels whose peer is connected; {@code inactive}: whose peer is not;
     *                       {@code pending}: being opened; each -1 when unknown (the channel list is stale)
     */
    public record Lightning(boolean up, String implementation, String version, long height, boolean synced, int peers, int active,
            int inactive, int pending) {
    }

    /**
     * A firing alert.
     *
     * @param since when it started firing (Alertmanager's {@code startsAt})
     */
    public record Alert(String name, String severity, String summary, Instant since, Map<String, String> labels) {
    }

    /** Whether nothing fires. */
    public boolean fine() {
        return alerts.isEmpty();
    }
}
