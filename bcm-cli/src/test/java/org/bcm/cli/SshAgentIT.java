package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bcm.trezor.dev.UdpDeviceServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bcm ssh} as a real process, with the development device in this JVM and the real OpenSSH
 * server ({@code /usr/sbin/sshd}) on a free port of 127.0.0.1: newkey writes authorized_keys, connect
 * logs in through the in-process agent, agent serves what OpenSSH's {@code ssh-add -L} lists.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshAgentIT {

    private static final String MNEMONIC_ALL = "all all all all all all all all all all all all";
    /** After {@code --}: ssh options (OpenSSH reads them after the destination too), then the command. */
    private static final List<String> CLIENT_OPTIONS = List.of("-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR");

    @TempDir
    static Path dir;
    private UdpDeviceServer device;
    private Process sshd;
    private int port;
    private String user;
    private Path authorizedKeys;
    private BcmProcess bcm;

    @BeforeAll
    void start() throws Exception {
        device = UdpDeviceServer.start(new DevelopmentDevice(DevelopmentDevice.Settings.of(MNEMONIC_ALL)), 0);
        bcm = new BcmProcess(dir.resolve("home"));
        user = System.getProperty("user.name");
        authorizedKeys = dir.resolve("authorized_keys");
        Files.createDirectories(Path.of("/run/sshd"));
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString())
                .inheritIO().start();
        assertThat(keygen.waitFor()).isZero();
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n", "ListenAddress 127.0.0.1", "Port " + port, "HostKey " + dir.resolve("host_key"),
                "AuthorizedKeysFile " + authorizedKeys, "StrictModes no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "UsePAM no", "PermitRootLogin prohibit-password", "PidFile " + dir.resolve("sshd.pid"), ""));
        sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        Path log = dir.resolve("sshd.log");
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .failFast(() -> assertThat(sshd.isAlive()).as("sshd exited: " + Files.readString(log)).isTrue())
                .untilAsserted(() -> assertThat(accepts(port)).as("sshd does not listen on " + port + "; its log:\n" + Files.readString(log))
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
    void stop() throws Exception {
        if (sshd != null) {
            sshd.destroy();
            sshd.waitFor(10, TimeUnit.SECONDS);
        }
        if (device != null) {
            device.close();
        }
    }

    private String deviceOption() {
        return "--device=udp:127.0.0.1:" + device.port();
    }

    @Test
    void newkeyRecordsListsAndAuthorizesOnceThenConnectLogsIn() throws Exception {
        BcmProcess.Result created = bcm.run("ssh", "newkey", user + "@127.0.0.1", deviceOption(), "--authorized-keys=" + authorizedKeys);
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(created.out()).startsWith("ecdsa-sha2-nistp256 AAAA").endsWith(" ssh://" + user + "@127.0.0.1\n");
        BcmProcess.Result again = bcm.run("ssh", "newkey", user + "@127.0.0.1", deviceOption(), "--authorized-keys=" + authorizedKeys);
        assertThat(again.out()).isEqualTo(created.out());
        assertThat(again.err()).contains("already in");
        BcmProcess.Result ed = bcm.run("ssh", "newkey", "ssh://" + user + "@127.0.0.1", "--curve=ed25519", deviceOption(),
                "--authorized-keys=" + authorizedKeys);
        assertThat(ed.out()).startsWith("ssh-ed25519 AAAA");
        assertThat(Files.readString(authorizedKeys)).isEqualTo(created.out() + ed.out());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(authorizedKeys))).isEqualTo("rw-------");

        BcmProcess.Result list = bcm.run("ssh", "list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out()).contains("IDENTITY").contains("ssh://" + user + "@127.0.0.1").contains("nist256p1").contains("ed25519");
        BcmProcess.Result json = bcm.run("ssh", "list", "--output=json");
        assertThat(json.out()).contains("\"publicKey\" : \"" + created.out().strip() + "\"");

        BcmProcess.Result login = connect(List.of(), "echo", "ok");
        assertThat(login.exitCode()).as(login.toString()).isZero();
        assertThat(login.out()).isEqualTo("ok\n");
        assertThat(login.err()).contains("confirm on your Trezor");
        BcmProcess.Result edLogin = connect(List.of("--curve=ed25519"), "exit", "4");
        assertThat(edLogin.exitCode()).as(edLogin.toString()).isEqualTo(4);

        BcmProcess.Result stranger = connect(List.of("--index=9"), "echo", "ok");
        assertThat(stranger.exitCode()).as(stranger.toString()).isEqualTo(255);
        assertThat(stranger.err()).contains("Permission denied");
    }

    @Test
    void theForegroundAgentServesTheRecordedIdentitiesUntilSigterm() throws Exception {
        BcmProcess agentHome = new BcmProcess(dir.resolve("agent-home"));
        assertThat(agentHome.run("ssh", "agent", deviceOption()).exitCode()).as("nothing recorded").isEqualTo(3);
        BcmProcess.Result created = agentHome.run("ssh", "newkey", "bob@example.org", "--curve=ed25519", deviceOption());
        assertThat(created.exitCode()).as(created.toString()).isZero();

        Process agent = agentHome.start("ssh", "agent", deviceOption());
        Path out = dir.resolve("agent-home.out");
        Path socket = dir.resolve("agent-home/ssh/S.ssh-agent");
        agentHome.awaitOutput(agent, "export SSH_AUTH_SOCK", Duration.ofSeconds(20));
        assertThat(Files.readString(out)).isEqualTo("SSH_AUTH_SOCK=" + socket + "; export SSH_AUTH_SOCK;\n");
        ProcessBuilder sshAdd = new ProcessBuilder("ssh-add", "-L").redirectErrorStream(true);
        sshAdd.environment().put("SSH_AUTH_SOCK", socket.toString());
        Process listing = sshAdd.start();
        String listed = new String(listing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(listing.waitFor()).as(listed).isZero();
        assertThat(listed).isEqualTo(created.out());

        agent.destroy();
        assertThat(agent.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(socket).doesNotExist();
    }

    @Test
    void withoutSshConnectSaysWhatToInstall() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin-without-ssh"));
        for (String tool : List.of("java", "dirname", "readlink")) {
            Path real = Path.of(resolve(tool));
            Files.createSymbolicLink(bin.resolve(tool), real);
        }
        BcmProcess.Result result = bcm.run(Map.of("PATH", bin.toString()), "ssh", "connect", "root@127.0.0.1", deviceOption());
        try (var links = Files.list(bin)) {
            for (Path link : links.toList()) {
                Files.delete(link);
            }
        }
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(8);
        assertThat(result.err()).contains("apt-get install openssh-client").doesNotContain("at org.");
    }

    /** {@code bcm ssh connect USER@127.0.0.1 OPTIONS... -o <ssh client option>... -- COMMAND...} against the test server. */
    private BcmProcess.Result connect(List<String> options, String... command) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("ssh", "connect", user + "@127.0.0.1", deviceOption(), "--port=" + port));
        args.addAll(options);
        args.addAll(CLIENT_OPTIONS);
        args.add("--");
        args.addAll(List.of(command));
        return bcm.run(args.toArray(String[]::new));
    }

    private static String resolve(String tool) throws IOException, InterruptedException {
        Process which = new ProcessBuilder("sh", "-c", "readlink -f \"$(command -v " + tool + ")\"").start();
        String path = new String(which.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(which.waitFor()).isZero();
        return path;
    }
}
