package org.bcm.core.identity.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.bcm.core.device.DeviceService;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.TestDevice;
import org.bcm.core.identity.TrezorKeys;
import org.bcm.core.process.ExternalProgram;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logins to the real OpenSSH server (Debian's {@code openssh-server}, {@code /usr/sbin/sshd} on a
 * free port of 127.0.0.1 with its own host key and authorized_keys file) with the real OpenSSH
 * client, through {@link SshAgent} signing on the development device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshServerIT {

    private static final List<String> CLIENT_OPTIONS = List.of("-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR");

    @TempDir
    static Path dir;
    private TestDevice device;
    private Process sshd;
    private int port;
    private Identity login;
    private SshPublicKey nist;
    private SshPublicKey ed;
    private Path authorizedKeys;

    /** The outcome of one ssh run. */
    record Run(int exitCode, String out, String err) { }

    @BeforeAll
    void startServer() throws Exception {
        Path sshdBinary = Path.of("/usr/sbin/sshd");
        assertThat(sshdBinary).as("Debian's openssh-server is missing: apt-get install openssh-server").exists();
        Files.createDirectories(Path.of("/run/sshd"));
        device = TestDevice.all();
        login = SshPublicKey.identity(System.getProperty("user.name") + "@127.0.0.1", 0);
        nist = SshPublicKey.of(device.keys(), login, Curve.NIST256P1);
        ed = SshPublicKey.of(device.keys(), login, Curve.ED25519);
        authorizedKeys = dir.resolve("authorized_keys");
        Files.writeString(authorizedKeys, nist.authorizedKeysLine() + "\n" + ed.authorizedKeysLine() + "\n");

        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString()));
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "ListenAddress 127.0.0.1",
                "Port " + port,
                "HostKey " + dir.resolve("host_key"),
                "AuthorizedKeysFile " + authorizedKeys,
                "StrictModes no",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "PermitRootLogin prohibit-password",
                "PidFile " + dir.resolve("sshd.pid"),
                "LogLevel VERBOSE", ""));
        sshd = new ProcessBuilder(sshdBinary.toString(), "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        Path log = dir.resolve("sshd.log");
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .failFast(() -> assertThat(sshd.isAlive()).as("sshd exited: " + Files.readString(log)).isTrue())
                .untilAsserted(() -> assertThat(accepts(port)).as("sshd does not listen on port " + port + "; its log:\n" + Files.readString(log))
                        .isTrue());
    }

    /** Whether a TCP connection to 127.0.0.1:{@code port} is accepted within half a second. */
    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    @AfterAll
    void stopServer() throws Exception {
        if (sshd != null) {
            sshd.destroy();
            sshd.waitFor(10, TimeUnit.SECONDS);
            System.out.println("--- sshd log\n" + Files.readString(dir.resolve("sshd.log")));
        }
        if (device != null) {
            device.close();
        }
    }

    @Test
    void aNist256p1IdentityLogsInAndRunsTheCommand() throws Exception {
        Run run = connect(nist, "echo", "ok");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("ok\n");
    }

    @Test
    void anEd25519IdentityLogsInAndRunsTheCommand() throws Exception {
        Run run = connect(ed, "echo", "ok");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("ok\n");
    }

    @Test
    void theRemoteCommandsExitCodeIsSshs() throws Exception {
        Run run = connect(ed, "exit", "3");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
    }

    @Test
    void anIdentityNotInAuthorizedKeysIsRefused() throws Exception {
        SshPublicKey stranger = SshPublicKey.of(device.keys(), SshPublicKey.identity(login.user() + "@127.0.0.1", 5), Curve.NIST256P1);
        Run run = connect(stranger, "echo", "ok");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(255);
        assertThat(run.err()).contains("Permission denied");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void openSshReadsTheAgentsKeysAndTheAuthorizedKeysLinesAsOurs() throws Exception {
        try (SshAgent agent = SshAgent.start(dir.resolve("agent/S.ssh-agent"), List.of(nist, ed), device.keys())) {
            ProcessBuilder sshAdd = new ProcessBuilder("ssh-add", "-L");
            sshAdd.environment().put("SSH_AUTH_SOCK", agent.socket().toString());
            Run listed = run(sshAdd);
            assertThat(listed.exitCode()).as(listed.toString()).isZero();
            assertThat(listed.out()).isEqualTo(nist.authorizedKeysLine() + "\n" + ed.authorizedKeysLine() + "\n");

            // ssh itself, finding the agent through SSH_AUTH_SOCK alone
            List<String> command = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port)));
            command.addAll(CLIENT_OPTIONS);
            command.addAll(List.of(login.user() + "@127.0.0.1", "echo", "ok"));
            ProcessBuilder ssh = new ProcessBuilder(command);
            ssh.environment().put("SSH_AUTH_SOCK", agent.socket().toString());
            Run loggedIn = run(ssh);
            assertThat(loggedIn.exitCode()).as(loggedIn.toString()).isZero();
            assertThat(loggedIn.out()).isEqualTo("ok\n");
        }
        Run fingerprints = run(List.of("ssh-keygen", "-l", "-f", authorizedKeys.toString()));
        assertThat(fingerprints.exitCode()).as(fingerprints.toString()).isZero();
        assertThat(fingerprints.out()).contains("256 " + nist.fingerprint() + " " + login + " (ECDSA)")
                .contains("256 " + ed.fingerprint() + " " + login + " (ED25519)");
    }

    @Test
    void aRefusalOnTheDeviceFailsThatLoginAndTheAgentServesTheNext() throws Exception {
        DevelopmentDevice.Settings settings = new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, null, false,
                DevelopmentDevice.Confirmation.DEBUG_LINK);
        try (TestDevice refusing = new TestDevice(settings)) {
            SshAgentTest.Deciding deciding = new SshAgentTest.Deciding(refusing);
            DeviceKeys keys = new TrezorKeys(new DeviceService(Map.of()), refusing.path(), deciding);
            try (SshAgent agent = SshAgent.start(dir.resolve("refusing/S.ssh-agent"), List.of(nist), keys)) {
                List<String> command = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port), "-o", "IdentityAgent=" + agent.socket()));
                command.addAll(CLIENT_OPTIONS);
                command.addAll(List.of(login.user() + "@127.0.0.1", "echo", "ok"));
                deciding.yes = false;
                Run refused = run(new ProcessBuilder(command));
                assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(255);
                assertThat(refused.err()).contains("agent refused operation").contains("Permission denied");
                deciding.yes = true;
                Run confirmed = run(new ProcessBuilder(command));
                assertThat(confirmed.exitCode()).as(confirmed.toString()).isZero();
                assertThat(confirmed.out()).isEqualTo("ok\n");
            }
        }
    }

    /** bcm's ssh connect: the options as ssh_config keywords (-o), the command after the host. */
    private Run connect(SshPublicKey key, String... command) throws Exception {
        List<String> options = new ArrayList<>();
        for (int i = 0; i < CLIENT_OPTIONS.size(); i += 2) {
            if (CLIENT_OPTIONS.get(i).equals("-o")) {
                options.add(CLIENT_OPTIONS.get(i + 1));
            }
        }
        ExternalProgram.Result[] result = new ExternalProgram.Result[1];
        int exit = SshClient.connect(key, device.keys(), port, options, List.of(command), ssh -> {
            result[0] = ssh.capture();
            return result[0].exit();
        });
        Run run = new Run(exit, result[0].out(), result[0].stderr());
        System.out.println("$ ssh " + key + " " + String.join(" ", command) + "\n" + run);
        return run;
    }

    private static Run run(List<String> command) throws Exception {
        return run(new ProcessBuilder(command));
    }

    private static Run run(ProcessBuilder builder) throws Exception {
        Process process = builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Run run = new Run(process.exitValue(), out, err.get());
        System.out.println("$ " + String.join(" ", builder.command()) + "\n" + run);
        return run;
    }
}
