package org.bcm.trezor;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A signature as SignIdentity returns it: 65 bytes. For ECDSA ({@code ssh}/{@code gpg} on
 * secp256k1 or nist256p1) {@code 00 || r || s}, s in its low form; for ed25519
 * {@code 00 || R || S} (the 64-byte RFC 8032 signature); for other protocols a Bitcoin message
 * signature {@code header || r || s} whose header is {@code 27 + 4 + recovery id}.
 *
 * @param curve the curve of the key that signed
 * @param bytes the 65 bytes (copied in and out)
 */
public record Signature(Curve curve, byte[] bytes) {

    public Signature {
        bytes = bytes.clone();
        if (bytes.length != 65) {
            throw new IllegalArgumentException("a signature from the device has 65 bytes, not " + bytes.length);
        }
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The first byte: 0 for ssh/gpg signatures, the recovery header for message signatures. */
    public int header() {
        return bytes[0] & 0xff;
    }

    /** The 64 bytes after the header: {@code r || s} (32 bytes each), or the raw ed25519 signature. */
    public byte[] body() {
        return Arrays.copyOfRange(bytes, 1, 65);
    }

    /** ECDSA r, 32 bytes big-endian. */
    public byte[] r() {
        return Arrays.copyOfRange(bytes, 1, 33);
    }

    /** ECDSA s, 32 bytes big-endian. */
    public byte[] s() {
        return Arrays.copyOfRange(bytes, 33, 65);
    }

    /** Lower-case hex of the 65 bytes. */
    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Signature sig && sig.curve == curve && Arrays.equals(sig.bytes, bytes);
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
