package org.bcm.core.identity;

import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PeerKey;
import org.bcm.trezor.PublicKey;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.SignedIdentity;

/**
 * The key operations bcm's identity features (OpenPGP certificate, gpg-agent, ssh-agent, password
 * store) ask of the device. The keys never leave it: each call is one device request. Every method
 * throws {@link org.bcm.core.BcmException} (DEVICE_UNAVAILABLE, DEVICE_CANCELLED, WRONG_PIN,
 * DEVICE_FAILED, TIMEOUT) when the device is absent, the user refuses, or the device fails.
 */
public interface DeviceKeys {

    /**
     * SignIdentity with the identity's SLIP-0013 key (see {@code ../shared/reference/trezor.md}):
     * proto {@code ssh} signs the whole blob (nist256p1 hashes it with SHA-256 first, ed25519 signs
     * it raw); proto {@code gpg} signs {@code challenge.hidden()} as a digest (32 bytes on nist256p1).
     * The device asks the user to confirm.
     *
     * @return the public key (33 bytes) and the 65-byte signature {@code 00 || r || s} or {@code 00 || ed25519}
     */
    SignedIdentity signIdentity(Identity identity, Curve curve, Challenge challenge);

    /**
     * GetECDHSessionKey with the identity's SLIP-0017 key: the shared point with {@code peer}
     * (nist256p1: 65 bytes {@code 04||X||Y}; curve25519: 33 bytes {@code 04||X}). The device asks the
     * user to confirm.
     */
    SessionKey ecdh(Identity identity, PeerKey peer);

    /** GetPublicKey without showing it on the device: the 33-byte key at {@code path} on {@code curve}. */
    PublicKey publicKey(DerivationPath path, Curve curve);
}
