package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.bcm.rpcproxy.AuthFailures.Outcome;
import org.junit.jupiter.api.Test;

/** The failed-credentials policy on a fake clock: sliding window, block, log outcomes, bounded table. */
class AuthFailuresTest {

    private static final long S = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(123 * S);

    private AuthFailures failures(int maxAddresses) {
        return new AuthFailures(10, Duration.ofSeconds(60), maxAddresses, now::get);
    }

    private static InetAddress ip(String a) throws Exception {
        return InetAddress.getByName(a);
    }

    private void at(double seconds) {
        now.set(123 * S + (long) (seconds * S));
    }

    @Test
    void tenFailuresWithinAWindowBlockTheAddressForOneWindowAndLogTwice() throws Exception {
        AuthFailures f = failures(100);
        InetAddress a = ip("192.0.2.1");
        assertThat(f.blocked(a)).isFalse();
        assertThat(f.failed(a)).isEqualTo(Outcome.FIRST_IN_WINDOW);
        for (int i = 2; i <= 9; i++) {
            at(i);
            assertThat(f.failed(a)).as("failure %d", i).isEqualTo(Outcome.COUNTED);
            assertThat(f.blocked(a)).isFalse();
        }
        at(10);
        assertThat(f.failed(a)).isEqualTo(Outcome.NOW_BLOCKED);
        assertThat(f.blocked(a)).isTrue();
        assertThat(f.blocked(ip("192.0.2.2"))).isFalse();
        at(69.999);
        assertThat(f.blocked(a)).isTrue();
        at(70);
        assertThat(f.blocked(a)).isFalse();
        // a new window: its first failure is logged again
        assertThat(f.failed(a)).isEqualTo(Outcome.FIRST_IN_WINDOW);
        assertThat(f.blocked(a)).isFalse();
    }

    @Test
    void theWindowSlides() throws Exception {
        AuthFailures f = failures(100);
        InetAddress a = ip("192.0.2.1");
        for (int i = 0; i < 9; i++) {
            at(i);
            f.failed(a);
        }
        // at 61 s the failures at 0 s and 1 s are 60 s old: 7 remain, so three more reach 10
        at(61);
        assertThat(f.failed(a)).isEqualTo(Outcome.COUNTED);
        assertThat(f.failed(a)).isEqualTo(Outcome.COUNTED);
        assertThat(f.blocked(a)).isFalse();
        assertThat(f.failed(a)).isEqualTo(Outcome.NOW_BLOCKED);

        // one failure every 7 s is at most 9 in any 60 s: never blocked, logged once
        InetAddress b = ip("192.0.2.2");
        int logged = 0;
        for (int i = 0; i < 100; i++) {
            at(1000 + 7 * i);
            Outcome o = f.failed(b);
            assertThat(o).isNotEqualTo(Outcome.NOW_BLOCKED);
            if (o == Outcome.FIRST_IN_WINDOW) logged++;
            assertThat(f.blocked(b)).isFalse();
        }
        assertThat(logged).isEqualTo(1);
    }

    @Test
    void theTableIsBoundedAndDropsTheLeastRecentlySeenFirst() throws Exception {
        AuthFailures f = failures(3);
        InetAddress a = ip("192.0.2.1");
        f.failed(a);
        f.failed(a);
        f.failed(ip("192.0.2.2"));
        f.failed(ip("192.0.2.3"));
        f.failed(ip("192.0.2.4")); // a is the least recently seen: dropped
        assertThat(f.trackedAddresses()).isEqualTo(3);
        assertThat(f.failed(a)).isEqualTo(Outcome.FIRST_IN_WINDOW);

        AuthFailures many = failures(1000);
        for (int i = 0; i < 100_000; i++) {
            many.failed(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
        }
        assertThat(many.trackedAddresses()).isEqualTo(1000);
    }

    @Test
    void anIpv6ClientCountsByItsSlash64() throws Exception {
        AuthFailures f = failures(100);
        for (int i = 0; i < 10; i++) {
            f.failed(ip("2001:db8:1:2::" + Integer.toHexString(i + 1)));
        }
        assertThat(f.blocked(ip("2001:db8:1:2:ffff::1"))).isTrue();
        assertThat(f.blocked(ip("2001:db8:1:3::1"))).isFalse();
        assertThat(AuthFailures.key(ip("2001:db8:1:2:aaaa::1"))).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(AuthFailures.key(ip("192.0.2.7"))).isEqualTo("192.0.2.7");
        assertThat(AuthFailures.key(ip("::1"))).isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void clientTextIsMadeSafeForALogLine() {
        assertThat(LogText.safe("mal\nlory\u001b[2J\u202e")).isEqualTo("mal?lory?[2J?");
        assertThat(LogText.safe("é")).isEqualTo("?");
        assertThat(LogText.safe("x".repeat(1000))).isEqualTo("x".repeat(64) + "...");
        assertThat(LogText.safe(null)).isEqualTo("null");
        assertThat(LogText.safe("getblock")).isEqualTo("getblock");
    }
}
