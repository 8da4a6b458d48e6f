package org.bcm.core.cluster;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the operator asked for when creating a cluster, as stored in
 * {@code clusters/NAME/cluster.yml}. The live LXD labels, not this file, say what exists.
 *
 * @param name         the cluster name ({@link ClusterLayout#validateName})
 * @param provider     where the cluster runs: {@code local} (the LXD daemon on this machine), {@code lxd}
 *                     (a remote LXD that was already set up) or {@code ssh} (a host bcm set up over SSH)
 * @param endpoint     the LXD endpoint, e.g. {@code unix:///var/lib/lxd/unix.socket} or {@code https://192.168.1.20:8443}
 * @param subnet       the IPv4 subnet of the cluster's bridge network, CIDR, e.g. {@code 172.27.1.0/24}
 * @param hostsPerTier how many system containers each tier has
 * @param createdAt    when the definition was first written
 * @param ssh          for provider {@code ssh}: the host bcm logs in to; else null
 */
public record ClusterDefinition(
        String name,
        String provider,
        String endpoint,
        String subnet,
        Map<Tier, Integer> hostsPerTier,
        Instant createdAt,
        SshTarget ssh) {

    /** The LXD daemon on this machine, through its unix socket. */
    public static final String LOCAL_PROVIDER = "local";
    /** A remote LXD already listening on HTTPS, joined with a trust token. */
    public static final String LXD_PROVIDER = "lxd";
    /** A host bcm logs in to with SSH, installs and initialises LXD on, then drives over HTTPS. */
    public static final String SSH_PROVIDER = "ssh";

    /**
     * Where bcm logs in for provider {@code ssh}.
     *
     * @param hostname host name or address
     * @param user     the login name
     * @param port     the SSH port
     */
    public record SshTarget(String hostname, String user, int port) {
    }

    public ClusterDefinition {
        ClusterLayout.validateName(name);
        hostsPerTier = hostsPerTier == null ? defaultHostsPerTier() : Map.copyOf(hostsPerTier);
    }

    /** One host in each tier. */
    public static Map<Tier, Integer> defaultHostsPerTier() {
        Map<Tier, Integer> counts = new EnumMap<>(Tier.class);
        for (Tier tier : Tier.values()) {
            counts.put(tier, 1);
        }
        return counts;
    }

    /** Whether the endpoint is a remote LXD over HTTPS (providers {@code lxd} and {@code ssh}). */
    public boolean remote() {
        return isRemote(endpoint);
    }

    /** Whether an endpoint, as a definition records it, is a remote LXD over HTTPS. */
    static boolean isRemote(String endpoint) {
        return endpoint != null && endpoint.startsWith("https://");
    }

    public ClusterLayout layout() {
        return new ClusterLayout(name);
    }
}
