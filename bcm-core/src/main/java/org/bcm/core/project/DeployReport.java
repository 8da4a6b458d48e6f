package org.bcm.core.project;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.bcm.swarm.StackDeployer;

/**
 * What a deploy did, or what {@code bcm project plan} found it would do. Swarm objects are named as
 * {@code "service gateway_tor"}, {@code "network gateway_default"}, {@code "secret bitcoin_rpc-abc123"}.
 *
 * @param built     images built on the controller (or that would be)
 * @param pushed    images pushed to the cluster registry (or that would be)
 * @param created   swarm objects created
 * @param updated   services updated
 * @param removed   swarm objects removed
 * @param unchanged services left alone
 */
public record DeployReport(String project, String cluster, List<String> built, List<String> pushed,
        List<String> created, List<String> updated, List<String> removed, List<String> unchanged) {

    /** Whether the deploy changed (or would change) nothing at all. */
    public boolean nothingToDo() {
        return built.isEmpty() && pushed.isEmpty() && created.isEmpty() && updated.isEmpty() && removed.isEmpty();
    }

    /** Collects a report step by step; an object counted as created or updated is not also unchanged. */
    static final class Builder {
        final List<String> built = new ArrayList<>();
        final List<String> pushed = new ArrayList<>();
        private final List<String> created = new ArrayList<>();
        private final List<String> updated = new ArrayList<>();
        final List<String> removed = new ArrayList<>();
        private final List<String> unchanged = new ArrayList<>();

        /** Adds what one stack deploy (or its plan) changed. */
        void add(StackDeployer.Result result) {
            created.addAll(result.created());
            updated.addAll(result.updated());
            removed.addAll(result.removed());
            unchanged.addAll(result.unchanged());
        }

        DeployReport build(String project, String cluster) {
            List<String> same = new ArrayList<>(unchanged);
            same.removeIf(item -> created.contains(item) || updated.contains(item));
            return new DeployReport(project, cluster, List.copyOf(built), List.copyOf(pushed), distinct(created),
                    distinct(updated), List.copyOf(removed), distinct(same));
        }

        private static List<String> distinct(List<String> items) {
            return List.copyOf(new LinkedHashSet<>(items));
        }
    }
}
