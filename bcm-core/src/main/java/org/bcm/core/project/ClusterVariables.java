package org.bcm.core.project;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.bcm.core.cluster.ClusterLayout;
import org.bcm.core.cluster.Tier;
import org.bcm.swarm.SwarmNode;

/**
 * The facts of the cluster a project is deployed to that its stack files may use:
 * {@code BCM_TIER_<TIER>_ADDRESS}, the address on the cluster network of the tier's first host (the
 * swarm node with the label {@code bcm.tier=<tier>} whose hostname sorts first, e.g. {@code
 * bcm-kafka-01}; its {@code bcm.address} label, else its swarm address: {@link ClusterLayout#clusterAddress}): what a service publishes there in host mode is reached at that address from the other
 * tier hosts and from the controller; and {@code BCM_TIER_HOSTS}, every tier host as {@code
 * HOSTNAME:TIER:ADDRESS}, space-separated, by hostname (empty where no cluster is at hand); and
 * {@code BCM_ENDPOINTS}, the endpoints the swarm's nodes are on ({@code bcm.endpoint} labels), sorted,
 * space-separated.
 */
final class ClusterVariables {

    /** The variable listing every tier host. */
    static final String TIER_HOSTS = "BCM_TIER_HOSTS";
    /** The variable listing the endpoints of the swarm's nodes. */
    static final String ENDPOINTS = "BCM_ENDPOINTS";

    /** The value given where no cluster is at hand (a plan of the onion services, which reads no address). */
    static final String UNKNOWN = "0.0.0.0";

    private ClusterVariables() {
    }

    /** The variable of a tier, e.g. {@code BCM_TIER_KAFKA_ADDRESS}. */
    static String addressVariable(Tier tier) {
        return "BCM_TIER_" + tier.name().toUpperCase(Locale.ROOT) + "_ADDRESS";
    }

    /** The variables of the swarm's nodes (as {@code GET /nodes} of a manager gives them); a tier without a node gets {@link #UNKNOWN}. */
    static Map<String, String> of(List<SwarmNode> nodes) {
        Map<String, String> variables = unknown();
        for (Tier tier : Tier.values()) {
            nodes.stream().filter(node -> tier.label().equals(node.labels().get(ClusterLayout.SWARM_TIER_LABEL)))
                    .filter(node -> ClusterLayout.clusterAddress(node) != null && !ClusterLayout.clusterAddress(node).isBlank())
                    .min(Comparator.comparing(SwarmNode::hostname))
                    .ifPresent(node -> variables.put(addressVariable(tier), ClusterLayout.clusterAddress(node)));
        }
        variables.put(TIER_HOSTS, String.join(" ", nodes.stream()
                .filter(node -> ClusterLayout.clusterAddress(node) != null && !ClusterLayout.clusterAddress(node).isBlank())
                .filter(node -> java.util.Arrays.stream(Tier.values())
                        .anyMatch(tier -> tier.label().equals(node.labels().get(ClusterLayout.SWARM_TIER_LABEL))))
                .sorted(Comparator.comparing(SwarmNode::hostname))
                .map(node -> node.hostname() + ":" + node.labels().get(ClusterLayout.SWARM_TIER_LABEL) + ":" + ClusterLayout.clusterAddress(node))
                .toList()));
        variables.put(ENDPOINTS, String.join(" ", new java.util.TreeSet<>(nodes.stream()
                .map(node -> node.labels().get(ClusterLayout.SWARM_ENDPOINT_LABEL)).filter(java.util.Objects::nonNull).toList())));
        return variables;
    }

    /** Every variable with the value {@link #UNKNOWN}. */
    static Map<String, String> unknown() {
        Map<String, String> variables = new TreeMap<>();
        for (Tier tier : Tier.values()) {
            variables.put(addressVariable(tier), UNKNOWN);
        }
        variables.put(TIER_HOSTS, "");
        variables.put(ENDPOINTS, "");
        return variables;
    }
}
