package org.bcm.core.identity.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;

/**
 * Logs in with the real OpenSSH client through an {@link SshAgent} that serves one device key: the
 * agent listens in a fresh 0700 directory under the temporary directory for as long as
 * {@code ssh -o IdentityAgent=SOCKET [-p PORT] [user@]host ARGS...} runs, and is removed after.
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
        String path = environment.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "ssh"))) {
                return Path.of(dir, "ssh");
            }
        }
        throw new BcmException(BcmException.Kind.HOST_PREREQUISITE, "the OpenSSH client `ssh` is not on the PATH (" + path + ")",
                "apt-get install openssh-client");
    }

    /**
     * The command line: {@code ssh -o IdentityAgent=SOCKET [-p PORT] [user@]host ARGS...}. The port is
     * {@code port}, else the identity's own, else ssh's default; {@code args} may hold further ssh
     * options (OpenSSH reads options after the destination too) and then the remote command.
     */
    public static List<String> command(Path ssh, Path socket, SshPublicKey key, Integer port, List<String> args) {
        List<String> command = new ArrayList<>(List.of(ssh.toString(), "-o", "IdentityAgent=" + socket));
        String effectivePort = port != null ? port.toString() : key.identity().port();
        if (effectivePort != null && !effectivePort.isEmpty()) {
            command.addAll(List.of("-p", effectivePort));
        }
        String user = key.identity().user();
        command.add(user == null || user.isEmpty() ? key.identity().host() : user + "@" + key.identity().host());
        command.addAll(args);
        return command;
    }

    /**
     * Runs ssh to completion with an agent serving {@code key}, then stops the agent.
     *
     * @param io how ssh's standard streams are connected, e.g. {@code ProcessBuilder::inheritIO}
     * @return ssh's exit code (255 for ssh's own errors, a refused login among them)
     * @throws BcmException HOST_PREREQUISITE when ssh is missing, INTERNAL when it cannot be started
     */
    public static int connect(SshPublicKey key, DeviceKeys device, Integer port, List<String> args, UnaryOperator<ProcessBuilder> io)
            throws InterruptedException {
        Path ssh = findSsh(System.getenv());
        Path dir;
        try {
            dir = Files.createTempDirectory("bcm-ssh-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "cannot create a directory for the agent socket: " + e.getMessage(),
                    "check TMPDIR", e);
        }
        SshAgent agent = SshAgent.start(dir.resolve("agent.sock"), List.of(key), device);
        Thread cleanup = new Thread(() -> stop(agent, dir), "ssh-agent-stop");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Process process = null;
        try {
            ProcessBuilder builder = io.apply(new ProcessBuilder(command(ssh, agent.socket(), key, port, args)));
            builder.environment().put("SSH_AUTH_SOCK", agent.socket().toString());
            process = builder.start();
            return process.waitFor();
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "cannot run " + ssh + ": " + e.getMessage(), "apt-get install openssh-client", e);
        } finally {
            if (process != null && process.isAlive()) {
                process.destroy();
            }
            stop(agent, dir);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway; stopping twice is harmless
            }
        }
    }

    private static void stop(SshAgent agent, Path dir) {
        agent.close();
        BcmHome.deleteTree(dir);
    }
}
