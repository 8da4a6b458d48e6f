package org.bcm.rpcproxy;

/**
 * Unchecked root of every failure to configure or start the proxy. {@link #reason()} tells which
 * kind, and so which exit code {@code bcm-rpcproxy} ends with; the message names the setting or the
 * address and what to do.
 */
public class RpcProxyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Kinds of failure, with the exit code of {@code bcm-rpcproxy} for each. */
    public enum Reason {
        /** A flag, config key or value is invalid, or a required one is missing (exit 2). */
        INVALID_CONFIG(2),
        /** The listen or metrics address cannot be bound: in use, not local, not permitted (exit 3). */
        CANNOT_LISTEN(3),
        /** The block cache directory cannot be created or written (exit 4). */
        CACHE_UNUSABLE(4),
        /** The proxy's own cookie file ({@code rpccookiefile}) cannot be written (exit 5). */
        COOKIE_UNWRITABLE(5);

        private final int exitCode;

        Reason(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final Reason reason;

    public RpcProxyException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public RpcProxyException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }

    static RpcProxyException invalid(String message) {
        return new RpcProxyException(Reason.INVALID_CONFIG, message);
    }
}
