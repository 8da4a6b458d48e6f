package org.bcm.rpcproxy;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition, polling every 5 ms, and fails naming it at the deadline. */
final class Await {

    private Await() {}

    static void until(Duration max, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + max.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** The value of a counter or gauge in Prometheus text, 0 when absent. */
    static double metric(RpcProxy proxy, String name) {
        for (String line : proxy.metricsText().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }
}
