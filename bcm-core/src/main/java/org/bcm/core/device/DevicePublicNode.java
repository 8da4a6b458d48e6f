package org.bcm.core.device;

/**
 * A public node of the device's key tree (BIP-32), as text and numbers.
 *
 * @param path              the derivation path, e.g. {@code m/44'/0'/0'}
 * @param curve             secp256k1, nist256p1, ed25519 or curve25519
 * @param publicKey         the public key as the device encodes it, 33 bytes in hex (66 digits)
 * @param chainCode         32 bytes in hex (64 digits)
 * @param depth             the number of derivation steps from the master node
 * @param parentFingerprint the parent's fingerprint, 4 bytes in hex (8 digits); {@code 00000000} at the master node
 * @param childNumber       the path's last index, 0 to 2^32-1 (hardened indexes from 2^31)
 * @param xpub              the BIP-32 serialization (base58check), for secp256k1 nodes; else null
 */
public record DevicePublicNode(String path, String curve, String publicKey, String chainCode, int depth, String parentFingerprint,
                               long childNumber, String xpub) { }
