package org.bcm.trezor;

import java.util.Arrays;

/**
 * What SignIdentity signs (SLIP-0013): {@code hidden} bytes the device does not show, and a
 * {@code visual} text it shows while asking to confirm. For {@code ssh} the hidden part is the
 * whole SSH signature blob (RFC 4252 section 7); for {@code gpg} it is the 32-byte digest.
 *
 * @param hidden the bytes to sign (copied in and out); at most 1024 bytes
 * @param visual shown on the device, may be empty
 */
public record Challenge(byte[] hidden, String visual) {

    public Challenge {
        hidden = hidden.clone();
        visual = visual == null ? "" : visual;
        if (hidden.length > 1024) {
            throw new IllegalArgumentException("a challenge is at most 1024 bytes, this one " + hidden.length);
        }
    }

    /** A challenge with nothing to show. */
    public static Challenge hidden(byte[] hidden) {
        return new Challenge(hidden, "");
    }

    @Override
    public byte[] hidden() {
        return hidden.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Challenge c && Arrays.equals(c.hidden, hidden) && c.visual.equals(visual);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hidden) * 31 + visual.hashCode();
    }
}
