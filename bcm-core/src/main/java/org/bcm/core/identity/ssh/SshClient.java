package org.bcm.core.identity.ssh;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.process.ExternalProgram;

/**
 * Logs in with the real OpenSSH client through an {@link SshAgent} that serves one device key: the
 * agent listens in a fresh 0700 directory under the temporary directory for as long as
 * {@code ssh -o IdentityAgent=SOCKET [-o OPTION]... [-l USER] [-p PORT] -- HOST [COMMAND...]} runs,
 * and is removed after. The user and port are option arguments and the host comes after {@code --},
 * so no part of an identity can be read by ssh as an option.
 */
public final class SshClient {

    private SshClient() {
    }

    /**
     * The {@code ssh} executable on {@code PATH}.
     *
     * @throws BcmException HOST_PREREQUISITE when there is none
     */
    public static Path findSsh(Map<String, String> environment) {
        Path ssh = ExternalProgram.SSH.find(environment);
        if (ssh == null) {
            throw new BcmException(BcmException.Kind.HOST_PREREQUISITE, "the OpenSSH client `ssh` is not on the PATH ("
                    + environment.getOrDefault("PATH", "") + ")", "apt-get install openssh-client");
        }
        return ssh;
    }

    /**
     * The command line: {@code ssh -o IdentityAgent=SOCKET [-o OPTION]... [-l USER] [-p PORT] -- HOST
     * [COMMAND...]}. The port is {@code port}, else the identity's own, else ssh's default.
     *
     * @param options ssh_config options as {@code Keyword=value} (ssh's {@code -o}), e.g. {@code BatchMode=yes}
     * @param command the remote command and its arguments, or empty for a login shell
     * @throws BcmException INVALID_INPUT for an option that is not {@code Keyword=value}, or an identity
     *     outside the safe set ({@link SshPublicKey#identity})
     */
    public static ExternalProgram.Call command(Path socket, SshPublicKey key, Integer port, List<String> options, List<String> command) {
        try {
            SshPublicKey.requireSafe(key.identity());
        } catch (IllegalArgumentException e) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "bad ssh identity: " + e.getMessage(), "see bcm ssh list");
        }
        List<String> argv = new ArrayList<>(List.of("-o", "IdentityAgent=" + socket));
        for (String option : options) {
            if (!option.matches("[A-Za-z][A-Za-z0-9]*=.*")) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "bad ssh option '" + option + "'",
                        "give ssh_config options as KEYWORD=VALUE, e.g. -o BatchMode=yes");
            }
            argv.addAll(List.of("-o", option));
        }
        String user = key.identity().user();
        if (user != null && !user.isEmpty()) {
            argv.addAll(List.of("-l", user));
        }
        String effectivePort = port != null ? port.toString() : key.identity().port();
        if (effectivePort != null && !effectivePort.isEmpty()) {
            argv.addAll(List.of("-p", effectivePort));
        }
        List<String> operands = new ArrayList<>();
        operands.add(key.identity().host());
        operands.addAll(command);
        return ExternalProgram.SSH.with(argv).operands(operands);
    }

    /** How the ssh command line is run: on the terminal ({@link #ON_TERMINAL}), or captured (tests). */
    @FunctionalInterface
    public interface Runner {
        /** Runs {@code ssh} to completion and returns its exit code. */
        int run(ExternalProgram.Call ssh) throws InterruptedException;
    }

    /** ssh on bcm's own terminal. */
    public static final Runner ON_TERMINAL = ExternalProgram.Call::interactive;

    /**
     * Runs ssh to completion with an agent serving {@code key}, then stops the agent.
     *
     * @param runner how ssh runs, usually {@link #ON_TERMINAL}
     * @return ssh's exit code (255 for ssh's own errors, a refused login among them)
     * @throws BcmException HOST_PREREQUISITE when ssh is missing, INVALID_INPUT for a bad option
     */
    public static int connect(SshPublicKey key, DeviceKeys device, Integer port, List<String> options, List<String> command,
                              Runner runner) throws InterruptedException {
        findSsh(System.getenv());
        SshAgent agent = SshAgent.startPrivate(List.of(key), device);
        Thread cleanup = new Thread(agent::close, "ssh-agent-stop");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return runner.run(command(agent.socket(), key, port, options, command)
                    .environment(Map.of("SSH_AUTH_SOCK", agent.socket().toString())));
        } finally {
            agent.close();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway; stopping twice is harmless
            }
        }
    }
}
