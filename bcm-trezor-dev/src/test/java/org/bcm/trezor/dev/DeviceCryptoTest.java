package org.bcm.trezor.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PublicKey;
import org.bcm.trezor.PublicNode;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.SignedIdentity;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour of {@link DeviceCrypto} beyond the recorded fixture: verification round trips, errors, RFC vectors. */
class DeviceCryptoTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] SEED = Bip39.seed("all all all all all all all all all all all all", "");
    private static final Random RANDOM = new Random(42);

    // ---------------------------------------------------------------- ECDSA core (ecdsa_sign_digest)

    /** RFC 6979 A.2.5 (P-256, SHA-256): k, r and s; the device stores the low form of s. */
    @Test
    void rfc6979P256Vectors() {
        byte[] x = HEX.parseHex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
        BigInteger n = Slip10.weierstrass(Curve.NIST256P1).getN();
        String[][] vectors = {
            {"sample", "A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60",
                "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
                "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
            {"test", "D16B6AE827F17175E040871A1C7EC3500192C4C92677336EC2537ACAEE0008E0",
                "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
                "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"},
        };
        for (String[] v : vectors) {
            byte[] digest = Slip10.sha256(v[0].getBytes(StandardCharsets.US_ASCII));
            DeviceCrypto.HmacDrbg drbg = DeviceCrypto.HmacDrbg.rfc6979(x, digest);
            assertThat(HEX.formatHex(drbg.generate(32))).as("k for " + v[0]).isEqualToIgnoringCase(v[1]);
            byte[] sig = DeviceCrypto.ecdsaSignDigest(Curve.NIST256P1, x, digest);
            BigInteger s = new BigInteger(v[3], 16);
            BigInteger lowS = s.compareTo(n.shiftRight(1)) > 0 ? n.subtract(s) : s;
            assertThat(HEX.formatHex(Arrays.copyOfRange(sig, 1, 33))).as("r for " + v[0]).isEqualToIgnoringCase(v[2]);
            assertThat(new BigInteger(1, Arrays.copyOfRange(sig, 33, 65))).as("low s for " + v[0]).isEqualTo(lowS);
            assertThat(recover(Curve.NIST256P1, sig, digest)).as("recovery id for " + v[0])
                    .isEqualTo(Slip10.multiplyG(Curve.NIST256P1, new BigInteger(1, x)));
        }
    }

    /** The firmware's HMAC-DRBG gives the same first nonce as BouncyCastle's RFC 6979 calculator. */
    @ParameterizedTest
    @EnumSource(value = Curve.class, names = {"SECP256K1", "NIST256P1"})
    void nonceMatchesBouncyCastleRfc6979(Curve curve) {
        BigInteger n = Slip10.weierstrass(curve).getN();
        for (int i = 0; i < 50; i++) {
            byte[] key = Slip10.derive(SEED, curve, DerivationPath.of(DerivationPath.hardened(i))).privateKey();
            byte[] digest = new byte[32];
            RANDOM.nextBytes(digest);
            if (i == 0) {
                Arrays.fill(digest, (byte) 0xff); // a digest above n: both reduce it mod n
            }
            HMacDSAKCalculator bc = new HMacDSAKCalculator(new SHA256Digest());
            bc.init(n, new BigInteger(1, key), digest);
            BigInteger reduced = new BigInteger(1, digest).mod(n);
            DeviceCrypto.HmacDrbg drbg = DeviceCrypto.HmacDrbg.rfc6979(key, Slip10.toBytes32(reduced));
            assertThat(new BigInteger(1, drbg.generate(32))).isEqualTo(bc.nextK());
        }
    }

    @Test
    void refusesZeroDigest() {
        byte[] key = Slip10.derive(SEED, Curve.NIST256P1, DerivationPath.MASTER).privateKey();
        assertThatThrownBy(() -> DeviceCrypto.ecdsaSignDigest(Curve.NIST256P1, key, new byte[32]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Error signing identity");
    }

    // ---------------------------------------------------------------- SignIdentity

    @ParameterizedTest
    @EnumSource(value = Curve.class, names = {"SECP256K1", "NIST256P1"})
    void sshEcdsaSignaturesVerifyOverSha256OfTheChallenge(Curve curve) {
        for (int i = 0; i < 20; i++) {
            Identity identity = Identity.parse("ssh://user" + i + "@host.example:22", i);
            byte[] challenge = new byte[1 + RANDOM.nextInt(200)];
            RANDOM.nextBytes(challenge);
            SignedIdentity signed = DeviceCrypto.signIdentity(SEED, identity, challenge, "ignored", curve);
            byte[] sig = signed.signature().bytes();
            assertThat(sig[0]).isZero();
            assertThat(ecdsaVerify(curve, signed.publicKey(), Slip10.sha256(challenge), sig)).isTrue();
            assertLowS(curve, sig);
            assertThat(signed.publicKey())
                    .isEqualTo(Slip10.derive(SEED, curve, identity.signPath()).publicKey());
            // the visual challenge is not signed for ssh
            assertThat(DeviceCrypto.signIdentity(SEED, identity, challenge, "other", curve).signature())
                    .isEqualTo(signed.signature());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Curve.class, names = {"SECP256K1", "NIST256P1"})
    void gpgEcdsaSignsTheChallengeAsDigest(Curve curve) {
        Identity identity = Identity.parse("gpg://Someone <someone@example.org>");
        for (int i = 0; i < 20; i++) {
            byte[] digest = new byte[32];
            RANDOM.nextBytes(digest);
            SignedIdentity signed = DeviceCrypto.signIdentity(SEED, identity, digest, "", curve);
            byte[] sig = signed.signature().bytes();
            assertThat(sig[0]).isZero();
            assertThat(ecdsaVerify(curve, signed.publicKey(), digest, sig)).isTrue();
            assertLowS(curve, sig);
        }
        assertThatThrownBy(() -> DeviceCrypto.signIdentity(SEED, identity, new byte[31], "", curve))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Error signing identity")
                .hasMessageContaining("32-byte");
        assertThatThrownBy(() -> DeviceCrypto.signIdentity(SEED, identity, new byte[33], "", curve))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Error signing identity");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ssh://git@github.com", "gpg://Someone <someone@example.org>", "signify://release"})
    void ed25519SignsTheRawChallenge(String uri) {
        Identity identity = Identity.parse(uri);
        for (int len : new int[] {0, 1, 32, 33, 500}) {
            byte[] challenge = new byte[len];
            RANDOM.nextBytes(challenge);
            SignedIdentity signed = DeviceCrypto.signIdentity(SEED, identity, challenge, "", Curve.ED25519);
            byte[] sig = signed.signature().bytes();
            assertThat(sig[0]).isZero();
            assertThat(signed.publicKey().bytes()[0]).isZero();
            assertThat(ed25519Verify(signed.publicKey(), challenge, Arrays.copyOfRange(sig, 1, 65))).isTrue();
            assertThat(signed.address()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Curve.class, names = {"SECP256K1", "NIST256P1"})
    void otherProtosMakeBitcoinMessageSignatures(Curve curve) {
        for (int i = 0; i < 20; i++) {
            Identity identity = Identity.parse("https://user@site" + i + ".example/login", i);
            byte[] hidden = new byte[RANDOM.nextInt(64)];
            RANDOM.nextBytes(hidden);
            String visual = "2026-01-0" + (i % 9) + " login";
            SignedIdentity signed = DeviceCrypto.signIdentity(SEED, identity, hidden, visual, curve);
            byte[] sig = signed.signature().bytes();
            int header = sig[0] & 0xff;
            assertThat(header).isBetween(31, 34);
            byte[] message = new byte[64];
            System.arraycopy(Slip10.sha256(hidden), 0, message, 0, 32);
            System.arraycopy(Slip10.sha256(visual.getBytes(StandardCharsets.UTF_8)), 0, message, 32, 32);
            byte[] digest = DeviceCrypto.bitcoinMessageHash(message);
            assertThat(ecdsaVerify(curve, signed.publicKey(), digest, sig)).isTrue();
            assertLowS(curve, sig);
            byte[] withRecid = sig.clone();
            withRecid[0] = (byte) (header - 31);
            ECPoint recovered = recover(curve, withRecid, digest);
            assertThat(recovered.getEncoded(true)).isEqualTo(signed.publicKey().bytes());
        }
    }

    @Test
    void bitcoinMessageHashFollowsTheSignedMessageFormat() {
        byte[] message = new byte[64];
        Arrays.fill(message, (byte) 7);
        byte[] prefix = "\u0018Bitcoin Signed Message:\n".getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[prefix.length + 1 + 64];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        all[prefix.length] = 64;
        System.arraycopy(message, 0, all, prefix.length + 1, 64);
        assertThat(DeviceCrypto.bitcoinMessageHash(message)).isEqualTo(Slip10.sha256(Slip10.sha256(all)));
    }

    @Test
    void addressIsGivenOnSecp256k1Only() {
        Identity https = Identity.parse("https://login.example");
        Identity ssh = Identity.parse("ssh://root@host");
        SignedIdentity k1 = DeviceCrypto.signIdentity(SEED, https, new byte[] {1}, "v", Curve.SECP256K1);
        assertThat(k1.address()).contains(DeviceCrypto.p2pkhAddress(k1.publicKey()));
        assertThat(k1.address().orElseThrow()).startsWith("1");
        // fsm_msgSignIdentity fills the address for every proto when the curve is secp256k1
        assertThat(DeviceCrypto.signIdentity(SEED, ssh, new byte[] {1}, "", Curve.SECP256K1).address()).isPresent();
        assertThat(DeviceCrypto.signIdentity(SEED, https, new byte[] {1}, "v", Curve.NIST256P1).address()).isEmpty();
        assertThat(DeviceCrypto.signIdentity(SEED, https, new byte[] {1}, "v", Curve.ED25519).address()).isEmpty();
        // null curve = the firmware default secp256k1
        assertThat(DeviceCrypto.signIdentity(SEED, https, new byte[] {1}, "v", null)).isEqualTo(k1);
    }

    @Test
    void p2pkhAddressOfPrivateKeyOne() {
        // private key 1: compressed public key = G, the well-known address 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH
        PublicKey g = new PublicKey(Curve.SECP256K1, Slip10.multiplyG(Curve.SECP256K1, BigInteger.ONE).getEncoded(true));
        assertThat(DeviceCrypto.p2pkhAddress(g)).isEqualTo("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH");
    }

    @Test
    void ed25519MessageSignatureSignsTheDigestWithHeader31() {
        Identity identity = Identity.parse("https://login.example");
        SignedIdentity signed = DeviceCrypto.signIdentity(SEED, identity, new byte[] {1, 2}, "v", Curve.ED25519);
        byte[] sig = signed.signature().bytes();
        assertThat(sig[0] & 0xff).isEqualTo(31);
        byte[] message = new byte[64];
        System.arraycopy(Slip10.sha256(new byte[] {1, 2}), 0, message, 0, 32);
        System.arraycopy(Slip10.sha256("v".getBytes(StandardCharsets.UTF_8)), 0, message, 32, 32);
        assertThat(ed25519Verify(signed.publicKey(), DeviceCrypto.bitcoinMessageHash(message),
                Arrays.copyOfRange(sig, 1, 65))).isTrue();
    }

    @Test
    void signIdentityRefusesWhatTheFirmwareRefuses() {
        Identity ssh = Identity.parse("ssh://root@host");
        assertThatThrownBy(() -> DeviceCrypto.signIdentity(SEED, ssh, new byte[] {1}, "", Curve.CURVE25519))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Error signing identity");
        Identity signify = Identity.parse("signify://release");
        assertThatThrownBy(() -> DeviceCrypto.signIdentity(SEED, signify, new byte[] {1}, "", Curve.NIST256P1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Error signing identity");
    }

    @Test
    void nullChallengesAreEmpty() {
        Identity identity = Identity.parse("https://login.example");
        assertThat(DeviceCrypto.signIdentity(SEED, identity, null, null, Curve.NIST256P1))
                .isEqualTo(DeviceCrypto.signIdentity(SEED, identity, new byte[0], "", Curve.NIST256P1));
    }

    // ---------------------------------------------------------------- GetECDHSessionKey

    @ParameterizedTest
    @EnumSource(value = Curve.class, names = {"SECP256K1", "NIST256P1"})
    void ecdhAgreesWithThePeer(Curve curve) {
        X9ECParameters params = Slip10.weierstrass(curve);
        Identity identity = Identity.parse("gpg://Someone <someone@example.org>");
        for (int i = 0; i < 10; i++) {
            BigInteger peerPrivate = new BigInteger(256, new SecureRandom()).mod(params.getN().subtract(BigInteger.ONE)).add(BigInteger.ONE);
            ECPoint peerPublic = Slip10.multiplyG(curve, peerPrivate);
            SessionKey compressed = DeviceCrypto.ecdhSessionKey(SEED, identity, peerPublic.getEncoded(true), curve);
            SessionKey uncompressed = DeviceCrypto.ecdhSessionKey(SEED, identity, peerPublic.getEncoded(false), curve);
            assertThat(compressed).isEqualTo(uncompressed);
            assertThat(compressed.bytes()).hasSize(65);
            ECPoint own = params.getCurve().decodePoint(compressed.ownPublicKey().bytes());
            assertThat(compressed.bytes()).isEqualTo(own.multiply(peerPrivate).normalize().getEncoded(false));
            assertThat(compressed.ownPublicKey()).isEqualTo(Slip10.derive(SEED, curve, identity.ecdhPath()).publicKey());
        }
    }

    @Test
    void curve25519EcdhAgreesWithThePeer() {
        Identity identity = Identity.parse("gpg://Someone <someone@example.org>");
        for (int i = 0; i < 10; i++) {
            byte[] peerPrivate = new byte[32];
            new SecureRandom().nextBytes(peerPrivate);
            byte[] peer = new byte[33];
            peer[0] = 0x40;
            X25519.scalarMultBase(peerPrivate, 0, peer, 1);
            SessionKey key = DeviceCrypto.ecdhSessionKey(SEED, identity, peer, Curve.CURVE25519);
            assertThat(key.bytes()).hasSize(33);
            assertThat(key.bytes()[0]).isEqualTo((byte) 4);
            byte[] expected = new byte[32];
            X25519.scalarMult(peerPrivate, 0, key.ownPublicKey().rawKey(), 0, expected, 0);
            assertThat(key.sharedSecret()).isEqualTo(expected);
        }
    }

    @Test
    void ecdhRejectsBadPeerKeys() {
        Identity identity = Identity.parse("gpg://Someone <someone@example.org>");
        byte[] good = Slip10.multiplyG(Curve.NIST256P1, BigInteger.TEN).getEncoded(true);
        byte[] wrongPrefix = good.clone();
        wrongPrefix[0] = 5;
        byte[] offCurve = Slip10.multiplyG(Curve.NIST256P1, BigInteger.TEN).getEncoded(false);
        offCurve[64] ^= 1;
        byte[] x25519 = new byte[33];
        x25519[0] = 0x40;
        byte[][] badNist = {new byte[0], Arrays.copyOf(good, 32), wrongPrefix, offCurve, x25519};
        for (byte[] bad : badNist) {
            assertThatThrownBy(() -> DeviceCrypto.ecdhSessionKey(SEED, identity, bad, Curve.NIST256P1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Error getting ECDH session key");
        }
        byte[][] badCurve25519 = {new byte[0], good, Arrays.copyOf(x25519, 32), new byte[33]};
        for (byte[] bad : badCurve25519) {
            assertThatThrownBy(() -> DeviceCrypto.ecdhSessionKey(SEED, identity, bad, Curve.CURVE25519))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Error getting ECDH session key");
        }
        assertThatThrownBy(() -> DeviceCrypto.ecdhSessionKey(SEED, identity, good, Curve.ED25519))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Error getting ECDH session key");
    }

    // ---------------------------------------------------------------- CipherKeyValue

    /** SLIP-0011 written out with the JDK's HMAC and AES, as an independent check of the key material. */
    @Test
    void cipherKeyValueFollowsSlip0011() throws Exception {
        DerivationPath path = DerivationPath.parse("m/10016'/0");
        byte[] value = new byte[64];
        RANDOM.nextBytes(value);
        for (boolean askE : new boolean[] {false, true}) {
            for (boolean askD : new boolean[] {false, true}) {
                Mac mac = Mac.getInstance("HmacSHA512");
                mac.init(new SecretKeySpec(Slip10.derive(SEED, Curve.SECP256K1, path).privateKey(), "HmacSHA512"));
                byte[] material = mac.doFinal(("label" + (askE ? "E1" : "E0") + (askD ? "D1" : "D0"))
                        .getBytes(StandardCharsets.UTF_8));
                Cipher aes = Cipher.getInstance("AES/CBC/NoPadding");
                aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material, 0, 32, "AES"),
                        new IvParameterSpec(material, 32, 16));
                byte[] expected = aes.doFinal(value);
                assertThat(DeviceCrypto.cipherKeyValue(SEED, path, "label", value, true, askE, askD, null))
                        .isEqualTo(expected);
                byte[] iv = new byte[16];
                RANDOM.nextBytes(iv);
                aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material, 0, 32, "AES"), new IvParameterSpec(iv));
                byte[] withIv = DeviceCrypto.cipherKeyValue(SEED, path, "label", value, true, askE, askD, iv);
                assertThat(withIv).isEqualTo(aes.doFinal(value));
                assertThat(DeviceCrypto.cipherKeyValue(SEED, path, "label", withIv, false, askE, askD, iv))
                        .isEqualTo(value);
            }
        }
        // like the firmware, an iv that is not 16 bytes long is ignored
        assertThat(DeviceCrypto.cipherKeyValue(SEED, path, "label", value, true, false, true, new byte[5]))
                .isEqualTo(DeviceCrypto.cipherKeyValue(SEED, path, "label", value, true, false, true, null));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 17, 1040})
    void cipherKeyValueRejectsBadLengths(int length) {
        assertThatThrownBy(() -> DeviceCrypto.cipherKeyValue(SEED, DerivationPath.parse("m/10016'/0"), "k",
                new byte[length], true, false, true, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Value length must be a multiple of 16");
    }

    @Test
    void cipherKeyValueAcceptsTheLargestValue() {
        byte[] value = new byte[1024];
        byte[] out = DeviceCrypto.cipherKeyValue(SEED, DerivationPath.parse("m/10016'/0"), "k", value, true, false, true, null);
        assertThat(DeviceCrypto.cipherKeyValue(SEED, DerivationPath.parse("m/10016'/0"), "k", out, false, false, true, null))
                .isEqualTo(value);
        assertThatThrownBy(() -> DeviceCrypto.cipherKeyValue(SEED, DerivationPath.parse("m/10016'/0"), "k".repeat(256),
                value, true, false, true, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceCrypto.cipherKeyValue(SEED, DerivationPath.parse("m/10016'/0"), "k",
                value, true, false, true, new byte[17])).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- GetPublicKey

    /** BIP-32 test vector 1 (seed 000102...0f): the xpubs of m, m/0' and m/0'/1. */
    @Test
    void xpubMatchesBip32TestVector1() {
        byte[] seed = HEX.parseHex("000102030405060708090a0b0c0d0e0f");
        assertThat(DeviceCrypto.publicNode(seed, DerivationPath.MASTER, Curve.SECP256K1).xpub()).contains(
                "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8");
        assertThat(DeviceCrypto.publicNode(seed, DerivationPath.parse("m/0'"), Curve.SECP256K1).xpub()).contains(
                "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw");
        assertThat(DeviceCrypto.publicNode(seed, DerivationPath.parse("m/0'/1"), null).xpub()).contains(
                "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ");
    }

    @Test
    void publicNodeHasNoXpubOffSecp256k1AndHardenedOnlyOnEd25519() {
        PublicNode node = DeviceCrypto.publicNode(SEED, DerivationPath.parse("m/44'/0'"), Curve.NIST256P1);
        assertThat(node.xpub()).isEmpty();
        assertThat(DeviceCrypto.publicNode(SEED, DerivationPath.parse("m/44'/0'"), Curve.CURVE25519).publicKey().bytes()[0])
                .isZero();
        assertThatThrownBy(() -> DeviceCrypto.publicNode(SEED, DerivationPath.parse("m/44'/0"), Curve.ED25519))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hardened");
    }

    @Test
    void base58CheckKeepsLeadingZeros() {
        assertThat(DeviceCrypto.base58Check(new byte[] {0, 0, 1})).startsWith("11");
    }

    // ---------------------------------------------------------------- helpers

    private static boolean ecdsaVerify(Curve curve, PublicKey key, byte[] digest, byte[] sig65) {
        X9ECParameters params = Slip10.weierstrass(curve);
        ECDomainParameters domain = new ECDomainParameters(params.getCurve(), params.getG(), params.getN(), params.getH());
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, new ECPublicKeyParameters(params.getCurve().decodePoint(key.bytes()), domain));
        return verifier.verifySignature(digest, new BigInteger(1, Arrays.copyOfRange(sig65, 1, 33)),
                new BigInteger(1, Arrays.copyOfRange(sig65, 33, 65)));
    }

    private static boolean ed25519Verify(PublicKey key, byte[] message, byte[] sig) {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, new Ed25519PublicKeyParameters(key.rawKey(), 0));
        verifier.update(message, 0, message.length);
        return verifier.verifySignature(sig);
    }

    private static void assertLowS(Curve curve, byte[] sig65) {
        BigInteger n = Slip10.weierstrass(curve).getN();
        assertThat(new BigInteger(1, Arrays.copyOfRange(sig65, 33, 65))).isLessThanOrEqualTo(n.shiftRight(1));
    }

    /** SEC 1 4.1.6 public key recovery from {@code recid || r || s}: Q = r^-1 (sR - eG). */
    private static ECPoint recover(Curve curve, byte[] sig65, byte[] digest) {
        X9ECParameters params = Slip10.weierstrass(curve);
        BigInteger n = params.getN();
        int recid = sig65[0];
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(sig65, 1, 33));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig65, 33, 65));
        BigInteger x = (recid & 2) != 0 ? r.add(n) : r;
        byte[] encoded = new byte[33];
        encoded[0] = (byte) ((recid & 1) != 0 ? 3 : 2);
        System.arraycopy(Slip10.toBytes32(x), 0, encoded, 1, 32);
        ECPoint bigR = params.getCurve().decodePoint(encoded);
        BigInteger e = new BigInteger(1, digest);
        BigInteger rInv = r.modInverse(n);
        return bigR.multiply(s).subtract(params.getG().multiply(e)).multiply(rInv).normalize();
    }
}
