package org.bcm.core.cluster;

import java.time.Duration;

/**
 * How long the cluster steps wait.
 *
 * @param operation  an LXD operation (create, start, stop, delete an instance)
 * @param address    a started tier host getting its IPv4 address on {@code eth0}
 * @param docker     a tier host's Docker daemon answering after the host started
 * @param swarmReady every swarm node Ready after joining
 * @param poll       between two looks at something awaited
 */
public record ClusterTimeouts(Duration operation, Duration address, Duration docker, Duration swarmReady, Duration poll) {

    /** What a real endpoint needs: 5 min per operation, 90 s for addresses, Docker and the swarm, a look every 0.5 s. */
    public static final ClusterTimeouts DEFAULT = new ClusterTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(90),
            Duration.ofSeconds(90), Duration.ofSeconds(90), Duration.ofMillis(500));
}
