package org.bcm.core.monitoring;

import java.util.List;

/**
 * What the monitoring stack of a project watches: the cluster's tier hosts and the services of the
 * project's stacks that serve metrics.
 */
public record Monitored(List<TierHost> hosts, List<MetricsTarget> targets) {

    public Monitored {
        hosts = List.copyOf(hosts);
        targets = List.copyOf(targets);
    }
}
