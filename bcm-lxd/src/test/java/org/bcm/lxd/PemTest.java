package org.bcm.lxd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import org.bcm.lxd.TestCertificates.KeyFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PemTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(KeyFormat.class)
    void readsCertificateAndEachKeyFormat(KeyFormat format) throws Exception {
        TestCertificates.Generated g = TestCertificates.generate(dir, "client-" + format, format);
        String keyPem = Files.readString(g.keyFile());
        switch (format) {
            case PKCS8 -> assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----");
            case SEC1_EC -> assertThat(keyPem).startsWith("-----BEGIN EC PRIVATE KEY-----");
            case PKCS1_RSA -> assertThat(keyPem).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        }

        X509Certificate cert = Pem.readCertificate(g.certificateFile());
        PrivateKey key = Pem.readPrivateKey(g.keyFile());

        assertThat(cert).isEqualTo(g.certificate());
        assertThat(key.getAlgorithm()).isEqualTo(format == KeyFormat.PKCS1_RSA ? "RSA" : "EC");
        // the parsed key is the generated one: its signature verifies with the certificate's public key
        String alg = format == KeyFormat.PKCS1_RSA ? "SHA256withRSA" : "SHA384withECDSA";
        Signature signer = Signature.getInstance(alg);
        signer.initSign(key);
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(alg);
        verifier.initVerify(cert.getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(signature)).isTrue();
        // the key really belongs to the certificate: TLS material can be built from it
        SSLContext ctx = LxdConnection.tlsContext(cert, key, new PinnedTrustManager(cert));
        assertThat(ctx.getProtocol()).isEqualTo("TLS");
    }

    @Test
    void fingerprintIsSha256OfDerAndMatchesLxdFormat() throws Exception {
        TestCertificates.Generated g = TestCertificates.generate(dir, "fp", KeyFormat.PKCS8);
        String expected = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(g.certificate().getEncoded()));
        assertThat(Pem.fingerprint(g.certificate())).isEqualTo(expected).hasSize(64).matches("[0-9a-f]+");
        assertThat(Pem.parseCertificate(Pem.toPem(g.certificate()))).isEqualTo(g.certificate());
        assertThat(g.certificatePem()).contains(Pem.base64Der(g.certificate()).substring(0, 64));
    }

    @Test
    void unreadableFilesGiveLxdExceptionNamingTheFile() throws Exception {
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "not a pem\n");
        assertThatThrownBy(() -> Pem.readPrivateKey(garbage))
                .isInstanceOf(LxdException.class).hasMessageContaining(garbage.toString());
        assertThatThrownBy(() -> Pem.readCertificate(dir.resolve("missing.crt")))
                .isInstanceOf(LxdException.class).hasMessageContaining("missing.crt");
        // a certificate file is not a key
        TestCertificates.Generated g = TestCertificates.generate(dir, "c", KeyFormat.PKCS8);
        assertThatThrownBy(() -> Pem.readPrivateKey(g.certificateFile()))
                .isInstanceOf(LxdException.class).hasMessageContaining("no private key");
    }

    @Test
    void pinnedTrustManagerAcceptsOnlyThePinnedCertificate() throws Exception {
        X509Certificate pinned = TestCertificates.generate(dir, "server", KeyFormat.PKCS8).certificate();
        X509Certificate other = TestCertificates.generate(dir, "other", KeyFormat.PKCS8).certificate();
        PinnedTrustManager tm = new PinnedTrustManager(pinned);

        tm.checkServerTrusted(new X509Certificate[] {pinned}, "ECDHE_ECDSA");
        assertThatThrownBy(() -> tm.checkServerTrusted(new X509Certificate[] {other}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining(Pem.fingerprint(other)).hasMessageContaining(Pem.fingerprint(pinned));
        assertThatThrownBy(() -> tm.checkServerTrusted(new X509Certificate[0], "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
        assertThat(tm.getAcceptedIssuers()).containsExactly(pinned);
    }
}
