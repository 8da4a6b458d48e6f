package org.bcm.lxd;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** Self-signed certificates made with BouncyCastle, written as PEM files, for tests. */
final class TestCertificates {

    enum KeyFormat { PKCS8, SEC1_EC, PKCS1_RSA }

    record Generated(X509Certificate certificate, KeyPair keyPair, Path certificateFile, Path keyFile) {
        String certificatePem() throws IOException {
            return Files.readString(certificateFile);
        }
    }

    private TestCertificates() {
    }

    /** An EC P-384 (or RSA 2048 for {@link KeyFormat#PKCS1_RSA}) self-signed client certificate. */
    static Generated generate(Path dir, String commonName, KeyFormat format) throws Exception {
        boolean rsa = format == KeyFormat.PKCS1_RSA;
        KeyPairGenerator kpg = KeyPairGenerator.getInstance(rsa ? "RSA" : "EC");
        if (rsa) {
            kpg.initialize(2048);
        } else {
            kpg.initialize(new ECGenParameterSpec("secp384r1"));
        }
        KeyPair kp = kpg.generateKeyPair();
        X500Name name = new X500Name("O=bcm-lxd tests,CN=" + commonName);
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
        ContentSigner signer = new JcaContentSignerBuilder(rsa ? "SHA256withRSA" : "SHA384withECDSA")
                .build(kp.getPrivate());
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer));

        Path certFile = dir.resolve(commonName + ".crt");
        Path keyFile = dir.resolve(commonName + ".key");
        Files.writeString(certFile, pem(cert));
        Object key = switch (format) {
            case PKCS8 -> new JcaPKCS8Generator(kp.getPrivate(), null);
            case SEC1_EC -> sec1(kp);
            case PKCS1_RSA -> kp;
        };
        Files.writeString(keyFile, pem(key));
        return new Generated(cert, kp, certFile, keyFile);
    }

    /**
     * A SEC1 {@code EC PRIVATE KEY} with curve parameters and public key, as openssl and Go write it
     * (BouncyCastle's writer leaves both out for JDK keys).
     */
    static PemObject sec1(KeyPair kp) throws IOException {
        PrivateKeyInfo pki = PrivateKeyInfo.getInstance(kp.getPrivate().getEncoded());
        ECPrivateKey inner = ECPrivateKey.getInstance(pki.parsePrivateKey());
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded());
        ECPrivateKey sec1 = new ECPrivateKey(384, inner.getKey(), spki.getPublicKeyData(),
                pki.getPrivateKeyAlgorithm().getParameters());
        return new PemObject("EC PRIVATE KEY", sec1.getEncoded());
    }

    static String pem(Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }
}
