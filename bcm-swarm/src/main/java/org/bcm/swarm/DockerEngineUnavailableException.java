package org.bcm.swarm;

/**
 * The engine did not answer at all: the unix socket is missing or refuses connections, the
 * connection was closed before a reply (for example an LXD proxy device whose container's dockerd
 * is down), the reply did not arrive within the response timeout, or it could not be read. {@link
 * #statusCode()} is always 0 and the message names the socket.
 */
public class DockerEngineUnavailableException extends DockerEngineException {

    private static final long serialVersionUID = 1L;

    public DockerEngineUnavailableException(String message, String endpoint, Throwable cause) {
        super(message, 0, endpoint, null, cause);
    }
}
