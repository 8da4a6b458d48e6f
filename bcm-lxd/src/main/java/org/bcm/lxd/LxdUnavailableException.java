package org.bcm.lxd;

/**
 * LXD cannot be reached at all: the unix socket is missing or refuses connections, the HTTPS
 * endpoint is unreachable, or the TLS handshake failed (for example because the server's
 * certificate is not the pinned one). The message names the socket path or URL. {@link
 * #statusCode()} is always 0.
 */
public class LxdUnavailableException extends LxdException {

    private static final long serialVersionUID = 1L;

    public LxdUnavailableException(String message, Throwable cause) {
        super(message, 0, null, cause);
    }

    public LxdUnavailableException(String message) {
        this(message, null);
    }
}
