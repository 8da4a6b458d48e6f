package org.bcm.core.identity;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import org.bcm.core.BcmException;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;

/**
 * The operator's OpenPGP operations on files ({@code bcm file}), interoperable with gpg: encryption to
 * the bcm certificate and verification against it need no device; decryption and signatures ask the
 * device's keys. Streams in and out: the caller opens and creates the files. {@link OpenPgpMessages}
 * says what is written and read.
 */
public final class OpenPgpFiles {

    private final OperatorIdentity identity;
    private final PGPPublicKeyRing certificate;

    private OpenPgpFiles(OperatorIdentity identity, PGPPublicKeyRing certificate) {
        this.identity = identity;
        this.certificate = certificate;
    }

    /**
     * The operator's identity and certificate, read now (before any file is written).
     *
     * @throws BcmException NOT_FOUND before {@code bcm init}; INVALID_INPUT for a malformed certificate
     *                      file, or one that is not the identity's
     */
    public static OpenPgpFiles of(IdentityService identities) {
        OperatorIdentity identity = identities.require();
        return new OpenPgpFiles(identity, identities.certificate());
    }

    /**
     * A signature that verified.
     *
     * @param userId      the signer's OpenPGP user id, {@code NAME <USER@HOST>}
     * @param fingerprint the certificate's fingerprint, 40 upper-case hex digits as gpg prints it
     * @param created     when it was made, as the signature says
     */
    public record GoodSignature(String userId, String fingerprint, Instant created) { }

    /**
     * Encrypts {@code data} to the bcm certificate, as {@link OpenPgpMessages#encrypt}.
     *
     * @param fileName the name the message gives its content (the literal data packet)
     * @param armor    ASCII armor instead of binary packets
     */
    public void encrypt(InputStream data, OutputStream out, String fileName, boolean armor) throws IOException {
        OpenPgpMessages.encrypt(data, out, certificate, fileName, armor);
    }

    /**
     * Decrypts a message encrypted to the bcm certificate; the device computes the shared key (the
     * operator confirms on it).
     *
     * @throws BcmException as {@link OpenPgpMessages#decrypt}: INVALID_INPUT, VERIFY_FAILED, or a device error kind
     */
    public void decrypt(InputStream message, OutputStream plaintext, DeviceKeys keys) throws IOException {
        OpenPgpMessages.decrypt(message, plaintext, certificate, keys, identity.gpgIdentity());
    }

    /**
     * A detached signature over {@code data} by the certificate's primary key, made on the device (the
     * operator confirms on it), as {@code gpg --detach-sign} writes it.
     *
     * @param armor ASCII armor instead of binary packets
     * @throws BcmException a device error kind when the device is absent or refuses
     */
    public void signDetached(InputStream data, OutputStream signature, DeviceKeys keys, boolean armor) throws IOException {
        OpenPgpMessages.signDetached(data, signature, certificate, keys, identity.gpgIdentity(), identity.signingCurve(), armor);
    }

    /**
     * Checks a detached signature (bcm's or gpg's, binary or armored) over {@code data}.
     *
     * @throws BcmException VERIFY_FAILED when no signature in the input is a valid one by the bcm
     *                      certificate over this data; INVALID_INPUT when the input is no signature
     */
    public GoodSignature verifyDetached(InputStream data, InputStream signature) throws IOException {
        PGPSignature good = OpenPgpMessages.verifyDetached(data, signature, certificate);
        return new GoodSignature(identity.userId(), OpenPgpCertificate.fingerprint(certificate), good.getCreationTime().toInstant());
    }
}
