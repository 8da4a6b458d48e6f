package org.bcm.core.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;

/**
 * The names and labels of everything bcm creates in LXD for one cluster, derived from the cluster
 * name alone (pure: no I/O).
 *
 * <ul>
 *   <li>an <b>LXD project</b> {@code bcm-<name>} holding the cluster's instances and profile, so two
 *       clusters on one endpoint never clash on instance names;</li>
 *   <li>a bridge <b>network</b> {@code bcm-<name>} (an interface name: at most 15 characters);</li>
 *   <li>a <b>storage pool</b> {@code bcm-<name>};</li>
 *   <li>a <b>profile</b> {@code bcm-tier-host} in the project;</li>
 *   <li><b>instances</b> {@code bcm-<tier>-<NN>} in the project.</li>
 * </ul>
 *
 * Every one of them carries {@link #CLUSTER_LABEL} and {@link #TIER_LABEL} in its config.
 */
public record ClusterLayout(String clusterName) {

    /** LXD config key naming the cluster an object belongs to. */
    public static final String CLUSTER_LABEL = "user.bcm.cluster";
    /** LXD config key naming the tier of an instance ({@code all} on objects every tier shares). */
    public static final String TIER_LABEL = "user.bcm.tier";
    /** {@link #TIER_LABEL} value of objects shared by every tier. */
    public static final String ALL_TIERS = "all";
    /** Swarm node label with the tier, used in placement constraints. */
    public static final String SWARM_TIER_LABEL = "bcm.tier";
    /** The profile of the tier hosts, inside the cluster's project. */
    public static final String TIER_HOST_PROFILE = "bcm-tier-host";

    /** Lower-case letters, digits and inner hyphens; at most 11 characters so {@code bcm-<name>} fits an interface name. */
    private static final Pattern NAME = Pattern.compile("[a-z]([a-z0-9-]{0,9}[a-z0-9])?");

    public ClusterLayout {
        validateName(clusterName);
    }

    /**
     * Checks a cluster name.
     *
     * @throws BcmException of kind {@link BcmException.Kind#INVALID_INPUT} naming the rule broken
     */
    public static void validateName(String clusterName) {
        if (clusterName == null || !NAME.matcher(clusterName).matches()) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT,
                    "Invalid cluster name '" + clusterName + "'",
                    "use 1 to 11 lower-case letters, digits or inner hyphens, starting with a letter (e.g. 'local')");
        }
    }

    /** The LXD project holding the cluster's instances and profile (not a bcm project). */
    public String lxdProject() {
        return "bcm-" + clusterName;
    }

    public String network() {
        return "bcm-" + clusterName;
    }

    public String storagePool() {
        return "bcm-" + clusterName;
    }

    /** Whether an LXD object with this config carries this cluster's {@link #CLUSTER_LABEL}. */
    public boolean owns(Map<String, String> config) {
        return clusterName.equals(config.get(CLUSTER_LABEL));
    }

    /** The labels of an object shared by every tier. */
    public Map<String, String> sharedLabels() {
        return Map.of(CLUSTER_LABEL, clusterName, TIER_LABEL, ALL_TIERS);
    }

    /** The labels of a tier host. */
    public Map<String, String> tierLabels(Tier tier) {
        return Map.of(CLUSTER_LABEL, clusterName, TIER_LABEL, tier.label());
    }

    /** Swarm node label naming the endpoint a node's tier host runs on ({@link ClusterDefinition#FIRST_ENDPOINT} or an added one's name). */
    public static final String SWARM_ENDPOINT_LABEL = "bcm.endpoint";
    /** Swarm node label naming the cluster. */
    public static final String SWARM_CLUSTER_LABEL = "bcm.cluster";
    /**
     * Swarm node label holding the tier host's address on the cluster's network ({@code eth0}; an
     * added endpoint's tier host: its LAN address), where its services publish in host mode. It
     * differs from the node's swarm address when the swarm runs on the LAN ({@link ClusterDefinition#lanInterface}).
     */
    public static final String SWARM_ADDRESS_LABEL = "bcm.address";

    /** A swarm node's address on the cluster's network: its {@link #SWARM_ADDRESS_LABEL}, else its swarm address. */
    public static String clusterAddress(org.bcm.swarm.SwarmNode node) {
        String labelled = node.labels().get(SWARM_ADDRESS_LABEL);
        return labelled != null && !labelled.isBlank() ? labelled : node.address();
    }

    /** Every tier host of a cluster with {@code hostsPerTier} hosts in each tier on its first endpoint, gateway first. */
    public static List<TierHost> tierHosts(Map<Tier, Integer> hostsPerTier) {
        return tierHosts(hostsPerTier, null);
    }

    /**
     * The tier hosts of one endpoint, gateway first: {@code bcm-<tier>-<NN>} on the first endpoint
     * ({@code endpointName} null), {@code bcm-<tier>-<endpointName>-<NN>} on an added one.
     */
    static List<TierHost> tierHosts(Map<Tier, Integer> hostsPerTier, String endpointName) {
        List<TierHost> hosts = new ArrayList<>();
        for (Tier tier : Tier.values()) {
            int count = hostsPerTier.getOrDefault(tier, 0);
            for (int i = 1; i <= count; i++) {
                hosts.add(new TierHost(tier, endpointName == null ? tier.instanceName(i)
                        : String.format(java.util.Locale.ROOT, "bcm-%s-%s-%02d", tier.label(), endpointName, i)));
            }
        }
        return hosts;
    }

    /** One system container of a tier. */
    public record TierHost(Tier tier, String instanceName) { }
}
