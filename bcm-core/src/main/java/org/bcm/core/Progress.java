package org.bcm.core;

/**
 * Where bcm-core reports progress on long work (image builds, imports, instance creation). The core
 * never prints: the CLI renders these events on standard error.
 */
@FunctionalInterface
public interface Progress {

    /** Discards every event. */
    Progress NONE = (step, message) -> { };

    /**
     * One event.
     *
     * @param step    a short name of the piece of work, e.g. {@code image} or {@code bcm-gateway-01}
     * @param message what is happening now, one line
     */
    void report(String step, String message);
}
