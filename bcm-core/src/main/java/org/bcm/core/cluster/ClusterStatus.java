package org.bcm.core.cluster;

import java.util.List;

/**
 * What LXD reports about one cluster right now.
 *
 * @param name      the cluster name
 * @param provider  from the definition, or {@code null} when only labelled LXD objects remain
 * @param endpoint  the LXD endpoint
 * @param subnet    the bridge network's IPv4 subnet (CIDR), or {@code null} when the network is missing
 * @param active    whether this is the active cluster
 * @param defined   whether a definition exists in the bcm home
 * @param instances the cluster's tier hosts, gateway first
 */
public record ClusterStatus(
        String name,
        String provider,
        String endpoint,
        String subnet,
        boolean active,
        boolean defined,
        List<InstanceStatus> instances) {

    /** How many instances are running. */
    public long running() {
        return instances.stream().filter(InstanceStatus::running).count();
    }

    /**
     * One tier host.
     *
     * @param tier     the tier label, e.g. {@code gateway}
     * @param name     the instance name, e.g. {@code bcm-gateway-01}
     * @param status   LXD's status, e.g. {@code Running}, {@code Stopped}
     * @param ipv4     the address of eth0, or {@code null} when it has none
     */
    public record InstanceStatus(String tier, String name, String status, String ipv4) {

        public boolean running() {
            return "Running".equalsIgnoreCase(status);
        }
    }
}
