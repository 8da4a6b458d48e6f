package org.bcm.core.cluster;

import java.util.Locale;

/**
 * A tier: a role in the cluster, played by one or more system containers named
 * {@code bcm-<tier>-<NN>}. Each tier host runs a Docker daemon; the swarm node carries the label
 * {@code bcm.tier=<tier>} so stacks are placed with {@code node.labels.bcm.tier == <tier>}.
 */
public enum Tier {
    /** Tor, the private image registry, the swarm manager. */
    GATEWAY,
    /** The Kafka brokers. */
    KAFKA,
    /** bitcoind and the apps that use it. */
    BITCOIN;

    /** The lower-case label value, e.g. {@code gateway}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The instance name of the {@code index}-th host of this tier (1-based), e.g. {@code bcm-gateway-01}. */
    public String instanceName(int index) {
        return String.format(Locale.ROOT, "bcm-%s-%02d", label(), index);
    }

    /** The tier named by a label value, case-insensitively. */
    public static Tier fromLabel(String label) {
        return Tier.valueOf(label.toUpperCase(Locale.ROOT));
    }
}
