package org.bcm.trezor;

import java.util.Arrays;
import java.util.Optional;

/**
 * A public node of the device's key tree (GetPublicKey -> PublicKey, message 12; BIP-32 HDNode).
 *
 * @param path              where the node is
 * @param depth             number of derivation steps from the master node
 * @param parentFingerprint first 4 bytes of HASH160 of the parent's 33-byte public key, big-endian; 0 at the master
 * @param childNumber       the last index of the path (unsigned 32 bits)
 * @param chainCode         32 bytes (copied in and out)
 * @param publicKey         the node's public key
 * @param xpub              base58check BIP-32 serialization, for secp256k1 nodes only
 */
public record PublicNode(DerivationPath path, int depth, int parentFingerprint, int childNumber, byte[] chainCode,
                         PublicKey publicKey, Optional<String> xpub) {

    public PublicNode {
        chainCode = chainCode.clone();
        if (chainCode.length != 32) {
            throw new IllegalArgumentException("a chain code has 32 bytes, not " + chainCode.length);
        }
    }

    @Override
    public byte[] chainCode() {
        return chainCode.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PublicNode node && node.path.equals(path) && node.depth == depth
                && node.parentFingerprint == parentFingerprint && node.childNumber == childNumber
                && Arrays.equals(node.chainCode, chainCode) && node.publicKey.equals(publicKey) && node.xpub.equals(xpub);
    }

    @Override
    public int hashCode() {
        return publicKey.hashCode();
    }
}
