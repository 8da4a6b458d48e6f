package org.bcm.trezor;

import java.util.Optional;

/**
 * The answer to SignIdentity (message 54).
 *
 * @param publicKey the identity's public key (SLIP-0013 path, the requested curve)
 * @param signature the signature over the challenge, see {@link Signature}
 * @param address   on secp256k1, the P2PKH Bitcoin address of the key (trezor-firmware
 *                  {@code fsm_msgSignIdentity}); else empty
 */
public record SignedIdentity(PublicKey publicKey, Signature signature, Optional<String> address) { }
