package org.bcm.core.identity.gpg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PublicKey;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;

/**
 * One secret key the {@link GpgAgent} offers: known to gpg by its keygrip, held by the device as the
 * key of a {@code gpg://} identity. A {@link Purpose#SIGN} key is the identity's SLIP-0013 key
 * (SignIdentity, proto {@code gpg}) on nist256p1 or ed25519; a {@link Purpose#DECRYPT} key is its
 * SLIP-0017 key (GetECDHSessionKey) on nist256p1 or curve25519. The OpenPGP public key is kept so
 * that the agent can answer READKEY and check that the device still holds the same key.
 */
public final class AgentKey {

    /** What gpg asks the key to do: PKSIGN or PKDECRYPT. */
    public enum Purpose { SIGN, DECRYPT }

    private final byte[] keygrip;
    private final Identity identity;
    private final GcryptCurve curve;
    private final Purpose purpose;
    private final byte[] point;

    /**
     * @param key      the OpenPGP public key: ECDSA (NIST P-256) or EdDSA (Ed25519) to sign, ECDH
     *                 (NIST P-256 or Curve25519) to decrypt
     * @param identity the {@code gpg://} identity whose device key it is
     * @throws IllegalArgumentException when the algorithm does not fit the purpose, the curve is not
     *                                  one of those, or the identity's proto is not {@code gpg}
     */
    public AgentKey(PGPPublicKey key, Identity identity, Purpose purpose) {
        if (!"gpg".equals(identity.proto())) {
            throw new IllegalArgumentException("gpg-agent keys belong to a gpg:// identity, not " + identity);
        }
        boolean ecdh = key.getAlgorithm() == PublicKeyAlgorithmTags.ECDH;
        if (ecdh != (purpose == Purpose.DECRYPT)) {
            throw new IllegalArgumentException("public key algorithm " + key.getAlgorithm() + " cannot " + purpose.name().toLowerCase());
        }
        this.curve = GcryptCurve.of(key);
        this.point = curve.point(key);
        this.keygrip = Keygrip.of(curve, point);
        this.identity = identity;
        this.purpose = purpose;
    }

    /**
     * The keys of a device-derived certificate ({@code OpenPgpCertificate}): its primary key signs,
     * each ECDH subkey decrypts; other subkeys are left out.
     *
     * @param gpgIdentity the identity the certificate was derived from, {@code gpg://NAME <USER@HOST>}
     * @throws IllegalArgumentException when the primary key cannot sign on the device
     */
    public static List<AgentKey> fromCertificate(PGPPublicKeyRing certificate, Identity gpgIdentity) {
        List<AgentKey> keys = new ArrayList<>();
        Iterator<PGPPublicKey> all = certificate.getPublicKeys();
        keys.add(new AgentKey(all.next(), gpgIdentity, Purpose.SIGN));
        all.forEachRemaining(subkey -> {
            if (subkey.getAlgorithm() == PublicKeyAlgorithmTags.ECDH) {
                keys.add(new AgentKey(subkey, gpgIdentity, Purpose.DECRYPT));
            }
        });
        return List.copyOf(keys);
    }

    /** The 20-byte keygrip. */
    public byte[] keygrip() {
        return keygrip.clone();
    }

    /** The keygrip as gpg prints it: 40 upper-case hex digits. */
    public String keygripHex() {
        return Keygrip.hex(keygrip);
    }

    public Identity identity() {
        return identity;
    }

    /** The device curve: nist256p1 or ed25519 for SIGN, nist256p1 or curve25519 for DECRYPT. */
    public Curve curve() {
        return curve.deviceCurve();
    }

    public GcryptCurve gcryptCurve() {
        return curve;
    }

    public Purpose purpose() {
        return purpose;
    }

    /** The public point as OpenPGP stores it: {@code 04||X||Y} or {@code 40||key}. */
    public byte[] point() {
        return point.clone();
    }

    /** True when {@code deviceKey} (33 bytes as the device encodes it) is this key. */
    boolean isDeviceKey(PublicKey deviceKey) {
        byte[] device = deviceKey.bytes();
        if (curve == GcryptCurve.NIST_P256) {
            byte[] compressed = Arrays.copyOfRange(point, 0, 33);
            compressed[0] = (byte) (2 + (point[64] & 1));
            return Arrays.equals(compressed, device);
        }
        return Arrays.equals(point, 1, 33, device, 1, 33);
    }

    @Override
    public String toString() {
        return keygripHex() + " (" + purpose.name().toLowerCase() + ", " + curve.deviceCurve() + ", " + identity + ")";
    }
}
