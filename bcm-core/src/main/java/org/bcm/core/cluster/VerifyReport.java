package org.bcm.core.cluster;

import java.util.List;

/**
 * The outcome of {@code bcm cluster verify}: one check per piece, in the order they were made.
 *
 * @param cluster the cluster name
 * @param checks  every check made; verification stops descending where a piece below failed
 */
public record VerifyReport(String cluster, List<Check> checks) {

    public boolean passed() {
        return checks.stream().allMatch(Check::passed);
    }

    /**
     * @param subject what was checked, e.g. {@code instance bcm-kafka-01}
     * @param passed  whether it is as it should be
     * @param detail  what was found, one line
     */
    public record Check(String subject, boolean passed, String detail) { }
}
