package org.bcm.trezor.dev;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.PublicKey;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.RIPEMD160Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * SLIP-0010 ("Universal private key derivation from master private key") key derivation for the
 * four curves of the development device, as trezor-crypto implements it in {@code bip32.c}
 * ({@code hdnode_from_seed}, {@code hdnode_private_ckd}, {@code hdnode_fill_public_key},
 * {@code hdnode_fingerprint}).
 *
 * <ul>
 *   <li>Master key: {@code I = HMAC-SHA512(key = curve name, data = seed)} with the curve names
 *       {@code "Bitcoin seed"} (secp256k1, = BIP-32), {@code "Nist256p1 seed"}, {@code "ed25519 seed"},
 *       {@code "curve25519 seed"}; {@code I_L} is the private key, {@code I_R} the chain code. On
 *       secp256k1 and nist256p1, while {@code I_L} is 0 or at least the curve order n, SLIP-0010
 *       repeats with {@code I = HMAC-SHA512(key = curve name, data = I)}.</li>
 *   <li>Private child derivation: hardened {@code I = HMAC-SHA512(c_par, 00 || k_par || ser32(i))},
 *       normal {@code I = HMAC-SHA512(c_par, serP(point(k_par)) || ser32(i))}. On secp256k1 and
 *       nist256p1 the child key is {@code I_L + k_par mod n}; if {@code I_L >= n} or the sum is 0,
 *       SLIP-0010 retries with {@code I = HMAC-SHA512(c_par, 01 || I_R || ser32(i))}. On ed25519 and
 *       curve25519 the child key is {@code I_L} itself and only hardened indices exist.</li>
 *   <li>Public keys: SEC1 compressed points on the Weierstrass curves; on ed25519 the RFC 8032 public
 *       key of the 32-byte private key (used as the RFC 8032 secret seed), on curve25519
 *       {@code X25519(private key, 9)}; both prefixed with {@code 00} as the device shows them.</li>
 *   <li>Fingerprints: the first 4 bytes, big-endian, of {@code RIPEMD160(SHA256(33-byte public key))}
 *       (BIP-32), over the {@code 00}-prefixed key on ed25519/curve25519 as SLIP-0010 and
 *       trezor-crypto's {@code hdnode_fingerprint} do.</li>
 * </ul>
 */
final class Slip10 {

    private static final X9ECParameters SECP256K1 = CustomNamedCurves.getByName("secp256k1");
    /** NIST P-256 = SEC 2 secp256r1 = trezor-crypto's nist256p1. */
    private static final X9ECParameters NIST256P1 = CustomNamedCurves.getByName("secp256r1");

    private Slip10() {
    }

    /**
     * The node at {@code path} below the master node of {@code seed} on {@code curve}.
     *
     * @param seed  the BIP-39 seed (SLIP-0010 allows 16 to 64 bytes)
     * @throws IllegalArgumentException for a seed of another length, or a non-hardened index on
     *                                  ed25519/curve25519
     */
    static HdNode derive(byte[] seed, Curve curve, DerivationPath path) {
        Objects.requireNonNull(path, "path");
        HdNode node = master(seed, curve);
        for (int index : path.indices()) {
            node = child(node, index);
        }
        return node;
    }

    /** SLIP-0010 "Master key generation" (trezor-crypto {@code hdnode_from_seed}). */
    static HdNode master(byte[] seed, Curve curve) {
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(curve, "curve");
        if (seed.length < 16 || seed.length > 64) {
            throw new IllegalArgumentException("a SLIP-0010 seed has 16 to 64 bytes, not " + seed.length);
        }
        byte[] key = seedKey(curve).getBytes(StandardCharsets.US_ASCII);
        byte[] i = hmacSha512(key, seed);
        X9ECParameters params = weierstrass(curve);
        if (params != null) {
            while (!validScalar(new BigInteger(1, Arrays.copyOf(i, 32)), params.getN())) {
                i = hmacSha512(key, i);
            }
        }
        byte[] privateKey = Arrays.copyOfRange(i, 0, 32);
        return new HdNode(curve, DerivationPath.MASTER, 0, 0, 0, Arrays.copyOfRange(i, 32, 64), privateKey,
                publicKey(curve, privateKey));
    }

    /** SLIP-0010 "Private parent key -> private child key" (trezor-crypto {@code hdnode_private_ckd}). */
    static HdNode child(HdNode parent, int index) {
        Curve curve = parent.curve();
        boolean hardened = (index & DerivationPath.HARDENED) != 0;
        if (!hardened && curve.hardenedOnly()) {
            throw new IllegalArgumentException("SLIP-0010 derives " + curve + " keys with hardened indices only, but "
                    + parent.path().child(index) + " has the non-hardened index " + Integer.toUnsignedString(index)
                    + " (write it as " + Integer.toUnsignedString(index) + "')");
        }
        byte[] chainCode = parent.chainCode();
        byte[] parentKey = parent.privateKey();
        byte[] data = new byte[37];
        if (hardened) {
            System.arraycopy(parentKey, 0, data, 1, 32);
        } else {
            System.arraycopy(parent.publicKey().bytes(), 0, data, 0, 33);
        }
        writeBe32(data, 33, index);
        byte[] i = hmacSha512(chainCode, data);
        byte[] childKey;
        X9ECParameters params = weierstrass(curve);
        if (params == null) {
            childKey = Arrays.copyOfRange(i, 0, 32);
        } else {
            BigInteger n = params.getN();
            BigInteger kPar = new BigInteger(1, parentKey);
            while (true) {
                BigInteger il = new BigInteger(1, Arrays.copyOf(i, 32));
                if (il.compareTo(n) < 0) {
                    BigInteger k = il.add(kPar).mod(n);
                    if (k.signum() != 0) {
                        childKey = toBytes32(k);
                        break;
                    }
                }
                data[0] = 1;
                System.arraycopy(i, 32, data, 1, 32);
                i = hmacSha512(chainCode, data);
            }
        }
        return new HdNode(curve, parent.path().child(index), parent.depth() + 1, parent.fingerprint(), index,
                Arrays.copyOfRange(i, 32, 64), childKey, publicKey(curve, childKey));
    }

    /**
     * The public key of a private key, encoded as the device returns it (trezor-crypto
     * {@code hdnode_fill_public_key}, with its internal {@code 01} prefix of the 25519 curves
     * replaced by {@code 00} as the firmware does before answering).
     */
    static PublicKey publicKey(Curve curve, byte[] privateKey) {
        byte[] out = new byte[33];
        switch (curve) {
            case SECP256K1, NIST256P1 -> {
                ECPoint point = multiplyG(curve, new BigInteger(1, privateKey));
                System.arraycopy(point.getEncoded(true), 0, out, 0, 33);
            }
            case ED25519 -> new Ed25519PrivateKeyParameters(privateKey, 0).generatePublicKey().encode(out, 1);
            case CURVE25519 -> X25519.scalarMultBase(privateKey, 0, out, 1);
            default -> throw new IllegalArgumentException("unsupported curve " + curve);
        }
        return new PublicKey(curve, out);
    }

    /** BIP-32 fingerprint of a 33-byte device public key: HASH160, first 4 bytes big-endian. */
    static int fingerprint(PublicKey publicKey) {
        byte[] h = hash160(publicKey.bytes());
        return ((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
    }

    /** The SLIP-0010 HMAC key of a curve ("Curve" in the master key generation). */
    static String seedKey(Curve curve) {
        return switch (curve) {
            case SECP256K1 -> "Bitcoin seed";
            case NIST256P1 -> "Nist256p1 seed";
            case ED25519 -> "ed25519 seed";
            case CURVE25519 -> "curve25519 seed";
        };
    }

    /** Domain parameters of secp256k1 and nist256p1; null for ed25519 and curve25519. */
    static X9ECParameters weierstrass(Curve curve) {
        return switch (curve) {
            case SECP256K1 -> SECP256K1;
            case NIST256P1 -> NIST256P1;
            default -> null;
        };
    }

    /** {@code k * G}, normalized (affine). */
    static ECPoint multiplyG(Curve curve, BigInteger k) {
        X9ECParameters params = weierstrass(curve);
        return new FixedPointCombMultiplier().multiply(params.getG(), k).normalize();
    }

    /** RIPEMD160(SHA256(data)) (trezor-crypto {@code HASHER_SHA2_RIPEMD}). */
    static byte[] hash160(byte[] data) {
        byte[] sha = sha256(data);
        RIPEMD160Digest ripemd = new RIPEMD160Digest();
        ripemd.update(sha, 0, sha.length);
        byte[] out = new byte[20];
        ripemd.doFinal(out, 0);
        return out;
    }

    static byte[] sha256(byte[] data) {
        SHA256Digest digest = new SHA256Digest();
        digest.update(data, 0, data.length);
        byte[] out = new byte[32];
        digest.doFinal(out, 0);
        return out;
    }

    static byte[] hmacSha512(byte[] key, byte[] data) {
        HMac mac = new HMac(new SHA512Digest());
        mac.init(new KeyParameter(key));
        mac.update(data, 0, data.length);
        byte[] out = new byte[64];
        mac.doFinal(out, 0);
        return out;
    }

    /** A big-endian 32-byte encoding of {@code 0 <= v < 2^256}. */
    static byte[] toBytes32(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        if (raw.length > 32) {
            System.arraycopy(raw, raw.length - 32, out, 0, 32);
        } else {
            System.arraycopy(raw, 0, out, 32 - raw.length, raw.length);
        }
        return out;
    }

    private static boolean validScalar(BigInteger k, BigInteger n) {
        return k.signum() != 0 && k.compareTo(n) < 0;
    }

    private static void writeBe32(byte[] out, int off, int v) {
        out[off] = (byte) (v >>> 24);
        out[off + 1] = (byte) (v >>> 16);
        out[off + 2] = (byte) (v >>> 8);
        out[off + 3] = (byte) v;
    }
}
