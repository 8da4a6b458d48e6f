package org.bcm.trezor.dev;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PublicKey;
import org.bcm.trezor.PublicNode;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.Signature;
import org.bcm.trezor.SignedIdentity;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.CBCBlockCipher;
import org.bouncycastle.crypto.modes.CBCModeCipher;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * The key operations of a Trezor One (firmware 1.14.1, trezor-crypto) in software, for the
 * development device: byte for byte the answers of the real device for the same seed, signatures
 * included. Stateless; every method takes the 64-byte BIP-39 seed ({@link Bip39#seed}).
 *
 * <p>Sources: trezor-firmware {@code legacy/firmware/fsm_msg_crypto.h} ({@code fsm_msgSignIdentity},
 * {@code fsm_msgGetECDHSessionKey}, {@code fsm_msgCipherKeyValue}), {@code legacy/firmware/crypto.c}
 * ({@code sshMessageSign}, {@code gpgMessageSign}, {@code signifyMessageSign},
 * {@code cryptoMessageSign}), trezor-crypto {@code bip32.c} ({@code hdnode_sign},
 * {@code hdnode_sign_digest}, {@code hdnode_get_shared_key}, {@code hdnode_serialize_public}),
 * {@code ecdsa.c} ({@code ecdsa_sign_digest}, {@code ecdh_multiply}), {@code rfc6979.c} and
 * {@code hmac_drbg.c}; SLIP-0010 (keys), SLIP-0013 (identity signing paths), SLIP-0017 (identity
 * ECDH paths), SLIP-0011 (CipherKeyValue), RFC 6979 (deterministic ECDSA nonces), RFC 8032
 * (Ed25519), RFC 7748 (X25519), BIP-32 (xpub serialization).
 *
 * <p>Errors the firmware answers with a Failure are {@link IllegalArgumentException}s whose message
 * starts with the firmware's text ({@code "Error signing identity"},
 * {@code "Error getting ECDH session key"}, {@code "Value length must be a multiple of 16"}).
 */
public final class DeviceCrypto {

    /** BIP-32 mainnet public version bytes ({@code xpub}), trezor-common Bitcoin {@code xpub_magic}. */
    static final int XPUB_VERSION = 0x0488B21E;
    /** Bitcoin P2PKH address version (trezor-common Bitcoin {@code address_type}). */
    static final int P2PKH_VERSION = 0x00;
    /** Bitcoin {@code signed_message_header}: {@code "\x18Bitcoin Signed Message:\n"}. */
    private static final byte[] SIGNED_MESSAGE_HEADER =
            "\u0018Bitcoin Signed Message:\n".getBytes(StandardCharsets.US_ASCII);
    /** Firmware proto field limit of CipherKeyValue.value ({@code messages-crypto.options}). */
    private static final int MAX_CIPHER_VALUE = 1024;
    /** Firmware proto field limit of CipherKeyValue.key, including the C string's NUL. */
    private static final int MAX_CIPHER_KEY = 256;
    private static final String SIGN_ERROR = "Error signing identity";
    private static final String ECDH_ERROR = "Error getting ECDH session key";

    private DeviceCrypto() {
    }

    // ------------------------------------------------------------------------------------------
    // GetPublicKey
    // ------------------------------------------------------------------------------------------

    /**
     * GetPublicKey: the public node at {@code path} (legacy {@code fsm_msgGetPublicKey}). The xpub
     * (BIP-32 serialization, version {@code 0x0488B21E}, base58check) is given for secp256k1 only,
     * as the device does for coin Bitcoin with the default script type.
     *
     * @param curve null for secp256k1 (the firmware default)
     * @throws IllegalArgumentException for a non-hardened index on ed25519/curve25519
     */
    public static PublicNode publicNode(byte[] seed, DerivationPath path, Curve curve) {
        Curve c = curve == null ? Curve.SECP256K1 : curve;
        HdNode node = Slip10.derive(seed, c, path);
        Optional<String> xpub = c == Curve.SECP256K1 ? Optional.of(xpub(node)) : Optional.empty();
        return new PublicNode(node.path(), node.depth(), node.parentFingerprint(), node.childNumber(),
                node.chainCode(), node.publicKey(), xpub);
    }

    /**
     * BIP-32 "Serialization format" of the public node: version, depth, parent fingerprint, child
     * number, chain code, public key, in base58check (trezor-crypto {@code hdnode_serialize_public}).
     */
    static String xpub(HdNode node) {
        byte[] data = new byte[78];
        writeBe32(data, 0, XPUB_VERSION);
        data[4] = (byte) node.depth();
        writeBe32(data, 5, node.parentFingerprint());
        writeBe32(data, 9, node.childNumber());
        System.arraycopy(node.chainCode(), 0, data, 13, 32);
        System.arraycopy(node.publicKey().bytes(), 0, data, 45, 33);
        return base58Check(data);
    }

    // ------------------------------------------------------------------------------------------
    // SignIdentity
    // ------------------------------------------------------------------------------------------

    /**
     * SignIdentity (legacy {@code fsm_msgSignIdentity}): signs with the key at the identity's
     * SLIP-0013 path ({@link Identity#signPath()}) on {@code curve}.
     *
     * <ul>
     *   <li>proto {@code ssh} ({@code sshMessageSign}): ECDSA over {@code SHA-256(challengeHidden)}
     *       on secp256k1/nist256p1, Ed25519 over the raw challenge; {@code 00 || r || s} or
     *       {@code 00 || signature}. The visual challenge is not signed.</li>
     *   <li>proto {@code gpg} ({@code gpgMessageSign}): {@code challengeHidden} is the digest itself,
     *       and must be 32 bytes on secp256k1/nist256p1; Ed25519 signs the raw bytes of any length.</li>
     *   <li>proto {@code signify} ({@code signifyMessageSign}): Ed25519 over the raw challenge; other
     *       curves fail.</li>
     *   <li>any other proto ({@code cryptoMessageSign} with coin Bitcoin, p2pkh): a Bitcoin message
     *       signature over {@code SHA256(challengeHidden) || SHA256(challengeVisual)}, i.e. ECDSA over
     *       {@code SHA256(SHA256("\x18Bitcoin Signed Message:\n" || varint(64) || message))} with
     *       header byte {@code 31 + recovery id} (27 + 4 for a compressed key). On ed25519 the
     *       firmware signs that 32-byte digest with Ed25519 and the header is 31.</li>
     * </ul>
     * ECDSA is trezor-crypto's {@code ecdsa_sign_digest}: RFC 6979 nonce, low s. The address is the
     * P2PKH Bitcoin address of the key whenever the curve is secp256k1, whatever the proto (the
     * firmware's {@code strcmp(curve, SECP256K1_NAME)} test), else empty.
     *
     * @param challengeHidden null is taken as empty
     * @param challengeVisual null is taken as empty
     * @param curve           null for secp256k1 (the firmware default)
     * @throws IllegalArgumentException "Error signing identity: ..." where the firmware fails
     *                                  (curve25519, a gpg digest not of 32 bytes, a zero digest,
     *                                  signify on a curve other than ed25519)
     */
    public static SignedIdentity signIdentity(byte[] seed, Identity identity, byte[] challengeHidden,
                                              String challengeVisual, Curve curve) {
        Objects.requireNonNull(identity, "identity");
        Curve c = curve == null ? Curve.SECP256K1 : curve;
        byte[] hidden = challengeHidden == null ? new byte[0] : challengeHidden.clone();
        String visual = challengeVisual == null ? "" : challengeVisual;
        HdNode node = Slip10.derive(seed, c, identity.signPath());
        String proto = identity.proto();
        byte[] signature;
        if ("ssh".equals(proto)) {
            signature = prefixZero(sign(node, hidden, true));
        } else if ("gpg".equals(proto)) {
            if (c == Curve.ED25519) {
                signature = prefixZero(sign(node, hidden, false));
            } else {
                if (hidden.length != 32) {
                    throw new IllegalArgumentException(SIGN_ERROR + ": a gpg challenge on " + c
                            + " is a 32-byte digest, not " + hidden.length + " bytes");
                }
                // gpgMessageSign: hdnode_sign_digest without pby, behind the 00 prefix
                signature = signDigest(node, hidden);
                signature[0] = 0;
            }
        } else if ("signify".equals(proto)) {
            if (c != Curve.ED25519) {
                throw new IllegalArgumentException(SIGN_ERROR + ": signify signs with ed25519 only, not " + c);
            }
            signature = prefixZero(sign(node, hidden, false));
        } else {
            byte[] message = new byte[64];
            System.arraycopy(Slip10.sha256(hidden), 0, message, 0, 32);
            System.arraycopy(Slip10.sha256(visual.getBytes(StandardCharsets.UTF_8)), 0, message, 32, 32);
            byte[] signed = signDigest(node, bitcoinMessageHash(message));
            // cryptoMessageSign: header 31 + pby for p2pkh (compressed key); pby stays 0 for ed25519.
            signed[0] = (byte) (31 + signed[0]);
            signature = signed;
        }
        Optional<String> address = c == Curve.SECP256K1 ? Optional.of(p2pkhAddress(node.publicKey())) : Optional.empty();
        return new SignedIdentity(node.publicKey(), new Signature(c, signature), address);
    }

    /**
     * trezor-crypto {@code hdnode_sign}: ECDSA over SHA-256 of the message (when {@code sha256} is
     * true, as {@code sshMessageSign} asks with {@code HASHER_SHA2}), or Ed25519 over the message.
     * Returns 64 bytes.
     */
    private static byte[] sign(HdNode node, byte[] message, boolean sha256) {
        return switch (node.curve()) {
            case SECP256K1, NIST256P1 -> {
                if (!sha256) {
                    throw new IllegalStateException("ECDSA always signs a digest");
                }
                yield Arrays.copyOfRange(ecdsaSignDigest(node.curve(), node.privateKey(), Slip10.sha256(message)), 1, 65);
            }
            case ED25519 -> ed25519Sign(node.privateKey(), message);
            case CURVE25519 -> throw new IllegalArgumentException(SIGN_ERROR + ": curve25519 keys cannot sign");
        };
    }

    /**
     * trezor-crypto {@code hdnode_sign_digest}: 65 bytes {@code pby || sig}, pby the ECDSA recovery
     * id (0 for ed25519, which signs the 32-byte digest as a message).
     */
    private static byte[] signDigest(HdNode node, byte[] digest) {
        return switch (node.curve()) {
            case SECP256K1, NIST256P1 -> ecdsaSignDigest(node.curve(), node.privateKey(), digest);
            case ED25519 -> prefixZero(ed25519Sign(node.privateKey(), digest));
            case CURVE25519 -> throw new IllegalArgumentException(SIGN_ERROR + ": curve25519 keys cannot sign");
        };
    }

    /**
     * trezor-firmware {@code cryptoMessageHash} for coin Bitcoin: {@code SHA256d(header ||
     * varint(len) || message)} (the Bitcoin {@code hasher_sign} is double SHA-256).
     */
    static byte[] bitcoinMessageHash(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNED_MESSAGE_HEADER);
        out.writeBytes(varint(message.length));
        out.writeBytes(message);
        return Slip10.sha256(Slip10.sha256(out.toByteArray()));
    }

    /** Bitcoin CompactSize as the firmware's {@code ser_length} writes it. */
    private static byte[] varint(int len) {
        if (len < 253) {
            return new byte[] {(byte) len};
        }
        if (len < 0x10000) {
            return new byte[] {(byte) 253, (byte) len, (byte) (len >>> 8)};
        }
        return new byte[] {(byte) 254, (byte) len, (byte) (len >>> 8), (byte) (len >>> 16), (byte) (len >>> 24)};
    }

    /**
     * trezor-crypto {@code ecdsa_sign_digest} without {@code is_canonical}: returns 65 bytes
     * {@code by || r || s}.
     * <ol>
     *   <li>The nonce k comes from RFC 6979 (HMAC-DRBG with HMAC-SHA256, seeded with the private key
     *       and the digest reduced mod n: {@code init_rfc6979}); candidates that are 0 or at least n are
     *       skipped, each further candidate comes from the next DRBG output.</li>
     *   <li>{@code R = kG}; {@code by = R.y & 1}; if {@code R.x >= n}, {@code r = R.x - n} and
     *       {@code by |= 2}; r = 0 takes the next k.</li>
     *   <li>{@code s = k^-1 (z + r d) mod n} with z the digest as a 256-bit number; s = 0 takes the
     *       next k.</li>
     *   <li>Low s: if {@code s > n/2} then {@code s = n - s} and {@code by ^= 1}.</li>
     * </ol>
     *
     * @throws IllegalArgumentException for an all-zero digest or an invalid private key (the
     *                                  firmware refuses both)
     */
    static byte[] ecdsaSignDigest(Curve curve, byte[] privateKey, byte[] digest) {
        X9ECParameters params = Slip10.weierstrass(curve);
        if (params == null) {
            throw new IllegalArgumentException("ECDSA needs secp256k1 or nist256p1, not " + curve);
        }
        if (digest.length != 32) {
            throw new IllegalArgumentException("an ECDSA digest has 32 bytes, not " + digest.length);
        }
        BigInteger n = params.getN();
        BigInteger halfN = n.shiftRight(1);
        BigInteger d = new BigInteger(1, privateKey);
        BigInteger z = new BigInteger(1, digest);
        if (z.signum() == 0) {
            throw new IllegalArgumentException(SIGN_ERROR + ": refusing to sign an all-zero digest");
        }
        if (d.signum() == 0 || d.compareTo(n) >= 0) {
            throw new IllegalArgumentException(SIGN_ERROR + ": invalid private key");
        }
        HmacDrbg rng = HmacDrbg.rfc6979(privateKey, Slip10.toBytes32(z.mod(n)));
        for (int attempt = 0; attempt < 10000; attempt++) {
            BigInteger k = new BigInteger(1, rng.generate(32));
            if (k.signum() == 0 || k.compareTo(n) >= 0) {
                continue;
            }
            ECPoint point = Slip10.multiplyG(curve, k);
            BigInteger rx = point.getAffineXCoord().toBigInteger();
            int by = point.getAffineYCoord().toBigInteger().testBit(0) ? 1 : 0;
            BigInteger r = rx;
            if (rx.compareTo(n) >= 0) {
                r = rx.subtract(n);
                by |= 2;
            }
            if (r.signum() == 0) {
                continue;
            }
            BigInteger s = k.modInverse(n).multiply(z.add(r.multiply(d))).mod(n);
            if (s.signum() == 0) {
                continue;
            }
            if (s.compareTo(halfN) > 0) {
                s = n.subtract(s);
                by ^= 1;
            }
            byte[] out = new byte[65];
            out[0] = (byte) by;
            System.arraycopy(Slip10.toBytes32(r), 0, out, 1, 32);
            System.arraycopy(Slip10.toBytes32(s), 0, out, 33, 32);
            return out;
        }
        throw new IllegalStateException("no ECDSA signature after 10000 nonces");
    }

    /** RFC 8032 Ed25519 with the SLIP-0010 private key as the 32-byte secret (trezor-crypto {@code ed25519_sign}). */
    static byte[] ed25519Sign(byte[] privateKey, byte[] message) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, new Ed25519PrivateKeyParameters(privateKey, 0));
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    /** Base58check of {@code 00 || HASH160(public key)}: the Bitcoin P2PKH address (trezor-crypto {@code ecdsa_get_address}). */
    static String p2pkhAddress(PublicKey publicKey) {
        byte[] raw = new byte[21];
        raw[0] = (byte) P2PKH_VERSION;
        System.arraycopy(Slip10.hash160(publicKey.bytes()), 0, raw, 1, 20);
        return base58Check(raw);
    }

    // ------------------------------------------------------------------------------------------
    // GetECDHSessionKey
    // ------------------------------------------------------------------------------------------

    /**
     * GetECDHSessionKey (legacy {@code fsm_msgGetECDHSessionKey}, trezor-crypto
     * {@code hdnode_get_shared_key}) with the key at the identity's SLIP-0017 path
     * ({@link Identity#ecdhPath()}).
     * <ul>
     *   <li>nist256p1 and secp256k1 ({@code ecdh_multiply}): the peer key is a SEC1 point, 33 bytes
     *       compressed or 65 bytes {@code 04 || X || Y}, that must lie on the curve; the session key is
     *       {@code 04 || X || Y} of {@code d * peer}.</li>
     *   <li>curve25519: the peer key is {@code 40 || key} (33 bytes, the OpenPGP native point
     *       encoding); the session key is {@code 04 || X25519(d, key)}. Like the firmware this does not
     *       reject a low-order peer key (the result is then all zeros after the {@code 04}).</li>
     *   <li>ed25519 has no ECDH: the firmware answers "Error getting ECDH session key".</li>
     * </ul>
     *
     * @param peerPublicKey the bytes of GetECDHSessionKey.peer_public_key
     * @param curve         null for secp256k1 (the firmware default)
     * @throws IllegalArgumentException "Error getting ECDH session key: ..." for a bad peer key or
     *                                  ed25519
     */
    public static SessionKey ecdhSessionKey(byte[] seed, Identity identity, byte[] peerPublicKey, Curve curve) {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(peerPublicKey, "peerPublicKey");
        Curve c = curve == null ? Curve.SECP256K1 : curve;
        if (c == Curve.ED25519) {
            throw new IllegalArgumentException(ECDH_ERROR + ": ed25519 keys have no ECDH, use curve25519");
        }
        HdNode node = Slip10.derive(seed, c, identity.ecdhPath());
        byte[] session;
        if (c == Curve.CURVE25519) {
            if (peerPublicKey.length != 33 || peerPublicKey[0] != 0x40) {
                throw new IllegalArgumentException(ECDH_ERROR + ": a curve25519 peer key is 40 followed by"
                        + " 32 bytes (33 bytes), got " + describe(peerPublicKey));
            }
            session = new byte[33];
            session[0] = 0x04;
            X25519.scalarMult(node.privateKey(), 0, peerPublicKey, 1, session, 1);
        } else {
            ECPoint peer = decodePoint(c, peerPublicKey);
            ECPoint shared = peer.multiply(new BigInteger(1, node.privateKey())).normalize();
            if (shared.isInfinity()) {
                throw new IllegalArgumentException(ECDH_ERROR + ": the shared point is at infinity");
            }
            session = shared.getEncoded(false);
        }
        return new SessionKey(c, session, node.publicKey());
    }

    /** trezor-crypto {@code ecdsa_read_pubkey} + {@code ecdsa_validate_pubkey}. */
    private static ECPoint decodePoint(Curve curve, byte[] encoded) {
        boolean compressed = encoded.length == 33 && (encoded[0] == 2 || encoded[0] == 3);
        boolean uncompressed = encoded.length == 65 && encoded[0] == 4;
        if (!compressed && !uncompressed) {
            throw new IllegalArgumentException(ECDH_ERROR + ": a " + curve + " peer key is 02/03 followed by"
                    + " 32 bytes or 04 followed by 64 bytes, got " + describe(encoded));
        }
        ECPoint point;
        try {
            point = Slip10.weierstrass(curve).getCurve().decodePoint(encoded).normalize();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ECDH_ERROR + ": the peer key is not a point on " + curve, e);
        }
        if (point.isInfinity() || !point.isValid()) {
            throw new IllegalArgumentException(ECDH_ERROR + ": the peer key is not a point on " + curve);
        }
        return point;
    }

    private static String describe(byte[] key) {
        return key.length + " bytes" + (key.length > 0 ? String.format(" starting %02x", key[0]) : "");
    }

    // ------------------------------------------------------------------------------------------
    // CipherKeyValue
    // ------------------------------------------------------------------------------------------

    /**
     * CipherKeyValue (SLIP-0011; legacy {@code fsm_msgCipherKeyValue}): AES-256-CBC without padding
     * with a key and IV from {@code HMAC-SHA512(private key, key || "E0"/"E1" || "D0"/"D1")} of the
     * secp256k1 node at {@code path} (bytes 0..31 the AES key, 32..47 the IV). A 16-byte
     * {@code ivOrNull} replaces the derived IV; like the firmware an IV of another length below 16
     * is ignored.
     *
     * @param key          the key name, e.g. {@code "Enable labeling?"}; at most 255 UTF-8 bytes
     * @param value        plaintext (encrypt) or ciphertext (decrypt): a non-zero multiple of 16
     *                     bytes, at most 1024
     * @param askOnEncrypt CipherKeyValue.ask_on_encrypt: part of the key material
     * @param askOnDecrypt CipherKeyValue.ask_on_decrypt: part of the key material
     * @throws IllegalArgumentException "Value length must be a multiple of 16" for a bad value
     *                                  length, or for a key or IV longer than the message allows
     */
    public static byte[] cipherKeyValue(byte[] seed, DerivationPath path, String key, byte[] value, boolean encrypt,
                                        boolean askOnEncrypt, boolean askOnDecrypt, byte[] ivOrNull) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (value.length == 0 || value.length % 16 != 0 || value.length > MAX_CIPHER_VALUE) {
            throw new IllegalArgumentException("Value length must be a multiple of 16 (1 to "
                    + MAX_CIPHER_VALUE + " bytes), got " + value.length + " bytes");
        }
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        if (keyBytes.length >= MAX_CIPHER_KEY) {
            throw new IllegalArgumentException("CipherKeyValue key is " + keyBytes.length
                    + " bytes in UTF-8, at most " + (MAX_CIPHER_KEY - 1) + " allowed");
        }
        if (ivOrNull != null && ivOrNull.length > 16) {
            throw new IllegalArgumentException("CipherKeyValue iv has 16 bytes, not " + ivOrNull.length);
        }
        HdNode node = Slip10.derive(seed, Curve.SECP256K1, path);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(keyBytes);
        data.writeBytes((askOnEncrypt ? "E1" : "E0").getBytes(StandardCharsets.US_ASCII));
        data.writeBytes((askOnDecrypt ? "D1" : "D0").getBytes(StandardCharsets.US_ASCII));
        byte[] material = hmac(new SHA512Digest(), node.privateKey(), data.toByteArray());
        byte[] aesKey = Arrays.copyOfRange(material, 0, 32);
        byte[] iv = ivOrNull != null && ivOrNull.length == 16 ? ivOrNull.clone() : Arrays.copyOfRange(material, 32, 48);
        CBCModeCipher cbc = CBCBlockCipher.newInstance(AESEngine.newInstance());
        cbc.init(encrypt, new ParametersWithIV(new KeyParameter(aesKey), iv));
        byte[] out = new byte[value.length];
        for (int off = 0; off < value.length; off += 16) {
            cbc.processBlock(value, off, out, off);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    private static final char[] BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();

    /** Base58 of {@code data || first 4 bytes of SHA256(SHA256(data))} (trezor-crypto {@code base58_encode_check}). */
    static String base58Check(byte[] data) {
        byte[] check = Slip10.sha256(Slip10.sha256(data));
        byte[] full = Arrays.copyOf(data, data.length + 4);
        System.arraycopy(check, 0, full, data.length, 4);
        StringBuilder out = new StringBuilder();
        BigInteger value = new BigInteger(1, full);
        BigInteger base = BigInteger.valueOf(58);
        while (value.signum() > 0) {
            BigInteger[] qr = value.divideAndRemainder(base);
            out.append(BASE58[qr[1].intValue()]);
            value = qr[0];
        }
        for (int i = 0; i < full.length && full[i] == 0; i++) {
            out.append('1');
        }
        return out.reverse().toString();
    }

    private static byte[] prefixZero(byte[] signature64) {
        byte[] out = new byte[65];
        System.arraycopy(signature64, 0, out, 1, 64);
        return out;
    }

    private static byte[] hmac(Digest digest, byte[] key, byte[] data) {
        HMac mac = new HMac(digest);
        mac.init(new KeyParameter(key));
        mac.update(data, 0, data.length);
        byte[] out = new byte[mac.getMacSize()];
        mac.doFinal(out, 0);
        return out;
    }

    private static void writeBe32(byte[] out, int off, int v) {
        out[off] = (byte) (v >>> 24);
        out[off + 1] = (byte) (v >>> 16);
        out[off + 2] = (byte) (v >>> 8);
        out[off + 3] = (byte) v;
    }

    /**
     * HMAC-DRBG with HMAC-SHA256 (NIST SP 800-90A) as trezor-crypto's {@code hmac_drbg.c} and
     * {@code rfc6979.c} use it: {@code init_rfc6979} instantiates it with entropy = private key and
     * nonce = digest mod n, which makes its outputs the RFC 6979 section 3.2 nonce candidates
     * (each output is followed by the update {@code K = HMAC(K, V || 00), V = HMAC(K, V)}).
     */
    static final class HmacDrbg {
        private byte[] k = new byte[32];
        private byte[] v = new byte[32];

        static HmacDrbg rfc6979(byte[] privateKey, byte[] reducedDigest) {
            HmacDrbg drbg = new HmacDrbg();
            Arrays.fill(drbg.v, (byte) 1);
            byte[] seed = new byte[64];
            System.arraycopy(privateKey, 0, seed, 0, 32);
            System.arraycopy(reducedDigest, 0, seed, 32, 32);
            drbg.update(seed);
            return drbg;
        }

        private void update(byte[] data) {
            k = mac(k, concat(v, new byte[] {0}, data));
            v = mac(k, v);
            if (data != null && data.length > 0) {
                k = mac(k, concat(v, new byte[] {1}, data));
                v = mac(k, v);
            }
        }

        byte[] generate(int length) {
            byte[] out = new byte[length];
            for (int off = 0; off < length; off += 32) {
                v = mac(k, v);
                System.arraycopy(v, 0, out, off, Math.min(32, length - off));
            }
            update(null);
            return out;
        }

        private static byte[] mac(byte[] key, byte[] data) {
            return hmac(new SHA256Digest(), key, data);
        }

        private static byte[] concat(byte[] a, byte[] b, byte[] c) {
            int cl = c == null ? 0 : c.length;
            byte[] out = new byte[a.length + b.length + cl];
            System.arraycopy(a, 0, out, 0, a.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            if (cl > 0) {
                System.arraycopy(c, 0, out, a.length + b.length, cl);
            }
            return out;
        }
    }
}
