package org.bcm.core.identity;

import java.io.IOException;
import java.util.Arrays;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PeerKey;
import org.bouncycastle.bcpg.ECDHPublicBCPGKey;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.engines.AESWrapEngine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.operator.PGPPad;
import org.bouncycastle.openpgp.operator.RFC6637Utils;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;

/**
 * Recovers the session key of an OpenPGP message encrypted to the certificate's ECDH subkey
 * (RFC 6637, algo 18), with the private key on the device: the device computes the shared point
 * with the message's ephemeral key (GetECDHSessionKey on the SLIP-0017 path, the user confirms),
 * and this class runs the RFC 6637 section 7 KDF and the RFC 3394 AES key unwrap. The symmetric
 * decryption of the data itself is BouncyCastle's.
 */
final class DeviceDecryptorFactory extends BcPublicKeyDataDecryptorFactory {

    private final DeviceKeys keys;
    private final Identity identity;
    private final PGPPublicKey subkey;

    /**
     * @param subkey the ECDH subkey the message is encrypted to
     */
    DeviceDecryptorFactory(DeviceKeys keys, Identity identity, PGPPublicKey subkey) {
        super(new PGPPrivateKey(subkey.getKeyID(), subkey.getPublicKeyPacket(), null));
        this.keys = keys;
        this.identity = identity;
        this.subkey = subkey;
    }

    @Override
    public byte[] recoverSessionData(int keyAlgorithm, byte[][] secKeyData, int pkeskVersion) throws PGPException {
        if (keyAlgorithm != PublicKeyAlgorithmTags.ECDH) {
            throw new PGPException("the message is encrypted with public-key algorithm " + keyAlgorithm + ", not ECDH (18)");
        }
        ECDHPublicBCPGKey key = (ECDHPublicBCPGKey) subkey.getPublicKeyPacket().getKey();
        byte[] enc = secKeyData[0];
        // MPI of the ephemeral point, then one octet of length and the wrapped session key (RFC 6637 section 8).
        int pointLength = ((((enc[0] & 0xff) << 8) | (enc[1] & 0xff)) + 7) / 8;
        if (2 + pointLength + 1 > enc.length) {
            throw new PGPException("malformed ECDH session key packet");
        }
        byte[] point = Arrays.copyOfRange(enc, 2, 2 + pointLength);
        int wrappedLength = enc[2 + pointLength] & 0xff;
        if (2 + pointLength + 1 + wrappedLength > enc.length) {
            throw new PGPException("malformed ECDH session key packet");
        }
        byte[] wrapped = Arrays.copyOfRange(enc, 3 + pointLength, 3 + pointLength + wrappedLength);

        Curve curve = key.getCurveOID().getId().equals("1.3.6.1.4.1.3029.1.5.1") ? Curve.CURVE25519 : Curve.NIST256P1;
        byte[] shared = keys.ecdh(identity, new PeerKey(curve, point)).bytes();
        byte[] x = Arrays.copyOfRange(shared, 1, 33);
        try {
            byte[] kek = kdf(key, x, RFC6637Utils.createUserKeyingMaterial(subkey.getPublicKeyPacket(), new BcKeyFingerprintCalculator()));
            AESWrapEngine unwrap = new AESWrapEngine();
            unwrap.init(false, new KeyParameter(kek));
            return PGPPad.unpadSessionData(unwrap.unwrap(wrapped, 0, wrapped.length));
        } catch (IOException | InvalidCipherTextException e) {
            throw new PGPException("the session key does not unwrap: " + e.getMessage(), e);
        }
    }

    /** RFC 6637 section 7: {@code Hash(00 00 00 01 || ZB || Param)}, truncated to the KEK size. */
    private static byte[] kdf(ECDHPublicBCPGKey key, byte[] zb, byte[] param) throws PGPException {
        Digest digest = switch (key.getHashAlgorithm()) {
            case HashAlgorithmTags.SHA256 -> new SHA256Digest();
            case HashAlgorithmTags.SHA384 -> new SHA384Digest();
            case HashAlgorithmTags.SHA512 -> new SHA512Digest();
            default -> throw new PGPException("unsupported ECDH KDF hash " + key.getHashAlgorithm());
        };
        int kekLength = switch (key.getSymmetricKeyAlgorithm()) {
            case SymmetricKeyAlgorithmTags.AES_128 -> 16;
            case SymmetricKeyAlgorithmTags.AES_192 -> 24;
            case SymmetricKeyAlgorithmTags.AES_256 -> 32;
            default -> throw new PGPException("unsupported ECDH key wrap algorithm " + key.getSymmetricKeyAlgorithm());
        };
        digest.update(new byte[] {0, 0, 0, 1}, 0, 4);
        digest.update(zb, 0, zb.length);
        digest.update(param, 0, param.length);
        byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return Arrays.copyOf(out, kekLength);
    }
}
