package org.bcm.trezor.dev;

import java.util.Arrays;
import java.util.Objects;

import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.PublicKey;

/**
 * A private node of the development device's key tree: what trezor-crypto keeps in its
 * {@code HDNode} struct ({@code bip32.h}) after {@code hdnode_from_seed} and
 * {@code hdnode_private_ckd}, plus the path it was derived along and its parent's fingerprint
 * (which the firmware computes separately in {@code hdnode_private_ckd_cached}).
 *
 * <p>Made by {@link Slip10#derive(byte[], Curve, DerivationPath)}. The byte arrays are copied in
 * and out. {@link #toString()} never shows the private key.
 *
 * @param curve             the SLIP-0010 curve the node belongs to
 * @param path              the path from the master node
 * @param depth             number of derivation steps from the master node (BIP-32 "depth")
 * @param parentFingerprint first 4 bytes, big-endian, of HASH160 of the parent's 33-byte public key;
 *                          0 for the master node (BIP-32 "fingerprint")
 * @param childNumber       the last index of the path, 0 for the master node (BIP-32 "child number")
 * @param chainCode         32 bytes
 * @param privateKey        32 bytes: a scalar below the curve order for secp256k1 and nist256p1, the
 *                          RFC 8032 secret key (seed) for ed25519, the X25519 scalar (unclamped) for
 *                          curve25519 (SLIP-0010)
 * @param publicKey         the public key as the device shows it: SEC1 compressed for the
 *                          Weierstrass curves, {@code 00 || key} for ed25519 and curve25519
 */
public record HdNode(Curve curve, DerivationPath path, int depth, int parentFingerprint, int childNumber,
                     byte[] chainCode, byte[] privateKey, PublicKey publicKey) {

    public HdNode {
        Objects.requireNonNull(curve, "curve");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(publicKey, "publicKey");
        chainCode = chainCode.clone();
        privateKey = privateKey.clone();
        if (chainCode.length != 32) {
            throw new IllegalArgumentException("a chain code has 32 bytes, not " + chainCode.length);
        }
        if (privateKey.length != 32) {
            throw new IllegalArgumentException("a private key has 32 bytes, not " + privateKey.length);
        }
        if (publicKey.curve() != curve) {
            throw new IllegalArgumentException("public key on " + publicKey.curve() + " for a node on " + curve);
        }
    }

    @Override
    public byte[] chainCode() {
        return chainCode.clone();
    }

    @Override
    public byte[] privateKey() {
        return privateKey.clone();
    }

    /**
     * This node's own fingerprint, the one its children carry as {@link #parentFingerprint()}:
     * the first 4 bytes of RIPEMD160(SHA256(33-byte public key)) as a big-endian int
     * (BIP-32 "key identifier"; trezor-crypto {@code hdnode_fingerprint}).
     */
    public int fingerprint() {
        return Slip10.fingerprint(publicKey);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HdNode node && node.curve == curve && node.path.equals(path)
                && node.depth == depth && node.parentFingerprint == parentFingerprint
                && node.childNumber == childNumber && Arrays.equals(node.chainCode, chainCode)
                && Arrays.equals(node.privateKey, privateKey) && node.publicKey.equals(publicKey);
    }

    @Override
    public int hashCode() {
        return publicKey.hashCode();
    }

    /** Curve, path and public key; the private key is left out on purpose. */
    @Override
    public String toString() {
        return "HdNode[" + curve + " " + path + " " + publicKey.hex() + "]";
    }
}
