package org.bcm.core.cluster;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the operator asked for when creating a cluster, as stored in
 * {@code clusters/NAME/cluster.yml}. The live LXD labels, not this file, say what exists.
 *
 * @param name         the cluster name ({@link ClusterLayout#validateName})
 * @param provider     where the cluster runs; {@code local} is the LXD daemon on this machine
 * @param endpoint     the LXD endpoint, e.g. {@code unix:///var/lib/lxd/unix.socket}
 * @param subnet       the IPv4 subnet of the cluster's bridge network, CIDR, e.g. {@code 172.27.1.0/24}
 * @param hostsPerTier how many system containers each tier has
 * @param createdAt    when the definition was first written
 */
public record ClusterDefinition(
        String name,
        String provider,
        String endpoint,
        String subnet,
        Map<Tier, Integer> hostsPerTier,
        Instant createdAt) {

    /** The only provider so far: the LXD daemon on this machine. */
    public static final String LOCAL_PROVIDER = "local";

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

    public ClusterLayout layout() {
        return new ClusterLayout(name);
    }
}
