package org.bcm.core;

import static org.assertj.core.api.Assertions.assertThat;

/** Asserting that a command ends in one {@link BcmException} of a given kind. */
public final class BcmFailures {

    private BcmFailures() {
    }

    /** Runs {@code command} and returns the {@link BcmException} of kind {@code kind} it must throw. */
    public static BcmException failure(BcmException.Kind kind, Runnable command) {
        try {
            command.run();
        } catch (BcmException e) {
            assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
            return e;
        }
        throw new AssertionError("expected a BcmException of kind " + kind);
    }
}
