package org.bcm.trezor;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The answer to GetECDHSessionKey (message 62): the shared point of the identity's SLIP-0017 key
 * and the peer's public key. nist256p1: 65 bytes {@code 04 || X || Y}; curve25519: 33 bytes
 * {@code 04 || X}, the X25519 result (trezor-firmware {@code fsm_msgGetECDHSessionKey}).
 *
 * @param curve         the curve of the agreement
 * @param bytes         the session key as the device encodes it (copied in and out)
 * @param ownPublicKey  the identity's own public key, which bcm derives with GetPublicKey on the
 *                      SLIP-0017 path because older firmware does not return it
 */
public record SessionKey(Curve curve, byte[] bytes, PublicKey ownPublicKey) {

    public SessionKey {
        bytes = bytes.clone();
        int expected = curve == Curve.CURVE25519 ? 33 : 65;
        if (bytes.length != expected || bytes[0] != 4) {
            throw new IllegalArgumentException("a " + curve + " session key is 04 followed by " + (expected - 1) + " bytes");
        }
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The shared secret: the X coordinate (32 bytes) that OpenPGP ECDH (RFC 6637) and X25519 use. */
    public byte[] sharedSecret() {
        return Arrays.copyOfRange(bytes, 1, 33);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SessionKey key && key.curve == curve && Arrays.equals(key.bytes, bytes)
                && key.ownPublicKey.equals(ownPublicKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return curve + " session key " + HexFormat.of().formatHex(bytes, 0, 4) + "...";
    }
}
