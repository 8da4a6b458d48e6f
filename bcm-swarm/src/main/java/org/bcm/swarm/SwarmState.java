package org.bcm.swarm;

import java.util.List;

/**
 * This engine's swarm membership as reported by {@code GET /info} ({@code Swarm} section).
 *
 * @param localNodeState membership state of this engine
 * @param nodeId this node's swarm id, {@code null} when not part of a swarm
 * @param clusterId the swarm's id; only managers report it ({@code Swarm.Cluster.ID}), so it is
 *     {@code null} on workers and when not part of a swarm
 * @param controlAvailable true when this node is a manager (can answer swarm control calls)
 * @param nodeAddress the address other nodes reach this node at, {@code null} when not in a swarm
 * @param remoteManagers manager addresses known to this node, as {@code "ip:port"}; empty when not in
 *     a swarm
 * @param error the engine's error text when {@code localNodeState} is {@link LocalNodeState#ERROR}
 *     (or empty otherwise), {@code null} when none
 */
public record SwarmState(
        LocalNodeState localNodeState,
        String nodeId,
        String clusterId,
        boolean controlAvailable,
        String nodeAddress,
        List<String> remoteManagers,
        String error) {

    public SwarmState {
        if (localNodeState == null) {
            throw new IllegalArgumentException("localNodeState must not be null");
        }
        remoteManagers = remoteManagers == null ? List.of() : List.copyOf(remoteManagers);
    }

    /** True when the engine is an active member of a swarm (manager or worker). */
    public boolean isActive() {
        return localNodeState == LocalNodeState.ACTIVE;
    }

    /** True when the engine is an active swarm manager. */
    public boolean isManager() {
        return isActive() && controlAvailable;
    }
}
