package org.bcm.core.cluster;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.bcm.core.BcmException;

/** Looking again and again, by Failsafe, until something is there. */
final class Polling {

    private Polling() {
    }

    /**
     * Asks {@code probe} every {@code poll} until it answers something, for at most {@code max}
     * (once when {@code max} is not longer than {@code poll}).
     *
     * @return the first answer; empty when there was none within {@code max}
     * @throws RuntimeException what the probe threw (not retried)
     * @throws BcmException INTERNAL when the thread was interrupted while waiting
     */
    static <T> Optional<T> until(Supplier<Optional<T>> probe, Duration max, Duration poll) {
        if (max.compareTo(poll) <= 0) {
            return probe.get();
        }
        RetryPolicy<Optional<T>> untilPresent = RetryPolicy.<Optional<T>>builder()
                .handleIf((answer, failure) -> failure == null && answer.isEmpty())
                .withDelay(poll).withMaxDuration(max).withMaxRetries(-1).build();
        try {
            return Failsafe.with(untilPresent).get(probe::get);
        } catch (FailsafeException e) {
            if (e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new BcmException(BcmException.Kind.INTERNAL, "Interrupted while waiting: " + e.getCause(),
                    "run the command again: it converges from what exists", e);
        }
    }
}
