package org.bcm.core.identity.gpg;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bcm.trezor.Curve;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.bcpg.BCPGKey;
import org.bouncycastle.bcpg.ECPublicBCPGKey;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.util.BigIntegers;

/**
 * An elliptic curve as libgcrypt names and describes it, for the OpenPGP keys the device holds: the
 * name gpg-agent writes in {@code (curve NAME)}, the flag it adds ({@code eddsa} for Ed25519
 * signing keys, {@code djb-tweak} for Curve25519 ECDH keys, as gnupg's {@code g10/keyid.c}
 * {@code keygrip_from_pk} builds the key), the OpenPGP curve OID, and the domain parameters
 * {@code p a b g n} that libgcrypt's keygrip hashes (libgcrypt 1.10 {@code cipher/ecc-curves.c},
 * table {@code domain_parms}, as {@code _gcry_ecc_update_curve_param} returns them: unsigned
 * big-endian magnitudes without leading zeros, and {@code g} as the point {@code 04 || Gx || Gy}).
 */
public enum GcryptCurve {

    /** NIST P-256: ECDSA (algo 19) and ECDH (algo 18); points {@code 04 || X || Y}, 65 bytes. */
    NIST_P256("NIST P-256", "1.2.840.10045.3.1.7", null, Curve.NIST256P1,
            "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
            "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
            "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
            "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
            "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
    /**
     * Ed25519: EdDSA legacy (algo 22); points {@code 40 || key}, 33 bytes. libgcrypt writes a = -1
     * and d = -121665/121666 as negative numbers; the keygrip hashes their magnitudes.
     */
    ED25519("Ed25519", "1.3.6.1.4.1.11591.15.1", "eddsa", Curve.ED25519,
            "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed",
            "01",
            "2dfc9311d490018c7338bf8688861767ff8ff5b2bebe27548a14b235eca6874a",
            "216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a",
            "6666666666666666666666666666666666666666666666666666666666666658",
            "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed"),
    /**
     * Curve25519: ECDH (algo 18) with X25519; points {@code 40 || X}, 33 bytes. libgcrypt keeps the
     * base point's y from before RFC 7748 erratum 4730 in this table so that keygrips stay stable.
     */
    CURVE25519("Curve25519", "1.3.6.1.4.1.3029.1.5.1", "djb-tweak", Curve.CURVE25519,
            "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed",
            "01db41",
            "01",
            "0000000000000000000000000000000000000000000000000000000000000009",
            "20ae19a1b8a086b4e01edd2c7748d14c923d4d7e6d7c61b229e9c5a27eced3d9",
            "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed");

    private final String gcryptName;
    private final String oid;
    private final String flag;
    private final Curve deviceCurve;
    private final byte[] p;
    private final byte[] a;
    private final byte[] b;
    private final byte[] g;
    private final byte[] n;

    GcryptCurve(String gcryptName, String oid, String flag, Curve deviceCurve, String p, String a, String b, String gx, String gy, String n) {
        this.gcryptName = gcryptName;
        this.oid = oid;
        this.flag = flag;
        this.deviceCurve = deviceCurve;
        this.p = magnitude(p);
        this.a = magnitude(a);
        this.b = magnitude(b);
        this.g = magnitude("04" + gx + gy);
        this.n = magnitude(n);
    }

    private static byte[] magnitude(String hex) {
        return BigIntegers.asUnsignedByteArray(new BigInteger(hex, 16));
    }

    /** libgcrypt's name, e.g. {@code NIST P-256}. */
    public String gcryptName() {
        return gcryptName;
    }

    /** The OpenPGP curve OID in dotted form. */
    public String oid() {
        return oid;
    }

    /** {@code eddsa}, {@code djb-tweak}, or null when libgcrypt takes the key without flags. */
    public String flag() {
        return flag;
    }

    /** The curve the device uses for this key: nist256p1, ed25519 or curve25519. */
    public Curve deviceCurve() {
        return deviceCurve;
    }

    /** The domain parameters in keygrip order {@code p, a, b, g, n}. */
    byte[][] domainParameters() {
        return new byte[][] {p.clone(), a.clone(), b.clone(), g.clone(), n.clone()};
    }

    /**
     * The curve of an OpenPGP key the device can hold: ECDSA on NIST P-256, EdDSA legacy on Ed25519,
     * ECDH on NIST P-256 or Curve25519.
     *
     * @throws IllegalArgumentException for any other algorithm or curve (RSA, brainpool, P-384, ...)
     */
    public static GcryptCurve of(PGPPublicKey key) {
        BCPGKey material = key.getPublicKeyPacket().getKey();
        if (!(material instanceof ECPublicBCPGKey ec)) {
            throw new IllegalArgumentException("public key algorithm " + key.getAlgorithm() + " is not an elliptic-curve algorithm gpg-agent keys here use");
        }
        String keyOid = ec.getCurveOID().getId();
        for (GcryptCurve curve : values()) {
            if (curve.oid.equals(keyOid) && curve.allows(key.getAlgorithm())) {
                return curve;
            }
        }
        throw new IllegalArgumentException("public key algorithm " + key.getAlgorithm() + " on curve " + keyOid
                + " is not supported: expected ECDSA/ECDH on NIST P-256, EdDSA on Ed25519 or ECDH on Curve25519");
    }

    private boolean allows(int algorithm) {
        return switch (this) {
            case NIST_P256 -> algorithm == PublicKeyAlgorithmTags.ECDSA || algorithm == PublicKeyAlgorithmTags.ECDH;
            case ED25519 -> algorithm == PublicKeyAlgorithmTags.EDDSA_LEGACY;
            case CURVE25519 -> algorithm == PublicKeyAlgorithmTags.ECDH;
        };
    }

    /**
     * The key's point {@code q} as OpenPGP stores it and gpg hands it to libgcrypt: {@code 04 || X || Y}
     * (65 bytes) on NIST P-256, {@code 40 || key} (33 bytes) on Ed25519 and Curve25519.
     *
     * @throws IllegalArgumentException when the key is not on this curve or the point is malformed
     */
    public byte[] point(PGPPublicKey key) {
        if (of(key) != this) {
            throw new IllegalArgumentException("the key is not on " + gcryptName);
        }
        byte[] q = BigIntegers.asUnsignedByteArray(((ECPublicBCPGKey) key.getPublicKeyPacket().getKey()).getEncodedPoint());
        boolean ok = this == NIST_P256 ? q.length == 65 && q[0] == 4 : q.length == 33 && q[0] == 0x40;
        if (!ok) {
            throw new IllegalArgumentException("malformed " + gcryptName + " point of " + q.length + " bytes starting "
                    + HexFormat.of().toHexDigits(q.length == 0 ? 0 : q[0]));
        }
        return q;
    }

    /**
     * {@code q} as libgcrypt's {@code compute_keygrip} hashes it: NIST P-256 uncompressed
     * {@code 04 || X || Y} (a compressed {@code 02/03 || X} is uncompressed first); with flag
     * {@code eddsa} the compact 32-byte key ({@code _gcry_ecc_eddsa_ensure_compact} drops the 0x40
     * prefix); with flag {@code djb-tweak} the 0x40 prefix of an odd-length point dropped.
     */
    byte[] keygripPoint(byte[] q) {
        if (this == NIST_P256) {
            return q.length == 33 && (q[0] == 2 || q[0] == 3)
                    ? ECNamedCurveTable.getByName("P-256").getCurve().decodePoint(q).getEncoded(false)
                    : q.clone();
        }
        return q.length > 1 && q.length % 2 == 1 && q[0] == 0x40 ? Arrays.copyOfRange(q, 1, q.length) : q.clone();
    }

    /**
     * The public key as gpg-agent's READKEY returns it, in canonical S-expression form:
     * {@code (public-key (ecc (curve NAME) [(flags FLAG)] (q POINT)))}.
     */
    byte[] publicKeySexp(byte[] q) {
        List<Object> ecc = new ArrayList<>(List.of("ecc", List.of("curve", gcryptName)));
        if (flag != null) {
            ecc.add(List.of("flags", flag));
        }
        ecc.add(List.of("q", q));
        return Sexp.encode(List.of("public-key", ecc));
    }
}
