package org.bcm.core.device;

/**
 * A challenge signed with a SLIP-0013 identity's key (SignIdentity).
 *
 * @param identity  the identity, e.g. {@code ssh://user@host}
 * @param curve     nist256p1, ed25519 or secp256k1
 * @param publicKey the identity's public key, 33 bytes in hex (66 digits)
 * @param signature the signature, 65 bytes in hex (130 digits): for ssh and gpg identities {@code 00} then r and s
 *                  (ECDSA, s low) or the 64-byte ed25519 signature; for others a Bitcoin message signature
 * @param address   on secp256k1, the key's P2PKH Bitcoin address; else null
 */
public record IdentitySignature(String identity, String curve, String publicKey, String signature, String address) { }
