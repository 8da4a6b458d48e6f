package org.bcm.swarm;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One node of the swarm as a manager reports it ({@code GET /nodes}).
 *
 * @param id the node's swarm id
 * @param hostname the node's hostname ({@code Description.Hostname})
 * @param role {@code "manager"} or {@code "worker"} ({@code Spec.Role})
 * @param state {@code "ready"}, {@code "down"}, {@code "unknown"} or {@code "disconnected"} ({@code
 *     Status.State})
 * @param availability {@code "active"}, {@code "pause"} or {@code "drain"} ({@code
 *     Spec.Availability})
 * @param address the node's IP address as seen by the managers ({@code Status.Addr}), may be
 *     {@code null}
 * @param labels the node's spec labels ({@code Spec.Labels}); sorted, unmodifiable, never null
 * @param version the node object's version ({@code Version.Index}); updates must name it
 * @param leader true when the node is the current raft leader ({@code ManagerStatus.Leader})
 */
public record SwarmNode(
        String id,
        String hostname,
        String role,
        String state,
        String availability,
        String address,
        Map<String, String> labels,
        long version,
        boolean leader) {

    public static final String ROLE_MANAGER = "manager";
    public static final String ROLE_WORKER = "worker";
    public static final String STATE_READY = "ready";

    public SwarmNode {
        labels = labels == null
                ? Map.of()
                : Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    /** True when {@link #role()} is {@code "manager"}. */
    public boolean isManager() {
        return ROLE_MANAGER.equals(role);
    }

    /** True when {@link #state()} is {@code "ready"}. */
    public boolean isReady() {
        return STATE_READY.equals(state);
    }
}
