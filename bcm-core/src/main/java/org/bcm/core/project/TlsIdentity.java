package org.bcm.core.project;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS key and self-signed certificate of a service (an Electrum server's SSL port): an RSA 2048
 * key, and a certificate for it (SHA-256 with RSA, valid 10 years, the service's name as CN and DNS
 * name), both PEM (RFC 7468), made with BouncyCastle. Each is generated once per project and kept
 * with its secrets: wallets pin a self-signed certificate the first time they see it, so it must not
 * change with a redeploy.
 */
final class TlsIdentity {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TlsIdentity() {
    }

    /** A new RSA 2048 private key, PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    static byte[] newKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return pem(generator.generateKeyPair().getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make RSA keys", e);
        }
    }

    /**
     * A self-signed certificate for the PEM private key {@code keyPem}, PEM ({@code BEGIN CERTIFICATE}).
     *
     * @param name the service's name: CN and DNS subject alternative name
     * @throws IllegalArgumentException when {@code keyPem} is no RSA private key
     */
    static byte[] selfSigned(byte[] keyPem, String name) {
        try (PEMParser parser = new PEMParser(new java.io.StringReader(new String(keyPem, StandardCharsets.US_ASCII)))) {
            Object read = parser.readObject();
            PrivateKey key = new JcaPEMKeyConverter().getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) read);
            if (!(key instanceof RSAPrivateCrtKey rsa)) {
                throw new IllegalArgumentException("not an RSA private key");
            }
            PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + name);
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, RANDOM).abs(),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), subject, publicKey);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
            X509CertificateHolder certificate = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(key));
            return pem(certificate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException | ClassCastException e) {
            throw new IllegalArgumentException("cannot make a certificate for this key: " + e.getMessage(), e);
        }
    }

    private static byte[] pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object instanceof PrivateKey key ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null) : object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The key pair of a PEM private key (tests). */
    static KeyPair keyPair(byte[] keyPem) throws IOException, GeneralSecurityException {
        try (PEMParser parser = new PEMParser(new java.io.StringReader(new String(keyPem, StandardCharsets.US_ASCII)))) {
            RSAPrivateCrtKey key = (RSAPrivateCrtKey) new JcaPEMKeyConverter().getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) parser.readObject());
            return new KeyPair(KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent())), key);
        }
    }
}
