package org.bcm.swarm;

/**
 * Unchecked root of every failure reported by {@link DockerEngine}.
 *
 * <p>The message names what was attempted, the engine endpoint and the engine's own error text,
 * for example {@code "Failed initialising swarm on unix:///var/lib/bcm/d1.sock: This node is
 * already part of a swarm. ... (HTTP 503)"}. {@link #statusCode()} is the HTTP status the engine
 * answered with, or 0 when no answer was received (socket missing, connection refused, connection
 * closed, timeout, unreadable reply); those transport failures are raised as the subclass {@link
 * DockerEngineUnavailableException}.
 */
public class DockerEngineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int statusCode;
    private final String endpoint;
    private final String engineMessage;

    /**
     * @param message full message (what was attempted, where, and why it failed)
     * @param statusCode HTTP status of the engine's reply, 0 when the engine did not answer
     * @param endpoint the engine endpoint, for example {@code unix:///run/bcm/d1.sock}
     * @param engineMessage the engine's own error text (the {@code message} field), or {@code null}
     * @param cause underlying cause, or {@code null}
     */
    public DockerEngineException(
            String message, int statusCode, String endpoint, String engineMessage, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
        this.endpoint = endpoint;
        this.engineMessage = engineMessage;
    }

    /** HTTP status of the engine's reply, or 0 when no reply was received. */
    public int statusCode() {
        return statusCode;
    }

    /** The engine endpoint the failed call was aimed at, for example {@code unix:///path.sock}. */
    public String endpoint() {
        return endpoint;
    }

    /** The engine's own error text (the {@code message} field of its JSON reply), or {@code null}. */
    public String engineMessage() {
        return engineMessage;
    }

    /** True when the engine answered 404 (no such node, or no such object). */
    public boolean isNotFound() {
        return statusCode == 404;
    }

    /**
     * True when the engine answered 503, which Docker uses for "This node is not part of a swarm",
     * "This node is not a swarm manager" and "This node is already part of a swarm".
     */
    public boolean isSwarmStateUnsuitable() {
        return statusCode == 503;
    }

    /**
     * True when an update was refused because the object's version changed in between. Docker 20.10
     * reports this as HTTP 500 "rpc error: code = Unknown desc = update out of sequence"; 409 is
     * accepted too.
     */
    public boolean isVersionConflict() {
        return statusCode == 409
                || (statusCode == 500
                        && engineMessage != null
                        && engineMessage.contains("update out of sequence"));
    }
}
