package org.bcm.rpcproxy;

/**
 * Why a call to bitcoind got no (complete) answer, and what the client is told instead.
 *
 * @param kind the kind
 * @param message a readable sentence naming bitcoind's address, never a credential
 */
record UpstreamFailure(Kind kind, String message) {

    /** Kinds, with the HTTP status the client gets for each. */
    enum Kind {
        /** bitcoind refused the connection or is unreachable: 503, retry later. */
        CONNECT(503, "connect"),
        /** No answer within upstream-timeout (504), or a pause of that long in the middle of one (connection closed). */
        TIMEOUT(504, "timeout"),
        /** The connection closed before the answer was complete: 502. */
        CLOSED(502, "closed"),
        /** The answer was not valid HTTP: 502. */
        PROTOCOL(502, "protocol"),
        /** bitcoind rejected the proxy's credentials, or the cookie is unreadable: 502 / 503. */
        AUTH(502, "auth"),
        /** The cookie file cannot be read (bitcoind not started?): 503. */
        CREDENTIALS(503, "credentials"),
        /** Too many requests already wait for a connection: 503 "Work queue depth exceeded". */
        QUEUE_FULL(503, "queue_full"),
        /** The proxy is shutting down: 503. */
        SHUTDOWN(503, "shutdown");

        final int status;
        final String label;

        Kind(int status, String label) {
            this.status = status;
            this.label = label;
        }
    }
}
