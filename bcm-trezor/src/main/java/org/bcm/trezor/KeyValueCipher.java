package org.bcm.trezor;

import java.util.Arrays;

/**
 * Which key CipherKeyValue (SLIP-0011) encrypts with: the secp256k1 node at {@code path}, the
 * {@code key} text and the two confirmation flags all enter the AES key, so decrypting needs the
 * same four values. The conventional password-manager path is {@code m/10016'/0}.
 *
 * @param path         derivation path of the node
 * @param key          the key name, shown on the device when it asks
 * @param askOnEncrypt the device asks to confirm encryption
 * @param askOnDecrypt the device asks to confirm decryption
 * @param iv           16-byte IV to use instead of the derived one, or null (copied in and out)
 */
public record KeyValueCipher(DerivationPath path, String key, boolean askOnEncrypt, boolean askOnDecrypt, byte[] iv) {

    public KeyValueCipher {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("CipherKeyValue needs a key name");
        }
        if (iv != null) {
            if (iv.length != 16) {
                throw new IllegalArgumentException("an IV has 16 bytes, not " + iv.length);
            }
            iv = iv.clone();
        }
    }

    @Override
    public byte[] iv() {
        return iv == null ? null : iv.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyValueCipher c && c.path.equals(path) && c.key.equals(key) && c.askOnEncrypt == askOnEncrypt
                && c.askOnDecrypt == askOnDecrypt && Arrays.equals(c.iv, iv);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + key.hashCode();
    }
}
