package org.bcm.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * The one place where LXD's answers and transport failures become {@link LxdException}s.
 *
 * <p>LXD reports errors as {@code {"type":"error","error":"...","error_code":N}}; background
 * operations report {@code status "Failure"} with an {@code err} text.
 */
final class LxdErrors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_IN_MESSAGE = 200;

    private LxdErrors() {
    }

    /**
     * An error reply of the REST API.
     *
     * @param httpStatus HTTP status of the reply
     * @param body reply body (LXD's error JSON, or anything else a proxy might send)
     * @param attempted what was attempted, e.g. {@code "creating instance 'x'"}
     */
    static LxdException fromResponse(int httpStatus, byte[] body, String attempted) {
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
        String error = null;
        int code = httpStatus;
        try {
            JsonNode node = JSON.readTree(text);
            if (node != null && node.isObject()) {
                String e = node.path("error").asText("");
                if (!e.isEmpty()) {
                    error = e;
                }
                int c = node.path("error_code").asInt(0);
                if (c > 0) {
                    code = c;
                }
            }
        } catch (IOException notJson) {
            // fall through: use the raw text
        }
        if (error == null) {
            String raw = text.strip();
            if (raw.length() > MAX_BODY_IN_MESSAGE) {
                raw = raw.substring(0, MAX_BODY_IN_MESSAGE) + "...";
            }
            error = raw.isEmpty() ? "HTTP " + httpStatus : "HTTP " + httpStatus + ": " + raw;
        }
        return new LxdException(failed(attempted, error, code), code, error, null);
    }

    /** A background operation that ended in "Failure" or "Cancelled". */
    static LxdException fromOperation(String attempted, Operation op) {
        String err = op.err().isEmpty() ? op.status() : op.err();
        int code = op.statusCode() > 0 ? op.statusCode() : 400;
        String message = failed(attempted, err, code) + " [operation " + op.id() + " '" + op.description() + "' "
                + op.status() + "]";
        return new LxdException(message, code, err, null);
    }

    /** A background operation that was still running when the wait ended. */
    static LxdException operationTimeout(String attempted, Operation op, long waitedSeconds) {
        String message = "Failed " + attempted + ": operation " + op.id() + " '" + op.description()
                + "' still " + op.status() + " after waiting " + waitedSeconds + " s";
        return new LxdException(message, 0, null, null);
    }

    /**
     * A failure below HTTP: no answer from LXD. Connect-phase failures (socket missing, connection
     * refused, TLS handshake) become {@link LxdUnavailableException}; anything else (a timeout, a
     * connection cut mid-reply) a plain {@link LxdException} with status 0.
     *
     * @param target the socket path or URL, for the message
     */
    static LxdException fromTransport(IOException e, String attempted, String target) {
        String reason = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof PinnedTrustManager.Mismatch) {
                return new LxdCertificateMismatchException("Failed " + attempted + ": LXD at " + target + " presented a "
                        + cause.getMessage(), e);
            }
        }
        if (isUnavailable(e)) {
            return new LxdUnavailableException("Failed " + attempted + ": cannot connect to LXD at " + target
                    + " (" + reason + ")", e);
        }
        if (e instanceof InterruptedIOException) {
            return new LxdException("Failed " + attempted + ": no answer from LXD at " + target
                    + " in time (" + reason + ")", 0, null, e);
        }
        return new LxdException("Failed " + attempted + ": connection to LXD at " + target + " failed ("
                + reason + ")", 0, null, e);
    }

    static boolean isUnavailable(IOException e) {
        if (e instanceof SSLException || e instanceof ConnectException || e instanceof NoRouteToHostException
                || e instanceof UnknownHostException || e instanceof FileNotFoundException) {
            return true;
        }
        if (e instanceof SocketException) {
            // junixsocket's ConnectionRefusedSocketException, AddressUnavailableSocketException... are
            // plain SocketExceptions: tell connect-phase failures from a connection cut later by name
            String type = e.getClass().getSimpleName();
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            return type.startsWith("ConnectionRefused") || type.startsWith("AddressUnavailable")
                    || type.startsWith("NetworkUnreachable") || m.contains("connection refused")
                    || m.contains("no such file") || m.contains("permission denied")
                    || m.contains("network is unreachable");
        }
        return false;
    }

    /** {@code "Failed <attempted>: <error> (<code>)"}. */
    static String failed(String attempted, String error, int code) {
        return "Failed " + attempted + ": " + error + " (" + code + ")";
    }
}
