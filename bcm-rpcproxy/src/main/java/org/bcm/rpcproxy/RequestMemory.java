package org.bcm.rpcproxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies the proxy holds at once over all clients ({@code request-memory}), from
 * their arrival until they are answered. Thread-safe.
 */
final class RequestMemory {

    /** A request would pass {@code request-memory}. */
    static final class Exceeded extends Exception {
        Exceeded(long limit) {
            super("request bodies of more than request-memory (" + limit + " bytes) would be held at once; retry later", null,
                    false, false);
        }
    }

    private final long limit;
    private final AtomicLong held = new AtomicLong();

    RequestMemory(long limit) {
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    /** Bytes held now (for the metrics). */
    long held() {
        return held.get();
    }

    /** Counts {@code n} more bytes; false, counting nothing, when that would pass the limit. */
    boolean take(long n) {
        while (true) {
            long now = held.get();
            if (now + n > limit) return false;
            if (held.compareAndSet(now, now + n)) return true;
        }
    }

    void giveBack(long n) {
        if (n != 0) held.addAndGet(-n);
    }
}
