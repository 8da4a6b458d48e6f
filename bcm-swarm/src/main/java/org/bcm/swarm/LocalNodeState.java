package org.bcm.swarm;

import java.util.Locale;

/**
 * The engine's own view of its swarm membership, {@code Swarm.LocalNodeState} in {@code GET /info}.
 */
public enum LocalNodeState {
    /** Not part of a swarm. */
    INACTIVE,
    /** Joining or leaving is in progress. */
    PENDING,
    /** Part of a swarm. */
    ACTIVE,
    /** Membership failed; {@link SwarmState#error()} says why. */
    ERROR,
    /** Part of an autolocked swarm that has not been unlocked since the engine started. */
    LOCKED;

    /** The word the Engine API uses, for example {@code "active"}. */
    public String apiValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses the Engine API word. {@code null} and the empty string (sent by engines without swarm
     * support) mean {@link #INACTIVE}.
     *
     * @throws IllegalArgumentException for any other unknown word
     */
    public static LocalNodeState fromApiValue(String value) {
        if (value == null || value.isEmpty()) {
            return INACTIVE;
        }
        for (LocalNodeState state : values()) {
            if (state.apiValue().equals(value)) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown swarm local node state '" + value + "'");
    }
}
