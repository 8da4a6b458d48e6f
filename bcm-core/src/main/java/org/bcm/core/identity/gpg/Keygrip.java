package org.bcm.core.identity.gpg;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.bouncycastle.openpgp.PGPPublicKey;

/**
 * libgcrypt's keygrip of an elliptic-curve public key: the 20-byte name gpg-agent files and finds
 * keys by ({@code gpg --with-keygrip} prints it; gnupg {@code doc/DETAILS}, field "grp").
 *
 * <p>libgcrypt 1.10 {@code cipher/ecc.c} {@code compute_keygrip}: SHA-1 over the parameters
 * {@code p a b g n q}, each written as {@code "(1:" NAME LENGTH ":" BYTES ")"} with a decimal
 * length. {@code p a b g n} are the named curve's domain parameters ({@link GcryptCurve}); the curve
 * name itself is not hashed, so gpg's way of naming the curve (OID or name) does not matter.
 * {@code q} is the public point: uncompressed on NIST P-256, the compact 32 bytes on Ed25519
 * (flag {@code eddsa}) and on Curve25519 (flag {@code djb-tweak}: the 0x40 prefix dropped).
 */
public final class Keygrip {

    private static final char[] NAMES = {'p', 'a', 'b', 'g', 'n'};

    private Keygrip() {
    }

    /**
     * The keygrip of an OpenPGP key on NIST P-256 (ECDSA, ECDH), Ed25519 (EdDSA legacy) or
     * Curve25519 (ECDH): 20 bytes.
     *
     * @throws IllegalArgumentException for another algorithm or curve
     */
    public static byte[] of(PGPPublicKey key) {
        GcryptCurve curve = GcryptCurve.of(key);
        return of(curve, curve.point(key));
    }

    /** {@link #of(PGPPublicKey)} as gpg prints it: 40 upper-case hex digits. */
    public static String hex(PGPPublicKey key) {
        return hex(of(key));
    }

    /** 40 upper-case hex digits of a 20-byte keygrip. */
    public static String hex(byte[] keygrip) {
        return HexFormat.of().withUpperCase().formatHex(keygrip);
    }

    /**
     * The keygrip of the point {@code q} on {@code curve}, {@code q} as OpenPGP stores it
     * ({@code 04||X||Y}, or {@code 40||key} on the 25519 curves).
     */
    static byte[] of(GcryptCurve curve, byte[] q) {
        ByteArrayOutputStream hashed = new ByteArrayOutputStream();
        byte[][] parameters = curve.domainParameters();
        for (int i = 0; i < NAMES.length; i++) {
            component(hashed, NAMES[i], parameters[i]);
        }
        component(hashed, 'q', curve.keygripPoint(q));
        try {
            return MessageDigest.getInstance("SHA-1").digest(hashed.toByteArray());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-1", e);
        }
    }

    private static void component(ByteArrayOutputStream out, char name, byte[] value) {
        out.writeBytes(("(1:" + name + value.length + ":").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(value);
        out.write(')');
    }
}
