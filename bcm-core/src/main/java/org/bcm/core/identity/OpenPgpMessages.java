package org.bcm.core.identity;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.BCPGOutputStream;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;

/**
 * OpenPGP messages (RFC 4880) as gpg reads and writes them, for the operator's certificate:
 * encryption to it and verification with it need only the certificate; decryption and signing ask
 * the device. Errors are {@link BcmException}s: INVALID_INPUT for a message that is malformed or
 * not for this certificate, VERIFY_FAILED for a bad signature or a message whose integrity check fails.
 */
public final class OpenPgpMessages {

    private static final int BUFFER = 1 << 16;

    private OpenPgpMessages() {
    }

    /**
     * Encrypts {@code plaintext} to the certificate's encryption subkey: AES-256 with an integrity
     * packet (SEIPD v1, MDC), one literal data packet named {@code fileName}, no compression.
     *
     * @param armor ASCII armor (RFC 4880 section 6.2) instead of binary packets (what {@code gpg -e} writes)
     */
    public static void encrypt(InputStream plaintext, OutputStream out, PGPPublicKeyRing recipient, String fileName, boolean armor)
            throws IOException {
        PGPPublicKey subkey = encryptionKey(recipient);
        PGPEncryptedDataGenerator generator = new PGPEncryptedDataGenerator(new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256)
                .setWithIntegrityPacket(true).setSecureRandom(new SecureRandom()));
        generator.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(subkey));
        OutputStream target = armor ? ArmoredOutputStream.builder().clearHeaders().build(out) : out;
        try (OutputStream encrypted = generator.open(target, new byte[BUFFER]);
             OutputStream literal = new PGPLiteralDataGenerator().open(encrypted, PGPLiteralData.BINARY, fileName, new Date(), new byte[BUFFER])) {
            plaintext.transferTo(literal);
        } catch (PGPException e) {
            throw new IOException("OpenPGP encryption failed: " + e.getMessage(), e);
        }
        if (armor) {
            target.close();
        }
    }

    /**
     * Decrypts a message encrypted to the certificate's encryption subkey; the device computes the
     * ECDH shared point (the user confirms). Compressed and signed messages are read too (the
     * signature is not checked). The plaintext is written as it is decrypted: callers that must not
     * keep a tampered plaintext write to a temporary place and keep it only when this returns.
     *
     * @throws BcmException INVALID_INPUT when the message is malformed or not encrypted to this
     *                      certificate; VERIFY_FAILED when its integrity check fails; a device error
     *                      kind when the device is absent or refuses
     */
    public static void decrypt(InputStream message, OutputStream plaintext, PGPPublicKeyRing own, DeviceKeys keys, Identity identity)
            throws IOException {
        PGPPublicKey subkey = encryptionKey(own);
        try {
            PGPEncryptedDataList list = first(new BcPGPObjectFactory(PGPUtil.getDecoderStream(message)), PGPEncryptedDataList.class);
            PGPPublicKeyEncryptedData ours = null;
            List<String> recipients = new ArrayList<>();
            for (PGPEncryptedData data : list) {
                if (data instanceof PGPPublicKeyEncryptedData pk) {
                    recipients.add(String.format("%016X", pk.getKeyID()));
                    if (pk.getKeyID() == subkey.getKeyID() || pk.getKeyID() == 0 && ours == null) {
                        ours = pk;
                    }
                }
            }
            if (ours == null) {
                throw new BcmException(Kind.INVALID_INPUT, "the message is not encrypted to the bcm identity (subkey "
                        + String.format("%016X", subkey.getKeyID()) + ") but to " + (recipients.isEmpty() ? "a passphrase" : String.join(", ", recipients)),
                        "only messages encrypted to `bcm info`'s certificate can be decrypted with this device");
            }
            InputStream clear = ours.getDataStream(new DeviceDecryptorFactory(keys, identity, subkey));
            Object content = new BcPGPObjectFactory(clear).nextObject();
            if (content instanceof PGPCompressedData compressed) {
                BcPGPObjectFactory inner = new BcPGPObjectFactory(compressed.getDataStream());
                content = inner.nextObject();
                if (content instanceof PGPOnePassSignatureList) {
                    content = inner.nextObject();
                }
            } else if (content instanceof PGPOnePassSignatureList) {
                throw new BcmException(Kind.INVALID_INPUT, "unsupported message layout: a signed message without compression", null);
            }
            if (!(content instanceof PGPLiteralData literal)) {
                throw new BcmException(Kind.INVALID_INPUT, "the decrypted message holds no literal data", null);
            }
            literal.getInputStream().transferTo(plaintext);
            if (!ours.isIntegrityProtected()) {
                throw new BcmException(Kind.VERIFY_FAILED, "the message has no integrity protection (no MDC): refused", null);
            }
            if (!ours.verify()) {
                throw new BcmException(Kind.VERIFY_FAILED, "the message failed its integrity check: it was modified", null);
            }
        } catch (PGPException | IOException | RuntimeException e) {
            if (e instanceof BcmException bcm) {
                throw bcm;
            }
            throw new BcmException(Kind.INVALID_INPUT, "cannot decrypt: " + e.getMessage(), "is it an OpenPGP message encrypted to the bcm identity?", e);
        }
    }

    /**
     * A detached signature (type 0x00, binary document) over {@code data}, made by the device with
     * the certificate's primary key (the user confirms); what {@code gpg --detach-sign} writes.
     *
     * @param curve the identity's curve, NIST256P1 or ED25519
     */
    public static void signDetached(InputStream data, OutputStream signatureOut, PGPPublicKeyRing own, DeviceKeys keys,
                                    Identity identity, Curve curve, boolean armor) throws IOException {
        PGPPublicKey primary = own.getPublicKey();
        try {
            PGPSignatureGenerator generator = new PGPSignatureGenerator(new DeviceSignerBuilder(keys, identity, curve), primary);
            generator.init(PGPSignature.BINARY_DOCUMENT, new PGPPrivateKey(primary.getKeyID(), primary.getPublicKeyPacket(), null));
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, Date.from(Instant.now()));
            generator.setHashedSubpackets(hashed.generate());
            byte[] buffer = new byte[BUFFER];
            for (int n; (n = data.read(buffer)) > 0; ) {
                generator.update(buffer, 0, n);
            }
            PGPSignature signature = generator.generate();
            OutputStream target = armor ? ArmoredOutputStream.builder().clearHeaders().build(signatureOut) : signatureOut;
            signature.encode(new BCPGOutputStream(target));
            if (armor) {
                target.close();
            }
        } catch (PGPException e) {
            throw new IOException("OpenPGP signing failed: " + e.getMessage(), e);
        }
    }

    /**
     * Checks a detached signature (binary or armored) over {@code data} against the certificate.
     *
     * @return the signature that verified
     * @throws BcmException VERIFY_FAILED when no signature in the input is a valid one by this
     *                      certificate over this data; INVALID_INPUT when the input is no signature
     */
    public static PGPSignature verifyDetached(InputStream data, InputStream signatureIn, PGPPublicKeyRing certificate) throws IOException {
        PGPSignatureList signatures;
        try {
            signatures = first(new BcPGPObjectFactory(PGPUtil.getDecoderStream(signatureIn)), PGPSignatureList.class);
        } catch (PGPException | IOException | RuntimeException e) {
            throw new BcmException(Kind.INVALID_INPUT, "not an OpenPGP signature: " + e.getMessage(), null, e);
        }
        byte[] content = data.readAllBytes();
        for (PGPSignature signature : signatures) {
            PGPPublicKey key = certificate.getPublicKey(signature.getKeyID());
            if (key == null) {
                continue;
            }
            try {
                signature.init(new BcPGPContentVerifierBuilderProvider(), key);
                signature.update(content);
                if (signature.verify()) {
                    return signature;
                }
            } catch (PGPException e) {
                throw new BcmException(Kind.VERIFY_FAILED, "the signature cannot be checked: " + e.getMessage(), null, e);
            }
        }
        throw new BcmException(Kind.VERIFY_FAILED, "BAD signature: not a valid signature by " + OpenPgpCertificate.fingerprint(certificate)
                + " over this file", "the file or the signature was changed, or it was signed by another key");
    }

    /** The certificate's encryption-capable subkey (the ECDH subkey bcm init makes). */
    static PGPPublicKey encryptionKey(PGPPublicKeyRing certificate) {
        for (PGPPublicKey key : certificate) {
            if (!key.isMasterKey() && key.isEncryptionKey()) {
                return key;
            }
        }
        throw new BcmException(Kind.INVALID_INPUT, "the certificate " + OpenPgpCertificate.fingerprint(certificate) + " has no encryption subkey",
                "run `bcm init` again");
    }

    private static <T> T first(BcPGPObjectFactory factory, Class<T> type) throws IOException, PGPException {
        Object o;
        do {
            o = factory.nextObject();
        } while (o instanceof PGPMarker);
        if (!type.isInstance(o)) {
            throw new PGPException("expected " + type.getSimpleName() + ", found " + (o == null ? "nothing" : o.getClass().getSimpleName()));
        }
        return type.cast(o);
    }
}
