package org.bcm.swarm;

/**
 * A stack file {@link ComposeFile#parse} cannot accept. The message is one line: the file's origin,
 * where in it (the dotted key path, or the line and column of a YAML syntax error) and what is
 * wrong, for example {@code stacks/gateway/stack.yml: services.tor.deploy.replicas: expected an
 * integer, got "x"}.
 */
public final class ComposeFileException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** @param message the complete one-line message (origin, location, problem) */
    public ComposeFileException(String message) {
        super(message);
    }
}
