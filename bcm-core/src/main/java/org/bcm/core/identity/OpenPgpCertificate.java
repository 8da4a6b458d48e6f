package org.bcm.core.identity;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PublicKey;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.BCPGKey;
import org.bouncycastle.bcpg.CompressionAlgorithmTags;
import org.bouncycastle.bcpg.ECDHPublicBCPGKey;
import org.bouncycastle.bcpg.ECDSAPublicBCPGKey;
import org.bouncycastle.bcpg.EdDSAPublicBCPGKey;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyPacket;
import org.bouncycastle.bcpg.PublicSubkeyPacket;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.Features;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;

/**
 * The operator's OpenPGP certificate (RFC 4880 v4 transferable public key), derived on the device
 * from one {@code gpg://NAME <USER@HOST>} identity as trezor-agent derives it:
 * <ul>
 *   <li>primary key: the identity's SLIP-0013 key, ECDSA (algo 19, NIST P-256, OID 1.2.840.10045.3.1.7)
 *       or EdDSA legacy (algo 22, Ed25519, OID 1.3.6.1.4.1.11591.15.1), flags certify + sign;</li>
 *   <li>subkey: the identity's SLIP-0017 key, ECDH (algo 18) on NIST P-256 or Curve25519
 *       (OID 1.3.6.1.4.1.3029.1.5.1), KDF SHA-256 / AES-128 (RFC 6637), flags encrypt;</li>
 *   <li>the user id, its positive certification (0x13) and the subkey binding (0x18), both made by the device.</li>
 * </ul>
 * Every signature carries the key's creation time, and ECDSA on the device is deterministic
 * (RFC 6979), so one device and one creation time always give the same certificate, byte for byte:
 * store the creation time, never take it from the clock again.
 */
public final class OpenPgpCertificate {

    private static final ASN1ObjectIdentifier NIST_P256 = new ASN1ObjectIdentifier("1.2.840.10045.3.1.7");
    private static final ASN1ObjectIdentifier ED25519 = new ASN1ObjectIdentifier("1.3.6.1.4.1.11591.15.1");
    private static final ASN1ObjectIdentifier CURVE25519 = new ASN1ObjectIdentifier("1.3.6.1.4.1.3029.1.5.1");

    private OpenPgpCertificate() {
    }

    /**
     * Builds the certificate. Asks the device for two public keys and two signatures (it asks the
     * user to confirm each signature).
     *
     * @param gpgIdentity  {@code gpg://NAME <USER@HOST>}; its host part is the user id
     * @param curve        NIST256P1 (ECDSA + ECDH P-256) or ED25519 (EdDSA + ECDH Curve25519)
     * @param creationTime the keys' creation time, whole seconds
     * @throws IllegalArgumentException for another curve
     * @throws org.bcm.core.BcmException when the device is absent, refuses or fails
     */
    public static PGPPublicKeyRing create(DeviceKeys keys, Identity gpgIdentity, Curve curve, Instant creationTime) {
        Curve ecdhCurve = ecdhCurve(curve);
        Date created = Date.from(creationTime);
        try {
            PGPPublicKey primary = new PGPPublicKey(new PublicKeyPacket(PublicKeyPacket.VERSION_4, signingAlgorithm(curve), created,
                    signingKey(keys.publicKey(gpgIdentity.signPath(), curve))), new BcKeyFingerprintCalculator());
            PGPPublicKey subkey = new PGPPublicKey(new PublicSubkeyPacket(PublicKeyPacket.VERSION_4, PublicKeyAlgorithmTags.ECDH, created,
                    encryptionKey(keys.publicKey(gpgIdentity.ecdhPath(), ecdhCurve))), new BcKeyFingerprintCalculator());
            PGPPrivateKey onDevice = new PGPPrivateKey(primary.getKeyID(), primary.getPublicKeyPacket(), null);
            DeviceSignerBuilder signer = new DeviceSignerBuilder(keys, gpgIdentity, curve);

            String userId = gpgIdentity.host();
            PGPSignatureGenerator certification = new PGPSignatureGenerator(signer, primary);
            certification.init(PGPSignature.POSITIVE_CERTIFICATION, onDevice);
            certification.setHashedSubpackets(subpackets(created, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA, true));
            primary = PGPPublicKey.addCertification(primary, userId, certification.generateCertification(userId, primary));

            PGPSignatureGenerator binding = new PGPSignatureGenerator(signer, primary);
            binding.init(PGPSignature.SUBKEY_BINDING, onDevice);
            binding.setHashedSubpackets(subpackets(created, KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE, false));
            subkey = PGPPublicKey.addCertification(subkey, binding.generateCertification(primary, subkey));
            return new PGPPublicKeyRing(List.of(primary, subkey));
        } catch (PGPException | IOException e) {
            throw new IllegalStateException("building the OpenPGP certificate failed: " + e.getMessage(), e);
        }
    }

    /** The ECDH curve that goes with a signing curve: NIST256P1 with NIST256P1, CURVE25519 with ED25519. */
    public static Curve ecdhCurve(Curve signingCurve) {
        return switch (signingCurve) {
            case NIST256P1 -> Curve.NIST256P1;
            case ED25519 -> Curve.CURVE25519;
            default -> throw new IllegalArgumentException("an OpenPGP identity on the device uses nist256p1 or ed25519, not " + signingCurve);
        };
    }

    /** The certificate in ASCII armor (RFC 4880 section 6.2), as {@code gpg --armor --export} writes it. */
    public static String armored(PGPPublicKeyRing certificate) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ArmoredOutputStream armor = ArmoredOutputStream.builder().clearHeaders().build(bytes)) {
            certificate.encode(armor, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Reads a certificate, armored or binary.
     *
     * @throws IOException when the input is not one OpenPGP transferable public key
     */
    public static PGPPublicKeyRing read(InputStream in) throws IOException {
        try {
            return new PGPPublicKeyRing(PGPUtil.getDecoderStream(in), new BcKeyFingerprintCalculator());
        } catch (RuntimeException e) {
            throw new IOException("not an OpenPGP certificate: " + e.getMessage(), e);
        }
    }

    /** The fingerprint of the primary key, 40 upper-case hex digits as gpg prints it. */
    public static String fingerprint(PGPPublicKeyRing certificate) {
        return java.util.HexFormat.of().withUpperCase().formatHex(certificate.getPublicKey().getFingerprint());
    }

    private static int signingAlgorithm(Curve curve) {
        return curve == Curve.NIST256P1 ? PublicKeyAlgorithmTags.ECDSA : PublicKeyAlgorithmTags.EDDSA_LEGACY;
    }

    private static BCPGKey signingKey(PublicKey key) throws IOException {
        return switch (key.curve()) {
            case NIST256P1 -> new ECDSAPublicBCPGKey(NIST_P256, new BigInteger(1, uncompressed(key)));
            case ED25519 -> new EdDSAPublicBCPGKey(ED25519, new BigInteger(1, native25519(key)));
            default -> throw new IllegalArgumentException("no OpenPGP signing key on " + key.curve());
        };
    }

    private static BCPGKey encryptionKey(PublicKey key) {
        BigInteger point = switch (key.curve()) {
            case NIST256P1 -> new BigInteger(1, uncompressed(key));
            case CURVE25519 -> new BigInteger(1, native25519(key));
            default -> throw new IllegalArgumentException("no OpenPGP ECDH key on " + key.curve());
        };
        return new ECDHPublicBCPGKey(key.curve() == Curve.NIST256P1 ? NIST_P256 : CURVE25519, point,
                HashAlgorithmTags.SHA256, SymmetricKeyAlgorithmTags.AES_128);
    }

    /** A nist256p1 key as the SEC1 uncompressed point {@code 04 || X || Y} (65 bytes). */
    static byte[] uncompressed(PublicKey key) {
        return ECNamedCurveTable.getByName("P-256").getCurve().decodePoint(key.bytes()).getEncoded(false);
    }

    /** An ed25519/curve25519 key in OpenPGP's native point encoding {@code 40 || key} (33 bytes). */
    static byte[] native25519(PublicKey key) {
        byte[] point = key.bytes();
        point[0] = 0x40;
        return point;
    }

    private static org.bouncycastle.openpgp.PGPSignatureSubpacketVector subpackets(Date created, int keyFlags, boolean primary) {
        PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(false, created);
        hashed.setKeyFlags(false, keyFlags);
        if (primary) {
            hashed.setPrimaryUserID(false, true);
            hashed.setPreferredHashAlgorithms(false, new int[] {HashAlgorithmTags.SHA256, HashAlgorithmTags.SHA512});
            hashed.setPreferredSymmetricAlgorithms(false, new int[] {SymmetricKeyAlgorithmTags.AES_256, SymmetricKeyAlgorithmTags.AES_128});
            hashed.setPreferredCompressionAlgorithms(false, new int[] {CompressionAlgorithmTags.UNCOMPRESSED});
            hashed.setFeature(false, Features.FEATURE_MODIFICATION_DETECTION);
        }
        return hashed.generate();
    }
}
