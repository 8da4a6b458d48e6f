package org.bcm.core;

import java.util.Objects;

/**
 * The one exception bcm-core throws for anything an operator can act on: it names what failed
 * ({@link #getMessage()}), what to do about it ({@link #hint()}), and which documented exit code the
 * command line ends with ({@link Kind#exitCode()}; the table is in {@code docs/exit-codes.md}).
 * Adapter exceptions (LXD, Docker) are wrapped, never shown raw.
 */
public class BcmException extends RuntimeException {

    /** What kind of failure this is; each kind has its own exit code. */
    public enum Kind {
        /** Something unexpected: a bug, or a failure no other kind describes. */
        INTERNAL(1),
        /** An invalid name, option or file given by the operator. */
        INVALID_INPUT(2),
        /** A cluster or project that does not exist. */
        NOT_FOUND(3),
        /** A name already used by something bcm did not create. */
        CONFLICT(4),
        /** LXD is not installed, not running, or refuses us. */
        LXD_UNAVAILABLE(5),
        /** A Docker daemon or the swarm inside the cluster failed or does not answer. */
        DOCKER_FAILED(6),
        /** {@code bcm cluster verify} found a failing piece. */
        VERIFY_FAILED(7),
        /** A host prerequisite (debootstrap, tar, root privileges) is missing. */
        HOST_PREREQUISITE(8),
        /** Something did not reach the expected state in time (also: no decision on the Trezor in time). */
        TIMEOUT(9),
        /** No Trezor found, or it went away (unplugged, stopped answering). */
        DEVICE_UNAVAILABLE(10),
        /** The request was refused on the Trezor, or PIN or passphrase entry was cancelled. */
        DEVICE_CANCELLED(11),
        /** The PIN entered was wrong. */
        WRONG_PIN(12),
        /** The Trezor refused the request or broke the protocol (not initialised, unexpected message, bad data). */
        DEVICE_FAILED(13);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        /** The process exit code the CLI ends with for this kind. */
        public int exitCode() {
            return exitCode;
        }
    }

    private final Kind kind;
    private final String hint;

    public BcmException(Kind kind, String message, String hint) {
        this(kind, message, hint, null);
    }

    public BcmException(Kind kind, String message, String hint, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind);
        this.hint = hint;
    }

    public Kind kind() {
        return kind;
    }

    /** What the operator can do about it, or {@code null} when there is nothing to suggest. */
    public String hint() {
        return hint;
    }
}
