package org.bcm.swarm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place where failures of docker-java, of the HTTP transport and of the call deadline
 * become {@link DockerEngineException}s.
 */
final class EngineErrors {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** docker-java formats its messages as {@code "Status 404: <reply body>"}. */
    private static final Pattern STATUS_PREFIX = Pattern.compile("^Status -?\\d+: ?", Pattern.DOTALL);

    private EngineErrors() {}

    /**
     * Turns a failure of a call into the exception to throw.
     *
     * @param action what was attempted, as a gerund phrase ("initialising the swarm")
     * @param endpoint the engine endpoint ("unix:///path.sock")
     * @param responseTimeout the deadline the call had, named in timeout messages
     * @param failure what the call threw, or the {@link TimeoutException} of its deadline
     * @return a {@link DockerEngineException}, or {@code failure} itself when it is an unchecked
     *     exception that does not come from the engine or the transport (a programming error)
     */
    static RuntimeException translate(
            String action, String endpoint, Duration responseTimeout, Throwable failure) {
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure instanceof DockerEngineException engineException) {
            return engineException;
        }
        if (failure instanceof DockerException dockerException) {
            int status = dockerException.getHttpStatus();
            String engineMessage = engineMessage(dockerException.getMessage());
            return new DockerEngineException(
                    "Failed " + action + " on " + endpoint + ": "
                            + (engineMessage == null ? "no error text" : engineMessage)
                            + " (HTTP " + status + ")",
                    status, endpoint, engineMessage, failure);
        }
        if (failure instanceof TimeoutException) {
            return new DockerEngineUnavailableException(
                    "Failed " + action + " on " + endpoint + ": the engine did not reply within "
                            + describe(responseTimeout),
                    endpoint, failure);
        }
        if (failure instanceof DockerClientException) {
            return new DockerEngineException(
                    "Failed " + action + " on " + endpoint + ": " + failure.getMessage(),
                    0, endpoint, null, failure);
        }
        IOException io = ioCause(failure);
        if (io instanceof JsonProcessingException json) {
            return new DockerEngineException(
                    "Failed " + action + " on " + endpoint + ": unreadable reply from the engine ("
                            + json.getOriginalMessage() + ")",
                    0, endpoint, null, failure);
        }
        if (io != null) {
            return new DockerEngineUnavailableException(
                    "Failed " + action + " on " + endpoint + ": " + transportReason(io, endpoint),
                    endpoint, failure);
        }
        if (failure instanceof RuntimeException runtime) {
            return runtime;
        }
        // A checked exception that is not an IOException: nothing in docker-java throws one.
        return new DockerEngineException(
                "Failed " + action + " on " + endpoint + ": " + failure,
                0, endpoint, null, failure);
    }

    /** The exception for an object the engine does not know, found missing by a list call. */
    static DockerEngineException notFound(String action, String endpoint, String what) {
        return new DockerEngineException(
                "Failed " + action + " on " + endpoint + ": " + what + " not found (HTTP 404)",
                404, endpoint, what + " not found", null);
    }

    /** The exception for a call interrupted while it waited for the engine. */
    static DockerEngineException interrupted(String action, String endpoint, InterruptedException e) {
        return new DockerEngineException(
                "Interrupted while " + action + " on " + endpoint, 0, endpoint, null, e);
    }

    /**
     * The engine's own error text from a docker-java message {@code "Status 409: {"message":"..."}"}:
     * the JSON {@code message} field, or the trimmed body when it is not JSON; {@code null} when
     * there is none.
     */
    static String engineMessage(String dockerJavaMessage) {
        if (dockerJavaMessage == null) {
            return null;
        }
        Matcher prefix = STATUS_PREFIX.matcher(dockerJavaMessage);
        String body = (prefix.find() ? dockerJavaMessage.substring(prefix.end()) : dockerJavaMessage).strip();
        if (body.isEmpty()) {
            return null;
        }
        if (body.startsWith("{")) {
            try {
                JsonNode message = JSON.readTree(body).get("message");
                if (message != null && message.isTextual()) {
                    String text = message.asText().strip();
                    return text.isEmpty() ? null : text;
                }
            } catch (JsonProcessingException e) {
                // not JSON after all: use the body as it is
            }
        }
        return body;
    }

    private static IOException ioCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static String transportReason(IOException io, String endpoint) {
        String socket = endpoint.startsWith("unix://") ? endpoint.substring("unix://".length()) : endpoint;
        String message = io.getMessage() == null ? "" : io.getMessage();
        if (io instanceof java.nio.file.NoSuchFileException || message.contains("No such file or directory")) {
            return "no socket at " + socket + " (the engine is not exposed there)";
        }
        if (io instanceof java.net.ConnectException || message.contains("Connection refused")) {
            return "nothing is listening on socket " + socket;
        }
        if (message.contains("Permission denied")) {
            return "permission denied on socket " + socket;
        }
        if (io instanceof ClosedByInterruptException) {
            return "the call was interrupted";
        }
        if (io.getClass().getSimpleName().equals("NoHttpResponseException")
                || message.contains("failed to respond")) {
            return "the engine closed the connection without replying";
        }
        return "the engine did not answer (" + io.getClass().getSimpleName()
                + (message.isEmpty() ? "" : ": " + message) + ")";
    }

    private static String describe(Duration duration) {
        if (duration.toMillis() % 1000 == 0) {
            return duration.toSeconds() + " s";
        }
        return duration.toMillis() + " ms";
    }
}
