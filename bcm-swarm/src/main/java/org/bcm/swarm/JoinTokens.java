package org.bcm.swarm;

/**
 * The swarm's join tokens ({@code JoinTokens} of {@code GET /swarm}). Both are secrets: {@link
 * #toString()} does not show them.
 *
 * @param worker token that joins a node as a worker ({@code SWMTKN-1-...})
 * @param manager token that joins a node as a manager ({@code SWMTKN-1-...})
 */
public record JoinTokens(String worker, String manager) {

    @Override
    public String toString() {
        return "JoinTokens[worker=<redacted>, manager=<redacted>]";
    }
}
