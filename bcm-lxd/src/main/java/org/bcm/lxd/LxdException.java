package org.bcm.lxd;

/**
 * Unchecked root of every failure reported by {@link LxdClient}.
 *
 * <p>The message names what was attempted and carries LXD's own error text, for example
 * {@code "Failed creating instance 'x': Instance already exists (409)"}. {@link #statusCode()} is
 * LXD's {@code error_code} (which equals the HTTP status of the reply) for errors the daemon
 * reported, the operation's {@code status_code} (400 for "Failure", 401 for "Cancelled") for a
 * failed background operation, and 0 for failures where no answer from LXD was received
 * (transport errors, timeouts).
 */
public class LxdException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int statusCode;
    private final String lxdError;

    /**
     * @param message full message (what was attempted and why it failed)
     * @param statusCode LXD's error code / HTTP status, 0 when LXD did not answer
     * @param lxdError LXD's own error text, or {@code null}
     * @param cause underlying cause, or {@code null}
     */
    public LxdException(String message, int statusCode, String lxdError, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
        this.lxdError = lxdError;
    }

    /** An error without LXD error text and without a cause. */
    public LxdException(String message, int statusCode) {
        this(message, statusCode, null, null);
    }

    /** LXD's {@code error_code} / HTTP status, the operation status code, or 0 for transport failures. */
    public int statusCode() {
        return statusCode;
    }

    /** LXD's own error text (the {@code error} field or the operation's {@code err}), or {@code null}. */
    public String lxdError() {
        return lxdError;
    }

    /** True when LXD answered 404 (object not found). */
    public boolean isNotFound() {
        return statusCode == 404;
    }
}
