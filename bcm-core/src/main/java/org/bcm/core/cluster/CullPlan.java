package org.bcm.core.cluster;

import java.util.List;

/**
 * What {@code bcm cluster cull} removes from a cluster.
 *
 * @param endpoints added endpoints whose LXD does not answer and none of whose swarm nodes is Ready
 * @param tierHosts tier hosts of answering endpoints that are down (instance missing or not running,
 *                  and no Ready swarm node of that name), e.g. {@code bcm-bitcoin-nuc2-02}: only a
 *                  tier's last hosts on their endpoint, so the names stay contiguous; never a tier's
 *                  first host on the first endpoint (its volumes and published ports are there), and
 *                  never every host of an added endpoint ({@code remove-endpoint} removes that)
 */
public record CullPlan(List<String> endpoints, List<String> tierHosts) {

    public CullPlan {
        endpoints = List.copyOf(endpoints);
        tierHosts = List.copyOf(tierHosts);
    }

    /** Whether there is nothing to cull. */
    public boolean isEmpty() {
        return endpoints.isEmpty() && tierHosts.isEmpty();
    }
}
