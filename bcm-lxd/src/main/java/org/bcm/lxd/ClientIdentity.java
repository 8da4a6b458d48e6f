package org.bcm.lxd;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS side of talking to a remote LXD: the client certificate a controller presents, and the
 * server certificate it pins.
 */
public final class ClientIdentity {

    private ClientIdentity() {
    }

    /**
     * A client certificate and its key, PEM.
     *
     * @param certificatePem the self-signed certificate
     * @param keyPem         its PKCS#8 private key, unencrypted: the caller stores it mode 0600
     */
    public record Generated(String certificatePem, String keyPem) {
        @Override
        public String toString() {
            return "client certificate (key withheld)";
        }
    }

    /**
     * Makes a new self-signed client certificate: ECDSA P-384, SHA-384, valid 10 years, like {@code
     * lxc}'s {@code client.crt}.
     *
     * @param commonName the certificate's CN, e.g. {@code bcm@laptop}
     */
    public static Generated generate(String commonName) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp384r1"), new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=" + commonName.replaceAll("[,=+<>#;\"\\\\]", "_") + ",O=bcm");
            Instant now = Instant.now();
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                    name, new BigInteger(128, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(3650))), name, pair.getPublic())
                    .build(new JcaContentSignerBuilder("SHA384withECDSA").build(pair.getPrivate())));
            String key = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            return new Generated(Pem.toPem(certificate), key);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("The JDK cannot make an ECDSA P-384 certificate: " + e.getMessage(), e);
        }
    }

    /** The SHA-256 fingerprint (lower-case hex of the DER) of a PEM certificate, as LXD names certificates. */
    public static String fingerprint(String pemCertificate) {
        return Pem.fingerprint(Pem.parseCertificate(pemCertificate));
    }

    /**
     * The certificate an HTTPS endpoint presents, read without trusting it (a TLS handshake that
     * accepts any certificate and sends none): to be checked against a fingerprint learnt elsewhere
     * (a trust token, the operator) before it is pinned.
     *
     * @return the server certificate, PEM
     * @throws LxdUnavailableException when the endpoint does not answer TLS within 10 s
     */
    public static String serverCertificate(URI endpoint) {
        X509Certificate[] seen = new X509Certificate[1];
        TrustManager recorder = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen[0] = chain.length > 0 ? chain[0] : null;
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        int port = endpoint.getPort() < 0 ? 8443 : endpoint.getPort();
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {recorder}, null);
            try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
                socket.connect(new InetSocketAddress(endpoint.getHost(), port), 10_000);
                socket.setSoTimeout(10_000);
                socket.startHandshake();
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new LxdUnavailableException("Cannot read the TLS certificate of LXD at " + endpoint + ": " + e.getMessage(), e);
        }
        if (seen[0] == null) {
            throw new LxdUnavailableException("LXD at " + endpoint + " presented no certificate");
        }
        return Pem.toPem(seen[0]);
    }
}
