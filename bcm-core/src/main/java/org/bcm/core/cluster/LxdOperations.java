package org.bcm.core.cluster;

import java.time.Duration;
import java.util.List;
import org.bcm.core.Progress;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.PendingOperation;
import org.bcm.lxd.LxdException;

/** The LXD operations an earlier run left running. */
final class LxdOperations {

    private LxdOperations() {
    }

    /**
     * Waits for the operations still running in the LXD project in use: those of a bcm killed mid-way
     * (LXD goes on creating or starting an instance after its client is gone), which would otherwise
     * make the instances "busy" for what this run does next. One that fails or was cancelled is
     * ignored: what it left behind is converged (or removed) next.
     */
    static void awaitLeftOver(InstanceServer inProject, Duration timeout, Progress progress) {
        List<PendingOperation> running = inProject.runningOperations();
        if (!running.isEmpty()) {
            progress.report("lxd", "waiting for " + running.size() + " operation(s) of an earlier run to end");
            try {
                inProject.awaitAll(running, timeout);
            } catch (LxdException e) {
                // It failed or was cancelled: what it left behind is converged (or removed) next.
            }
        }
    }
}
