package org.bcm.core;

import java.util.Objects;

/**
 * The one exception bcm-core throws for anything an operator can act on: it names what failed
 * ({@link #getMessage()}), what to do about it ({@link #hint()}), and which documented exit code the
 * command line ends with ({@link Kind#exitCode()}; the table is in {@code docs/exit-codes.md}).
 * Adapter exceptions (LXD, Docker) are wrapped, never shown raw.
 */
public class BcmException extends RuntimeException {

    /**
     * What kind of failure this is; each kind has its own exit code. The codes and their meanings are
     * the one source of {@code bcm --help}'s list and of {@code docs/exit-codes.md} (a test compares them).
     */
    public enum Kind {
        /** Something unexpected: a bug, or a failure no other kind describes. */
        INTERNAL(1, "internal error"),
        /** An invalid name, option or file given by the operator. */
        INVALID_INPUT(2, "invalid input or usage"),
        /** A cluster, project, stack, file, entry or identity that does not exist. */
        NOT_FOUND(3, "not found: a cluster, project, stack, file, entry or identity that does not exist"),
        /** A name or file taken by something bcm did not create; another identity; another project on the cluster. */
        CONFLICT(4, "conflict: a name or file taken by something bcm did not create, another identity or project"),
        /** LXD is not installed, not running, or refuses us. */
        LXD_UNAVAILABLE(5, "LXD not installed, not running or not trusting bcm"),
        /** A Docker daemon or the swarm inside the cluster failed or does not answer. */
        DOCKER_FAILED(6, "a Docker daemon or the swarm failed"),
        /** {@code bcm cluster verify} found a failing piece; a signature or integrity check failed. */
        VERIFY_FAILED(7, "verification failed"),
        /** A host prerequisite (debootstrap, tar, root privileges) is missing. */
        HOST_PREREQUISITE(8, "host prerequisite missing"),
        /** Something did not reach the expected state in time (also: no decision on the Trezor in time). */
        TIMEOUT(9, "timed out"),
        /** No Trezor found, or it went away (unplugged, stopped answering). */
        DEVICE_UNAVAILABLE(10, "no Trezor found, or it went away"),
        /** The request was refused on the Trezor, or PIN or passphrase entry was cancelled. */
        DEVICE_CANCELLED(11, "cancelled on the Trezor"),
        /** The PIN entered was wrong. */
        WRONG_PIN(12, "wrong PIN"),
        /** The Trezor refused the request or broke the protocol (not initialised, unexpected message, bad data). */
        DEVICE_FAILED(13, "the Trezor refused or broke the protocol"),
        /** SSH to an endpoint failed: unreachable, host key unknown or changed, login refused, a remote command failed. */
        SSH_FAILED(14, "SSH to an endpoint failed: unreachable, unknown or changed host key, login refused");

        private final int exitCode;
        private final String meaning;

        Kind(int exitCode, String meaning) {
            this.exitCode = exitCode;
            this.meaning = meaning;
        }

        /** The process exit code the CLI ends with for this kind. */
        public int exitCode() {
            return exitCode;
        }

        /** What the exit code means, as {@code bcm --help} and {@code docs/exit-codes.md} state it. */
        public String meaning() {
            return meaning;
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
