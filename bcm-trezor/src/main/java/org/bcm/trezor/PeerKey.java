package org.bcm.trezor;

import java.util.Arrays;

/**
 * The other side's public key for GetECDHSessionKey, as the firmware reads it: on nist256p1 a SEC1
 * point, compressed (33 bytes, {@code 02}/{@code 03}) or uncompressed (65 bytes, {@code 04});
 * on curve25519 {@code 40 || key} (33 bytes, the OpenPGP native point encoding, RFC 4880bis).
 *
 * @param curve nist256p1 or curve25519
 * @param bytes the encoding (copied in and out)
 */
public record PeerKey(Curve curve, byte[] bytes) {

    public PeerKey {
        bytes = bytes.clone();
        boolean ok = switch (curve) {
            case NIST256P1 -> bytes.length == 33 && (bytes[0] == 2 || bytes[0] == 3) || bytes.length == 65 && bytes[0] == 4;
            case CURVE25519 -> bytes.length == 33 && bytes[0] == 0x40;
            default -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException("not a " + curve + " peer key for ECDH: expected "
                    + (curve == Curve.CURVE25519 ? "40 || 32 bytes" : curve == Curve.NIST256P1 ? "a 33- or 65-byte SEC1 point" : "nist256p1 or curve25519"));
        }
    }

    /** A curve25519 key from its 32 raw bytes. */
    public static PeerKey x25519(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("an X25519 key has 32 bytes, not " + key.length);
        }
        byte[] bytes = new byte[33];
        bytes[0] = 0x40;
        System.arraycopy(key, 0, bytes, 1, 32);
        return new PeerKey(Curve.CURVE25519, bytes);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PeerKey k && k.curve == curve && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
