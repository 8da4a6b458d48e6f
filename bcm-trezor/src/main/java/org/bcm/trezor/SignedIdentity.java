package org.bcm.trezor;

import java.util.Optional;

/**
 * The answer to SignIdentity (message 54).
 *
 * @param publicKey the identity's public key (SLIP-0013 path, the requested curve)
 * @param signature the signature over the challenge, see {@link Signature}
 * @param address   for non-ssh/gpg identities on secp256k1, the Bitcoin address of the key; else empty
 */
public record SignedIdentity(PublicKey publicKey, Signature signature, Optional<String> address) { }
