package org.bcm.cli;

import org.bcm.core.BcmException;
import org.bcm.core.cluster.ClusterStore;
import picocli.CommandLine.Option;

/** {@code --cluster-name}: the cluster a command works on; the active cluster when not given. */
final class ClusterOption {

    @Option(names = "--cluster-name", paramLabel = "NAME", description = "The cluster (default: the active cluster).")
    String name;

    /**
     * The named cluster, else the active one.
     *
     * @throws BcmException INVALID_INPUT when neither is set
     */
    String resolve(ClusterStore store) {
        if (name != null) {
            return name;
        }
        return store.activeCluster().orElseThrow(() -> new BcmException(BcmException.Kind.INVALID_INPUT,
                "No cluster named and no active cluster", "give --cluster-name=NAME (see 'bcm cluster list')"));
    }
}
