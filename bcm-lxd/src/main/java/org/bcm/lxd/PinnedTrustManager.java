package org.bcm.lxd;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly one server certificate (LXD's {@code server.crt}) and nothing else: no CA, no
 * host name check (the pin replaces both, as with {@code lxc remote add}).
 */
final class PinnedTrustManager extends X509ExtendedTrustManager {

    private final X509Certificate pinned;
    private final String pinnedFingerprint;

    PinnedTrustManager(X509Certificate pinned) {
        this.pinned = pinned;
        this.pinnedFingerprint = Pem.fingerprint(pinned);
    }

    X509Certificate pinned() {
        return pinned;
    }

    /** True when the session's peer presented the pinned certificate. */
    boolean matches(SSLSession session) {
        try {
            java.security.cert.Certificate[] peer = session.getPeerCertificates();
            return peer.length > 0 && peer[0].equals(pinned);
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return false;
        }
    }

    void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("server presented no certificate");
        }
        if (!chain[0].equals(pinned)) {
            throw new Mismatch("server certificate (SHA-256 " + Pem.fingerprint(chain[0])
                    + ") is not the pinned certificate (SHA-256 " + pinnedFingerprint + ")");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("client side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {pinned};
    }

    /** The server presented another certificate than the pinned one. */
    static final class Mismatch extends CertificateException {
        private static final long serialVersionUID = 1L;

        Mismatch(String message) {
            super(message);
        }
    }
}
