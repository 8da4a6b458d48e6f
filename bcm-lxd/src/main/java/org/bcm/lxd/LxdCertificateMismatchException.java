package org.bcm.lxd;

/**
 * The HTTPS endpoint presented a server certificate other than the pinned one: either the endpoint
 * was reinstalled (new {@code server.crt}) or something else answers at its address. The message
 * gives both SHA-256 fingerprints.
 */
public final class LxdCertificateMismatchException extends LxdUnavailableException {

    private static final long serialVersionUID = 1L;

    public LxdCertificateMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
