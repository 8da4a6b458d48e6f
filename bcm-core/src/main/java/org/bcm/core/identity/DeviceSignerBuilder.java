package org.bcm.core.identity;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bcm.trezor.Signature;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.operator.PGPContentSigner;
import org.bouncycastle.openpgp.operator.PGPContentSignerBuilder;

/**
 * A BouncyCastle {@link PGPContentSignerBuilder} whose private key is on the device: the OpenPGP
 * signature hash (SHA-256, RFC 4880 section 5.2.4) is computed here, and SignIdentity with proto
 * {@code gpg} signs it as a digest (trezor-agent's convention, {@code ../shared/reference/trezor.md}).
 * The signer answers what BouncyCastle expects: a DER {@code SEQUENCE(r, s)} for ECDSA (algo 19),
 * the raw 64 bytes for EdDSA legacy (algo 22).
 *
 * <p>The {@link PGPPrivateKey} handed to {@code build} only names the key (its id and public
 * packet); it carries no secret.
 */
public final class DeviceSignerBuilder implements PGPContentSignerBuilder {

    private final DeviceKeys keys;
    private final Identity identity;
    private final Curve curve;

    /**
     * @param identity the {@code gpg://} identity whose SLIP-0013 key signs
     * @param curve    NIST256P1 (ECDSA) or ED25519 (EdDSA)
     * @throws IllegalArgumentException for another curve
     */
    public DeviceSignerBuilder(DeviceKeys keys, Identity identity, Curve curve) {
        if (curve != Curve.NIST256P1 && curve != Curve.ED25519) {
            throw new IllegalArgumentException("OpenPGP signing keys on the device are nist256p1 or ed25519, not " + curve);
        }
        this.keys = keys;
        this.identity = identity;
        this.curve = curve;
    }

    /** The OpenPGP public-key algorithm of the signing key: 19 (ECDSA) or 22 (EdDSA legacy). */
    public int keyAlgorithm() {
        return curve == Curve.NIST256P1 ? PublicKeyAlgorithmTags.ECDSA : PublicKeyAlgorithmTags.EDDSA_LEGACY;
    }

    @Override
    public PGPContentSigner build(int signatureType, PGPPrivateKey privateKey) {
        Digest digest = new SHA256Digest();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                digest.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                digest.update(b, off, len);
            }
        };
        return new PGPContentSigner() {
            private byte[] hash;

            @Override
            public OutputStream getOutputStream() {
                return out;
            }

            @Override
            public byte[] getDigest() {
                if (hash == null) {
                    hash = new byte[digest.getDigestSize()];
                    digest.doFinal(hash, 0);
                }
                return hash.clone();
            }

            @Override
            public byte[] getSignature() {
                Signature signature = keys.signIdentity(identity, curve, Challenge.hidden(getDigest())).signature();
                return curve == Curve.NIST256P1 ? der(signature) : signature.body();
            }

            @Override
            public int getType() {
                return signatureType;
            }

            @Override
            public int getHashAlgorithm() {
                return HashAlgorithmTags.SHA256;
            }

            @Override
            public int getKeyAlgorithm() {
                return keyAlgorithm();
            }

            @Override
            public long getKeyID() {
                return privateKey.getKeyID();
            }
        };
    }

    private static byte[] der(Signature signature) {
        ASN1EncodableVector rs = new ASN1EncodableVector();
        rs.add(new ASN1Integer(new BigInteger(1, signature.r())));
        rs.add(new ASN1Integer(new BigInteger(1, signature.s())));
        try {
            return new DERSequence(rs).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding of an ECDSA signature failed", e);
        }
    }
}
