package org.bcm.core.identity.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.bcm.core.BcmException;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PublicKey;
import org.bcm.trezor.Signature;
import org.junit.jupiter.api.Test;

/**
 * The OpenSSH encodings of device keys and signatures, against the recorded answers of a real device
 * ({@code ../shared/fixtures/trezor/vectors-mnemonic-all.json}, sign_identity for ssh://bcm@example.org)
 * and against the JDK's own ECDSA and Ed25519 verification.
 */
class SshPublicKeyTest {

    static final HexFormat HEX = HexFormat.of();
    static final Identity BCM = Identity.parse("ssh://bcm@example.org");
    static final byte[] CHALLENGE = HEX.parseHex("0eee361026e628424faae75365fb0dbefc0c82f8e8e3342a1a4f1a4a74eabc5c73657373696f6e2d6279746573");
    static final PublicKey NIST = key(Curve.NIST256P1, "031c6a17a81b5650eee1e670a07d098d34feff1dd9d0b55f254e11c709a90465a1");
    static final Signature NIST_SIGNATURE = signature(Curve.NIST256P1,
            "006d32c94311950ac91ba2dc8cb8bd7c208f073ed70638699d9c6b1b91670e8c9d7573356b35e2cf12b4ce4aeaf1f788e7a7218be45d72626432fb79f2e96bd708");
    static final PublicKey ED = key(Curve.ED25519, "00eb829e31ef65ed2e6fc80247e0d974afd12d53acf043ebd9f6082ceee4a3a1f1");
    static final Signature ED_SIGNATURE = signature(Curve.ED25519,
            "001f77dc754a253840d16bbadff6dc8bdde1cad15637dbd8bbfefd53da9bf7827a5addef20ecf9b71c5a236cc743c0ef456d12fccf58ae117b697517117e1fee0e");

    static PublicKey key(Curve curve, String hex) {
        return new PublicKey(curve, HEX.parseHex(hex));
    }

    static Signature signature(Curve curve, String hex) {
        return new Signature(curve, HEX.parseHex(hex));
    }

    @Test
    void aNistKeyIsAnEcdsaBlobWithTheUncompressedPoint() {
        SshPublicKey ssh = new SshPublicKey(BCM, NIST);
        byte[] blob = ssh.blob();
        SshWire.Reader in = new SshWire.Reader(blob);
        assertThat(in.utf8()).isEqualTo("ecdsa-sha2-nistp256");
        assertThat(in.utf8()).isEqualTo("nistp256");
        byte[] q = in.string();
        assertThat(in.atEnd()).isTrue();
        assertThat(q).hasSize(65);
        assertThat(q[0]).isEqualTo((byte) 4);
        assertThat(Arrays.copyOfRange(q, 1, 33)).isEqualTo(Arrays.copyOfRange(NIST.bytes(), 1, 33));
        assertThat(q[64] & 1).as("an odd Y for the 03 prefix").isEqualTo(1);
        assertThat(blob).hasSize(4 + 19 + 4 + 8 + 4 + 65);
        assertThat(ssh.keyType()).isEqualTo("ecdsa-sha2-nistp256");
        assertThat(ssh.authorizedKeysLine())
                .startsWith("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB")
                .endsWith(" ssh://bcm@example.org");
        assertThat(SshPublicKey.fromBlob(blob)).isEqualTo(NIST);
    }

    @Test
    void anEd25519KeyIsTheRaw32Bytes() {
        SshPublicKey ssh = new SshPublicKey(Identity.parse("ssh://bcm@example.org", 3), ED);
        byte[] blob = ssh.blob();
        assertThat(blob).isEqualTo(new SshWire.Writer().string("ssh-ed25519").string(ED.rawKey()).toByteArray());
        assertThat(blob).hasSize(51);
        assertThat(ssh.authorizedKeysLine()).startsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI").endsWith(" ssh://bcm@example.org#3");
        assertThat(SshPublicKey.fromBlob(blob)).isEqualTo(ED);
        assertThat(ssh.fingerprint()).startsWith("SHA256:").hasSize(7 + 43);
    }

    @Test
    void theEcdsaSignatureIsTwoMpintsAndVerifiesOverTheWholeChallenge() throws Exception {
        SshPublicKey ssh = new SshPublicKey(BCM, NIST);
        SshWire.Reader in = new SshWire.Reader(ssh.signatureBlob(NIST_SIGNATURE));
        assertThat(in.utf8()).isEqualTo("ecdsa-sha2-nistp256");
        SshWire.Reader rs = new SshWire.Reader(in.string());
        assertThat(in.atEnd()).isTrue();
        byte[] r = rs.string();
        byte[] s = rs.string();
        assertThat(rs.atEnd()).isTrue();
        assertThat(r).isEqualTo(NIST_SIGNATURE.r());
        assertThat(s).isEqualTo(NIST_SIGNATURE.s());

        java.security.Signature verifier = java.security.Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(
                concat(HEX.parseHex("3059301306072a8648ce3d020106082a8648ce3d030107034200"), ecPoint(ssh.blob())))));
        verifier.update(CHALLENGE);
        assertThat(verifier.verify(der(r, s))).isTrue();
    }

    @Test
    void theEd25519SignatureIsTheRaw64BytesAndVerifies() throws Exception {
        SshPublicKey ssh = new SshPublicKey(BCM, ED);
        SshWire.Reader in = new SshWire.Reader(ssh.signatureBlob(ED_SIGNATURE));
        assertThat(in.utf8()).isEqualTo("ssh-ed25519");
        byte[] raw = in.string();
        assertThat(raw).isEqualTo(ED_SIGNATURE.body()).hasSize(64);

        java.security.Signature verifier = java.security.Signature.getInstance("Ed25519");
        verifier.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(
                concat(HEX.parseHex("302a300506032b6570032100"), ED.rawKey()))));
        verifier.update(CHALLENGE);
        assertThat(verifier.verify(raw)).isTrue();
    }

    @Test
    void mpintsAreMinimalWithALeadingZeroForTheHighBit() {
        assertThat(new SshWire.Writer().mpint(HEX.parseHex("80")).toByteArray()).isEqualTo(HEX.parseHex("000000020080"));
        assertThat(new SshWire.Writer().mpint(HEX.parseHex("00007f01")).toByteArray()).isEqualTo(HEX.parseHex("000000027f01"));
        assertThat(new SshWire.Writer().mpint(HEX.parseHex("0000")).toByteArray()).isEqualTo(HEX.parseHex("00000000"));
        // RFC 4251 section 5 examples
        assertThat(new SshWire.Writer().mpint(HEX.parseHex("09a378f9b2e332a7")).toByteArray())
                .isEqualTo(HEX.parseHex("0000000809a378f9b2e332a7"));

        byte[] highR = new byte[65];
        highR[1] = (byte) 0xaf;
        highR[33] = 0;
        highR[34] = 0x12;
        SshWire.Reader in = new SshWire.Reader(new SshPublicKey(BCM, NIST).signatureBlob(new Signature(Curve.NIST256P1, highR)));
        in.utf8();
        SshWire.Reader rs = new SshWire.Reader(in.string());
        byte[] r = rs.string();
        byte[] s = rs.string();
        assertThat(r).hasSize(33);
        assertThat(r[0]).isZero();
        assertThat(r[1]).isEqualTo((byte) 0xaf);
        assertThat(s).hasSize(31);
        assertThat(s[0]).isEqualTo((byte) 0x12);
    }

    @Test
    void identitiesAndCurvesAreCheckedAsTheOperatorTypesThem() {
        assertThat(SshPublicKey.identity("root@lexx", 0).uri()).isEqualTo("ssh://root@lexx");
        assertThat(SshPublicKey.identity("ssh://bob@example.org:2222", 1)).isEqualTo(Identity.parse("ssh://bob@example.org:2222", 1));
        assertThatThrownBy(() -> SshPublicKey.identity("gpg://Bob <b@example.org>", 0)).isInstanceOf(BcmException.class)
                .extracting(e -> ((BcmException) e).kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
        assertThatThrownBy(() -> SshPublicKey.identity("root@", 0)).isInstanceOf(BcmException.class);
        assertThat(SshPublicKey.curve("ED25519")).isEqualTo(Curve.ED25519);
        assertThatThrownBy(() -> SshPublicKey.curve("secp256k1")).isInstanceOf(BcmException.class).hasMessageContaining("secp256k1");
        assertThatThrownBy(() -> new SshPublicKey(BCM, key(Curve.SECP256K1, "03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blobsThatAreNoKeyAreRefused() {
        byte[] blob = new SshPublicKey(BCM, NIST).blob();
        blob[blob.length - 1] ^= 1;
        assertThatThrownBy(() -> SshPublicKey.fromBlob(blob)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SshPublicKey.fromBlob(new SshWire.Writer().string("ssh-rsa").toByteArray()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an");
        assertThatThrownBy(() -> SshPublicKey.fromBlob(Base64.getDecoder().decode("AAAAC3NzaC1lZDI1NTE5AAAA")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
    }

    /** Q of an ecdsa-sha2-nistp256 blob. */
    static byte[] ecPoint(byte[] blob) {
        SshWire.Reader in = new SshWire.Reader(blob);
        in.string();
        in.string();
        return in.string();
    }

    /** DER {@code SEQUENCE { INTEGER r, INTEGER s }} of two mpint bodies (minimal two's complement). */
    static byte[] der(byte[] r, byte[] s) {
        byte[] body = concat(new byte[] {2, (byte) r.length}, r, new byte[] {2, (byte) s.length}, s);
        return concat(new byte[] {0x30, (byte) body.length}, body);
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
