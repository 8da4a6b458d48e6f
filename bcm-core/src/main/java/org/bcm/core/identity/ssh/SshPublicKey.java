package org.bcm.core.identity.ssh;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.bcm.core.BcmException;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.LoginNames;
import org.bcm.core.identity.OperatorIdentity;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PublicKey;
import org.bcm.trezor.Signature;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.math.ec.ECCurve;

/**
 * The OpenSSH form of a device key: the SLIP-0013 identity (proto {@code ssh}) and the public key the
 * device derives for it, as the public key blob, the {@code authorized_keys} line, its fingerprint,
 * and the signature blob for a device signature.
 *
 * <ul>
 * <li>nist256p1: {@code ecdsa-sha2-nistp256}, blob {@code string "ecdsa-sha2-nistp256", string
 *     "nistp256", string Q} with Q the 65-byte uncompressed point {@code 04||X||Y} (RFC 5656 section
 *     3.1); signature {@code string "ecdsa-sha2-nistp256", string (mpint r || mpint s)} (RFC 5656
 *     section 3.1.2), the device having hashed the signed data with SHA-256.</li>
 * <li>ed25519: {@code ssh-ed25519}, blob {@code string "ssh-ed25519", string key} with the 32 key
 *     bytes (RFC 8709 section 4); signature {@code string "ssh-ed25519", string sig} with the 64-byte
 *     RFC 8032 signature (RFC 8709 section 6).</li>
 * </ul>
 *
 * @param identity the identity, e.g. {@code ssh://root@lexx}; its URI is the key's comment
 * @param key      the device's 33-byte key on nist256p1 or ed25519
 */
public record SshPublicKey(Identity identity, PublicKey key) {

    /** The OpenSSH key type of nist256p1 keys. */
    public static final String ECDSA_NISTP256 = "ecdsa-sha2-nistp256";
    /** The OpenSSH key type of ed25519 keys. */
    public static final String ED25519 = "ssh-ed25519";
    private static final ECCurve P256 = ECNamedCurveTable.getByName("secp256r1").getCurve();

    /** @throws IllegalArgumentException for a key on a curve SSH does not use here (secp256k1, curve25519) */
    public SshPublicKey {
        keyType(key.curve());
    }

    /** The public key of {@code identity} on {@code curve}, asked of the device (GetPublicKey at the SLIP-0013 path, no confirmation). */
    public static SshPublicKey of(DeviceKeys device, Identity identity, Curve curve) {
        keyType(curve);
        return new SshPublicKey(identity, device.publicKey(identity.signPath(), curve));
    }

    /**
     * The operator's own ssh key, asked of the device: their ssh identity ({@code ssh://USER@HOST}) on
     * their signing curve (what git's ssh signatures are made with).
     */
    public static SshPublicKey of(DeviceKeys device, OperatorIdentity operator) {
        return of(device, operator.sshIdentity(), operator.signingCurve());
    }

    /** The identity's URI, e.g. {@code ssh://root@lexx:2222}, without its index. */
    public String identityUri() {
        return identity.uri();
    }

    /** The identity's SLIP-0013 index, 0 to 2^32-1. */
    public long index() {
        return Integer.toUnsignedLong(identity.index());
    }

    /** The key's curve: nist256p1 or ed25519. */
    public String curveName() {
        return key.curve().firmwareName();
    }

    /**
     * The identity an operator names: {@code [ssh://][user@]host[:port]}, proto {@code ssh}, its user,
     * host and port from the safe set of {@link LoginNames} (an identity like
     * {@code -oProxyCommand=...@host}, or one with spaces, is refused before anything is recorded or run).
     *
     * @throws BcmException INVALID_INPUT when it is no such identity
     */
    public static Identity identity(String text, int index) {
        try {
            Identity parsed = Identity.parse(text.contains("://") ? text : "ssh://" + text, index);
            if (!"ssh".equals(parsed.proto()) || parsed.path() != null) {
                throw new IllegalArgumentException("'" + text + "' is not an ssh identity");
            }
            requireSafe(parsed);
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "bad ssh identity: " + e.getMessage(),
                    "name it as USER@HOST[:PORT], e.g. root@lexx or bob@example.org:2222; user: " + LoginNames.USER_RULE
                            + "; host: " + LoginNames.HOST_RULE);
        }
    }

    /**
     * Checks that an ssh identity's user, host and port are from the safe set of {@link LoginNames}.
     *
     * @throws IllegalArgumentException naming the part that is not
     */
    static void requireSafe(Identity identity) {
        if (identity.user() != null && !LoginNames.validUser(identity.user())) {
            throw new IllegalArgumentException("the user '" + printable(identity.user()) + "' is not " + LoginNames.USER_RULE);
        }
        if (!LoginNames.validHost(identity.host())) {
            throw new IllegalArgumentException("the host '" + printable(identity.host()) + "' is not " + LoginNames.HOST_RULE);
        }
        if (identity.port() != null && !LoginNames.validPort(identity.port())) {
            throw new IllegalArgumentException("the port '" + identity.port() + "' is not 1 to 65535");
        }
    }

    /** {@code text} with control characters shown as {@code ?}, for messages. */
    private static String printable(String text) {
        return text.replaceAll("\\p{Cntrl}", "?");
    }

    /**
     * The curve an operator names.
     *
     * @throws BcmException INVALID_INPUT for anything but nist256p1 and ed25519
     */
    public static Curve curve(String name) {
        if (name.equalsIgnoreCase("nist256p1")) {
            return Curve.NIST256P1;
        }
        if (name.equalsIgnoreCase("ed25519")) {
            return Curve.ED25519;
        }
        throw new BcmException(BcmException.Kind.INVALID_INPUT, "unknown ssh curve '" + name + "'", "use nist256p1 or ed25519");
    }

    /** {@code ecdsa-sha2-nistp256} or {@code ssh-ed25519}. */
    public String keyType() {
        return keyType(key.curve());
    }

    private static String keyType(Curve curve) {
        return switch (curve) {
            case NIST256P1 -> ECDSA_NISTP256;
            case ED25519 -> ED25519;
            default -> throw new IllegalArgumentException("ssh keys are on nist256p1 or ed25519, not " + curve);
        };
    }

    /** The public key blob (RFC 5656 section 3.1, RFC 8709 section 4). */
    public byte[] blob() {
        SshWire.Writer out = new SshWire.Writer().string(keyType());
        if (key.curve() == Curve.NIST256P1) {
            return out.string("nistp256").string(P256.decodePoint(key.bytes()).getEncoded(false)).toByteArray();
        }
        return out.string(key.rawKey()).toByteArray();
    }

    /**
     * The key a blob holds.
     *
     * @throws IllegalArgumentException when {@code blob} is no nistp256 or ed25519 key blob, or the point is not on the curve
     */
    public static PublicKey fromBlob(byte[] blob) {
        try {
            SshWire.Reader in = new SshWire.Reader(blob);
            String type = in.utf8();
            PublicKey key;
            if (type.equals(ECDSA_NISTP256) && in.utf8().equals("nistp256")) {
                key = new PublicKey(Curve.NIST256P1, P256.decodePoint(in.string()).getEncoded(true));
            } else if (type.equals(ED25519)) {
                byte[] raw = in.string();
                if (raw.length != 32) {
                    throw new IllegalArgumentException("an ed25519 key has 32 bytes, not " + raw.length);
                }
                byte[] bytes = new byte[33];
                System.arraycopy(raw, 0, bytes, 1, 32);
                key = new PublicKey(Curve.ED25519, bytes);
            } else {
                throw new IllegalArgumentException("not an " + ECDSA_NISTP256 + " or " + ED25519 + " key");
            }
            if (!in.atEnd()) {
                throw new IllegalArgumentException("bytes after the key");
            }
            return key;
        } catch (SshWire.Malformed e) {
            throw new IllegalArgumentException("malformed ssh public key: " + e.getMessage(), e);
        }
    }

    /** {@code TYPE BASE64(blob) COMMENT}, the comment being the identity (with {@code #index} when not 0). */
    public String authorizedKeysLine() {
        return keyType() + " " + Base64.getEncoder().encodeToString(blob()) + " " + identity;
    }

    /** {@code SHA256:} and the unpadded base64 of SHA-256(blob), as {@code ssh-keygen -l} prints it. */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob());
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /**
     * The SSH signature blob of a SignIdentity signature by this key: the leading {@code 00} of the
     * device's 65 bytes dropped; ECDSA as {@code mpint(r) || mpint(s)} (RFC 5656 section 3.1.2),
     * ed25519 as the raw 64 bytes (RFC 8709 section 6).
     */
    public byte[] signatureBlob(Signature signature) {
        if (signature.curve() != key.curve()) {
            throw new IllegalArgumentException("a " + signature.curve() + " signature for a " + key.curve() + " key");
        }
        byte[] body = key.curve() == Curve.NIST256P1
                ? new SshWire.Writer().mpint(signature.r()).mpint(signature.s()).toByteArray()
                : signature.body();
        return new SshWire.Writer().string(keyType()).string(body).toByteArray();
    }

    @Override
    public String toString() {
        return identity + " " + keyType() + " " + fingerprint();
    }
}
