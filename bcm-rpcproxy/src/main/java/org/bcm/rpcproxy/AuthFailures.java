package org.bcm.rpcproxy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * How many wrong credentials one client address may send: a sliding window per address, at most
 * {@code maxFailures} failures within {@code window} (10 in 60 s by default). The failure that reaches
 * the limit blocks the address for one {@code window}: meanwhile its connections are closed on accept
 * and its requests refused without their credentials being checked, so a password can be guessed at
 * most {@code maxFailures} times per window from one address, whatever the number of connections.
 *
 * <p>The logs get at most two lines per address and window, never one per attempt: {@link
 * Outcome#FIRST_IN_WINDOW} for the first failure and {@link Outcome#NOW_BLOCKED} for the block.
 *
 * <p>An IPv6 client counts by its /64 prefix, the block one host usually holds; an IPv4 client by its
 * address. The table holds at most {@code maxAddresses} addresses, the least recently seen dropped
 * first, so many addresses cannot exhaust memory: each costs {@code maxFailures} timestamps.
 *
 * <p>Thread-safe (the I/O threads share one instance). Times are {@link System#nanoTime()} values.
 */
final class AuthFailures {

    /** What a recorded failure means for the logs. */
    enum Outcome {
        /** The address's first failure within the window: worth one log line. */
        FIRST_IN_WINDOW,
        /** One more failure within the window, below the limit: counted, not logged. */
        COUNTED,
        /** This failure reached the limit: the address is now blocked for one window. Worth one log line. */
        NOW_BLOCKED
    }

    static final int DEFAULT_MAX_FAILURES = 10;
    static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    static final int DEFAULT_MAX_ADDRESSES = 4096;

    /** One address's recent failures: a ring of their times, and the end of its block. */
    private static final class Entry {
        final long[] times;
        int count;
        int oldest;
        long blockedUntil;
        boolean blocked;

        Entry(int max) {
            times = new long[max];
        }
    }

    private final int maxFailures;
    private final long windowNanos;
    private final LongSupplier clock;
    private final LinkedHashMap<String, Entry> entries;
    /** No address is blocked from this time on: {@link #blocked} answers without a lock until then. */
    private volatile long noBlockAfter;

    /**
     * @param maxFailures failures within {@code window} that block an address (at least 1)
     * @param window the sliding window, and how long a block lasts
     * @param maxAddresses most addresses tracked at once (at least 1)
     * @param clock nanosecond time source ({@code System::nanoTime}; a fake one in tests)
     */
    AuthFailures(int maxFailures, Duration window, int maxAddresses, LongSupplier clock) {
        if (maxFailures < 1 || maxAddresses < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("maxFailures and maxAddresses must be at least 1, window positive");
        }
        this.maxFailures = maxFailures;
        this.windowNanos = window.toNanos();
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxAddresses;
            }
        };
        this.noBlockAfter = clock.getAsLong();
    }

    /** 10 failures per 60 s, 4096 addresses, the system clock. */
    static AuthFailures standard() {
        return new AuthFailures(DEFAULT_MAX_FAILURES, DEFAULT_WINDOW, DEFAULT_MAX_ADDRESSES, System::nanoTime);
    }

    int maxFailures() {
        return maxFailures;
    }

    Duration window() {
        return Duration.ofNanos(windowNanos);
    }

    /** True while {@code address} is blocked. Cheap when no address is blocked (every accept asks). */
    boolean blocked(InetAddress address) {
        long now = clock.getAsLong();
        if (now - noBlockAfter >= 0) {
            return false;
        }
        synchronized (this) {
            Entry e = entries.get(key(address));
            return e != null && e.blocked && now - e.blockedUntil < 0;
        }
    }

    /** Records a wrong credential from {@code address}. */
    synchronized Outcome failed(InetAddress address) {
        long now = clock.getAsLong();
        Entry e = entries.computeIfAbsent(key(address), k -> new Entry(maxFailures));
        if (e.blocked) {
            if (now - e.blockedUntil < 0) {
                return Outcome.COUNTED; // a request checked just before the block began
            }
            e.blocked = false;
            e.count = 0;
        }
        while (e.count > 0 && now - e.times[e.oldest] >= windowNanos) {
            e.oldest = (e.oldest + 1) % maxFailures;
            e.count--;
        }
        boolean first = e.count == 0;
        e.times[(e.oldest + e.count) % maxFailures] = now;
        e.count++;
        if (e.count >= maxFailures) {
            e.blocked = true;
            e.blockedUntil = now + windowNanos;
            e.count = 0;
            e.oldest = 0;
            if (e.blockedUntil - noBlockAfter > 0 || now - noBlockAfter >= 0) {
                noBlockAfter = e.blockedUntil;
            }
            return Outcome.NOW_BLOCKED;
        }
        return first ? Outcome.FIRST_IN_WINDOW : Outcome.COUNTED;
    }

    /** Addresses tracked now (at most {@code maxAddresses}). */
    synchronized int trackedAddresses() {
        return entries.size();
    }

    /**
     * What failures are counted by, and how the logs name it: an IPv4 address as such, an IPv6 address
     * as its /64 prefix ({@code 2001:db8:1:2:0:0:0:0/64}).
     */
    static String key(InetAddress address) {
        if (address instanceof Inet6Address && !address.isLoopbackAddress()) {
            byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(prefix, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // 16 bytes are always an address
            }
        }
        return address.getHostAddress();
    }
}
