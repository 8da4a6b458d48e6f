package org.bcm.core.port;

import java.time.Duration;

/**
 * An LXD background operation (LXD: /1.0/operations/ID) that an {@link InstanceServer} started or
 * found running.
 */
public interface PendingOperation {

    /** LXD's description, e.g. {@code "Creating instance"}. */
    String description();

    /**
     * Waits for its end (LXD: GET /1.0/operations/ID/wait).
     *
     * @throws org.bcm.lxd.LxdException when it failed, was cancelled, or still runs after {@code timeout}
     */
    void await(Duration timeout);
}
