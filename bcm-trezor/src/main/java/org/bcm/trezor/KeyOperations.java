package org.bcm.trezor;

import com.google.protobuf.ByteString;
import java.util.Optional;
import org.bcm.trezor.wire.TrezorMessages;

/**
 * The key operations bcm uses, each one request/answer conversation on an open
 * {@link TrezorClient} (trezorlib {@code misc.py} and {@code btc.py} do the same). Stateless.
 * Every method throws the {@link TrezorException}s that {@link TrezorClient} documents, plus
 * {@link TrezorException.Protocol} when the answer is malformed.
 */
public final class KeyOperations {

    private KeyOperations() {
    }

    /**
     * GetPublicKey (11) -> PublicKey (12): the public node at {@code path} on {@code curve}.
     *
     * @param showDisplay ask the device to show the key and wait for confirmation
     */
    public static PublicNode getPublicKey(TrezorClient client, DerivationPath path, Curve curve, boolean showDisplay) {
        TrezorMessages.GetPublicKey.Builder request = TrezorMessages.GetPublicKey.newBuilder()
                .addAllAddressN(path.indices()).setEcdsaCurveName(curve.firmwareName());
        if (showDisplay) {
            request.setShowDisplay(true);
        }
        TrezorMessages.PublicKey answer = client.call(request.build(), TrezorMessages.PublicKey.class);
        TrezorMessages.HDNodeType node = answer.getNode();
        try {
            return new PublicNode(path, node.getDepth(), node.getFingerprint(), node.getChildNum(), node.getChainCode().toByteArray(),
                    new PublicKey(curve, node.getPublicKey().toByteArray()),
                    answer.hasXpub() && !answer.getXpub().isEmpty() ? Optional.of(answer.getXpub()) : Optional.empty());
        } catch (IllegalArgumentException e) {
            throw new TrezorException.Protocol("the device sent a malformed public node: " + e.getMessage());
        }
    }

    /**
     * SignIdentity (53) -> SignedIdentity (54): signs {@code challenge} with the identity's SLIP-0013
     * key. The device asks the user to confirm.
     *
     * @param curve nist256p1 or ed25519 for ssh and gpg; secp256k1 or nist256p1 for others
     */
    public static SignedIdentity signIdentity(TrezorClient client, Identity identity, Challenge challenge, Curve curve) {
        TrezorMessages.SignIdentity request = TrezorMessages.SignIdentity.newBuilder()
                .setIdentity(identity(identity))
                .setChallengeHidden(ByteString.copyFrom(challenge.hidden()))
                .setChallengeVisual(challenge.visual())
                .setEcdsaCurveName(curve.firmwareName())
                .build();
        TrezorMessages.SignedIdentity answer = client.call(request, TrezorMessages.SignedIdentity.class);
        try {
            return new SignedIdentity(new PublicKey(curve, answer.getPublicKey().toByteArray()),
                    new Signature(curve, answer.getSignature().toByteArray()),
                    answer.hasAddress() && !answer.getAddress().isEmpty() ? Optional.of(answer.getAddress()) : Optional.empty());
        } catch (IllegalArgumentException e) {
            throw new TrezorException.Protocol("the device sent a malformed SignedIdentity: " + e.getMessage());
        }
    }

    /**
     * GetECDHSessionKey (61) -> ECDHSessionKey (62): the shared point of the identity's SLIP-0017 key
     * and {@code peer}. The device asks the user to confirm. When the firmware does not return its
     * own public key (older than 2.x/1.10), it is read with GetPublicKey on the SLIP-0017 path.
     */
    public static SessionKey getEcdhSessionKey(TrezorClient client, Identity identity, PeerKey peer) {
        TrezorMessages.GetECDHSessionKey request = TrezorMessages.GetECDHSessionKey.newBuilder()
                .setIdentity(identity(identity))
                .setPeerPublicKey(ByteString.copyFrom(peer.bytes()))
                .setEcdsaCurveName(peer.curve().firmwareName())
                .build();
        TrezorMessages.ECDHSessionKey answer = client.call(request, TrezorMessages.ECDHSessionKey.class);
        try {
            PublicKey own = answer.hasPublicKey() && !answer.getPublicKey().isEmpty()
                    ? new PublicKey(peer.curve(), answer.getPublicKey().toByteArray())
                    : getPublicKey(client, identity.ecdhPath(), peer.curve(), false).publicKey();
            return new SessionKey(peer.curve(), answer.getSessionKey().toByteArray(), own);
        } catch (IllegalArgumentException e) {
            throw new TrezorException.Protocol("the device sent a malformed ECDHSessionKey: " + e.getMessage());
        }
    }

    /**
     * CipherKeyValue (23) -> CipheredKeyValue (48), encrypting (SLIP-0011).
     *
     * @param plaintext a non-empty multiple of 16 bytes, at most 1024
     * @return the ciphertext, as long as the plaintext
     */
    public static byte[] encryptKeyValue(TrezorClient client, KeyValueCipher cipher, byte[] plaintext) {
        return cipherKeyValue(client, cipher, plaintext, true);
    }

    /** The inverse of {@link #encryptKeyValue}, with the same {@code cipher}. */
    public static byte[] decryptKeyValue(TrezorClient client, KeyValueCipher cipher, byte[] ciphertext) {
        return cipherKeyValue(client, cipher, ciphertext, false);
    }

    private static byte[] cipherKeyValue(TrezorClient client, KeyValueCipher cipher, byte[] value, boolean encrypt) {
        if (value.length == 0 || value.length % 16 != 0 || value.length > 1024) {
            throw new IllegalArgumentException("CipherKeyValue takes a non-empty multiple of 16 bytes up to 1024, not " + value.length);
        }
        TrezorMessages.CipherKeyValue.Builder request = TrezorMessages.CipherKeyValue.newBuilder()
                .addAllAddressN(cipher.path().indices())
                .setKey(cipher.key())
                .setValue(ByteString.copyFrom(value))
                .setEncrypt(encrypt)
                .setAskOnEncrypt(cipher.askOnEncrypt())
                .setAskOnDecrypt(cipher.askOnDecrypt());
        if (cipher.iv() != null) {
            request.setIv(ByteString.copyFrom(cipher.iv()));
        }
        byte[] result = client.call(request.build(), TrezorMessages.CipheredKeyValue.class).getValue().toByteArray();
        if (result.length != value.length) {
            throw new TrezorException.Protocol("the device answered CipherKeyValue with " + result.length + " bytes for " + value.length);
        }
        return result;
    }

    static TrezorMessages.IdentityType identity(Identity identity) {
        TrezorMessages.IdentityType.Builder out = TrezorMessages.IdentityType.newBuilder().setHost(identity.host()).setIndex(identity.index());
        if (identity.proto() != null) {
            out.setProto(identity.proto());
        }
        if (identity.user() != null) {
            out.setUser(identity.user());
        }
        if (identity.port() != null) {
            out.setPort(identity.port());
        }
        if (identity.path() != null) {
            out.setPath(identity.path());
        }
        return out.build();
    }
}
