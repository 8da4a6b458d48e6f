package org.bcm.trezor;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A public key as the device encodes it (trezor-crypto {@code hdnode_fill_public_key}): 33 bytes,
 * a SEC1 compressed point ({@code 02}/{@code 03} || X) on secp256k1 and nist256p1, {@code 00} ||
 * the 32-byte key on ed25519 and curve25519.
 *
 * @param curve the curve the key is on
 * @param bytes the 33-byte encoding (copied in and out)
 */
public record PublicKey(Curve curve, byte[] bytes) {

    public PublicKey {
        bytes = bytes.clone();
        if (bytes.length != 33) {
            throw new IllegalArgumentException("a " + curve + " public key from the device has 33 bytes, not " + bytes.length);
        }
        boolean weierstrass = curve == Curve.SECP256K1 || curve == Curve.NIST256P1;
        if (weierstrass ? bytes[0] != 2 && bytes[0] != 3 : bytes[0] != 0) {
            throw new IllegalArgumentException("bad " + curve + " public key prefix " + String.format("%02x", bytes[0]));
        }
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** For ed25519 and curve25519: the 32 key bytes without the {@code 00} prefix. */
    public byte[] rawKey() {
        return Arrays.copyOfRange(bytes, 1, 33);
    }

    /** Lower-case hex of the 33 bytes. */
    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PublicKey key && key.curve == curve && Arrays.equals(key.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return curve.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return curve + ":" + hex();
    }
}
