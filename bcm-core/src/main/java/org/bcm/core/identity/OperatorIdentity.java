package org.bcm.core.identity;

import java.time.Instant;
import java.util.regex.Pattern;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;

/**
 * Who the operator is to gpg, ssh and git, as {@code bcm init} recorded it in
 * {@code <bcm home>/identity.yml}. The keys are not here: the device derives them again from the
 * identities below each time.
 *
 * @param name        the OpenPGP user id's name, e.g. {@code Satoshi}
 * @param username    the user part of the e-mail address and of the ssh identity
 * @param hostname    the host part of both
 * @param curve       {@code nist256p1} or {@code ed25519} (the firmware's names)
 * @param created     the keys' creation time (whole seconds), part of the fingerprint
 * @param fingerprint the certificate's fingerprint, 40 upper-case hex digits
 */
public record OperatorIdentity(String name, String username, String hostname, String curve, Instant created, String fingerprint) {

    private static final Pattern NAME = Pattern.compile("[^<>\\p{Cntrl}@]{1,64}");

    /**
     * @throws IllegalArgumentException when a part is not valid (the message says which and why)
     */
    public OperatorIdentity {
        validate(name, username, hostname, curve);
    }

    /**
     * Checks what an operator typed for {@code bcm init}.
     *
     * @throws IllegalArgumentException naming the first part that is not valid
     */
    public static void validate(String name, String username, String hostname, String curve) {
        if (name == null || !NAME.matcher(name).matches() || !name.strip().equals(name)) {
            throw new IllegalArgumentException("bad --name '" + name + "': 1 to 64 characters without <, >, @ or control characters, no leading or trailing space");
        }
        if (!LoginNames.validUser(username)) {
            throw new IllegalArgumentException("bad --username '" + username + "': " + LoginNames.USER_RULE);
        }
        if (!LoginNames.validHost(hostname)) {
            throw new IllegalArgumentException("bad --hostname '" + hostname + "': " + LoginNames.HOST_RULE);
        }
        signingCurve(curve);
    }

    /** The curve by its firmware name; only nist256p1 and ed25519 sign for gpg and ssh. */
    public static Curve signingCurve(String curve) {
        if (!"nist256p1".equals(curve) && !"ed25519".equals(curve)) {
            throw new IllegalArgumentException("bad --curve '" + curve + "': nist256p1 or ed25519");
        }
        return Curve.fromFirmwareName(curve);
    }

    /** The signing curve. */
    public Curve signingCurve() {
        return signingCurve(curve);
    }

    /** The OpenPGP user id, {@code NAME <USER@HOST>}. */
    public String userId() {
        return name + " <" + username + "@" + hostname + ">";
    }

    /** {@code gpg://NAME <USER@HOST>}: the SLIP-0013/0017 identity of the OpenPGP keys. */
    public Identity gpgIdentity() {
        return Identity.parse("gpg://" + userId());
    }

    /** {@code ssh://USER@HOST}: the SLIP-0013 identity of the operator's own ssh key (git's ssh signatures). */
    public Identity sshIdentity() {
        return Identity.parse("ssh://" + username + "@" + hostname);
    }
}
