package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.Interaction;
import org.bcm.trezor.KeyOperations;
import org.bcm.trezor.PublicNode;
import org.bcm.trezor.TrezorClient;
import org.bcm.trezor.TrezorException;
import org.bcm.trezor.transport.ChunkTransport;
import org.bcm.trezor.transport.UdpLink;
import org.bcm.trezor.wire.Messages;
import org.bcm.trezor.wire.TrezorMessages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bcm device serve} as a real process, reached by Trezor's own client (Debian's
 * {@code trezorctl}) and by {@code bcm device ...}: both must accept the development device, and its
 * answers must be the recorded device's ({@code ../shared/fixtures/trezor}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DevelopmentDeviceIT {

    private static final String MNEMONIC_ALL = "all all all all all all all all all all all all";

    @TempDir
    static Path dir;
    private Process server;
    private int port;
    private BcmProcess bcm;

    @BeforeAll
    void serve() throws Exception {
        Path mnemonic = dir.resolve("mnemonic");
        Files.writeString(mnemonic, MNEMONIC_ALL + "\n");
        Files.setPosixFilePermissions(mnemonic, PosixFilePermissions.fromString("rw-------"));
        port = freeUdpPortPair();
        BcmProcess serving = new BcmProcess(dir.resolve("serve-home"));
        server = serving.start("device", "serve", "--port=" + port, "--mnemonic-file=" + mnemonic);
        serving.awaitOutput(server, "listening", Duration.ofSeconds(10));
        assertThat(Files.readString(dir.resolve("serve-home.out"))).contains("listening on udp:127.0.0.1:" + port);
        assertThat(read(dir.resolve("serve-home.err"))).contains("DEVELOPMENT DEVICE");
        bcm = new BcmProcess(dir.resolve("home"));
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (server != null) {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void serveWarnsThatItIsASoftwareDeviceNeverToBeGivenARealWalletsMnemonic() throws Exception {
        String err = read(dir.resolve("serve-home.err"));
        assertThat(err).contains("WARNING: using the bcm DEVELOPMENT DEVICE")
                .contains("WARNING: this is a SOFTWARE device for tests and demos")
                .contains("Never give it the mnemonic of a real wallet");
    }

    @Test
    void trezorctlReadsTheFeaturesAndAPublicNode() throws Exception {
        String features = trezorctl("get-features");
        assertThat(features).contains("BCM-DEVELOPMENT-").contains("bcm development device").contains("initialized: True");
        String node = trezorctl("get-public-node", "-n", "m/44h/0h/0h");
        // the recorded device's answer for mnemonic "all" (public_nodes in the vectors)
        assertThat(node).contains("xpub6BiVtCpG9fQPxnPmHXG8PhtzQdWC2Su4qWu6XW9tpWFYhxydCLJGrWBJZ5H6qTAHdPQ7pQhtpjiYZVZARo14qHiay2fvrX996oEP42u8wZy")
                .contains("03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd");
    }

    @Test
    void bcmDeviceInfoSaysItIsADevelopmentDeviceAndWarns() throws Exception {
        BcmProcess.Result info = bcm.run("device", "info", "--device=udp:127.0.0.1:" + port);
        assertThat(info.exitCode()).as(info.toString()).isZero();
        assertThat(info.out()).contains("development:").contains("YES").contains("BCM-DEVELOPMENT-");
        assertThat(info.err()).contains("WARNING").contains("DEVELOPMENT DEVICE");
    }

    @Test
    void anSshStyleSignatureFromTheCliIsTheRecordedOne() throws Exception {
        Path challenge = dir.resolve("challenge");
        Files.write(challenge, HexFormat.of().parseHex("0eee361026e628424faae75365fb0dbefc0c82f8e8e3342a1a4f1a4a74eabc5c73657373696f6e2d6279746573"));
        BcmProcess.Result signed = bcm.run("device", "sign-identity", "--device=udp:127.0.0.1:" + port, "--identity=ssh://bcm@example.org",
                "--curve=ed25519", "--challenge-file=" + challenge, "--output=json");
        assertThat(signed.exitCode()).as(signed.toString()).isZero();
        assertThat(signed.out()).contains("00eb829e31ef65ed2e6fc80247e0d974afd12d53acf043ebd9f6082ceee4a3a1f1")
                .contains("001f77dc754a253840d16bbadff6dc8bdde1cad15637dbd8bbfefd53da9bf7827a5addef20ecf9b71c5a236cc743c0ef456d12fccf58ae117b697517117e1fee0e");
        assertThat(signed.err()).contains("confirm on your Trezor");
    }

    @Test
    void noDeviceIsExitCode10WithWhatToDo() throws Exception {
        int nobody = freeUdpPortPair();
        BcmProcess.Result result = bcm.run("device", "info", "--device=udp:127.0.0.1:" + nobody);
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(10);
        assertThat(result.err()).contains("no emulator or development device answers").contains("bcm device serve").doesNotContain("at org.");
        BcmProcess.Result bad = bcm.run("device", "info", "--device=serial:/dev/ttyS0");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
    }

    @Test
    void aMnemonicFileOthersCanReadIsRefused() throws Exception {
        Path open = dir.resolve("open-mnemonic");
        Files.writeString(open, MNEMONIC_ALL);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        BcmProcess.Result result = bcm.run("device", "serve", "--port=" + freeUdpPortPair(), "--mnemonic-file=" + open);
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("chmod 600");
        Path garbage = dir.resolve("garbage-mnemonic");
        Files.writeString(garbage, "all all all");
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rw-------"));
        BcmProcess.Result malformed = bcm.run("device", "serve", "--port=" + freeUdpPortPair(), "--mnemonic-file=" + garbage);
        assertThat(malformed.exitCode()).as(malformed.toString()).isEqualTo(2);
        assertThat(malformed.err()).contains("BIP-39");
    }

    @Test
    void withoutDebugLinkNothingAnswersOnTheNextPort() throws Exception {
        assertThat(Files.readString(dir.resolve("serve-home.out"))).contains("(no debug link)");
        assertThat(debugLinkState(port + 1)).as("a DebugLinkGetState to port + 1").isNull();
    }

    @Test
    void thePinMatrixIsOnTheDebugLinkWhenAskedForAndInNoLog() throws Exception {
        Path mnemonic = dir.resolve("pin-mnemonic");
        Files.writeString(mnemonic, MNEMONIC_ALL + "\n");
        Files.setPosixFilePermissions(mnemonic, PosixFilePermissions.fromString("rw-------"));
        Path pin = dir.resolve("pin");
        Files.writeString(pin, "1234\n");
        int pinPort = freeUdpPortPair();
        BcmProcess serving = new BcmProcess(dir.resolve("pin-home"));
        // the most verbose logging there is, and standard error a file, as a log would be
        Process pinServer = serving.start(Map.of("BCM_LOG_LEVEL", "trace"), "device", "serve", "--port=" + pinPort,
                "--mnemonic-file=" + mnemonic, "--pin-file=" + pin, "--debug-link");
        List<String> matrices = new ArrayList<>();
        try {
            serving.awaitOutput(pinServer, "listening", Duration.ofSeconds(10));
            assertThat(Files.readString(dir.resolve("pin-home.out"))).contains("(debug link udp:127.0.0.1:" + (pinPort + 1) + ")");
            Interaction typing = new Interaction() {
                @Override
                public void confirmOnDevice(String what) {
                }

                @Override
                public char[] pin(PinRequest request) {
                    String matrix = debugLinkState(pinPort + 1).getMatrix();
                    matrices.add(matrix);
                    StringBuilder positions = new StringBuilder();
                    "1234".chars().forEach(digit -> positions.append(matrix.indexOf(digit) + 1));
                    return positions.toString().toCharArray();
                }

                @Override
                public Passphrase passphrase() {
                    return new Passphrase("", false);
                }

                @Override
                public void warning(String message) {
                }
            };
            try (TrezorClient client = TrezorClient.open(new ChunkTransport(new UdpLink("127.0.0.1", pinPort)), typing,
                    TrezorClient.Timeouts.DEFAULT)) {
                PublicNode node = KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'/0'/0'"), Curve.SECP256K1, false);
                assertThat(node.publicKey().hex()).isEqualTo("03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd");
            }
        } finally {
            pinServer.destroy();
            pinServer.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(matrices).hasSize(1);
        String matrix = matrices.get(0);
        String err = read(dir.resolve("pin-home.err"));
        assertThat(err).contains("GetPublicKey").contains("asks for the PIN").contains("shown nowhere but on the debug link")
                .contains("the debug link is open");
        assertThat(err).doesNotContain(matrix);
        assertThat(err.lines().filter(line -> line.matches("\\s*[1-9] [1-9] [1-9]\\s*"))).as("rows of a matrix").isEmpty();
    }

    @Test
    void theMnemonicLivesOutsideTheBcmHome() throws Exception {
        Path home = dir.resolve("own-home");
        Path data = dir.resolve("xdg-data");
        BcmProcess serving = new BcmProcess(home, Map.of("XDG_DATA_HOME", data.toString()));
        Process created = serving.start("device", "serve", "--port=" + freeUdpPortPair());
        try {
            serving.awaitOutput(created, "listening", Duration.ofSeconds(10));
        } finally {
            created.destroy();
            created.waitFor(10, TimeUnit.SECONDS);
        }
        Path mnemonic = data.resolve("bcm-development-device/mnemonic");
        assertThat(read(dir.resolve("own-home.err"))).contains("mnemonic: " + mnemonic);
        assertThat(Files.readString(mnemonic).strip().split(" ")).hasSize(24);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mnemonic))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mnemonic.getParent()))).isEqualTo("rwx------");
        assertThat(home.resolve("trezor")).doesNotExist();

        Path inside = Files.createDirectories(home).resolve("mnemonic");
        Files.copy(mnemonic, inside);
        BcmProcess.Result refused = serving.run("device", "serve", "--port=" + freeUdpPortPair(), "--mnemonic-file=" + inside);
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err()).contains("is inside the bcm home").contains("hint:").doesNotContain("at org.");

        // a home from before: the mnemonic at its former place is neither used nor moved, and the error says how to move it
        Path former = Files.createDirectories(home.resolve("trezor")).resolve("development-device.mnemonic");
        Files.move(inside, former);
        BcmProcess elsewhere = new BcmProcess(home, Map.of("XDG_DATA_HOME", dir.resolve("xdg-empty").toString()));
        BcmProcess.Result former1 = elsewhere.run("device", "serve", "--port=" + freeUdpPortPair());
        assertThat(former1.exitCode()).as(former1.toString()).isEqualTo(2);
        assertThat(former1.err()).contains("former place, " + former).contains("mv " + former + " "
                + dir.resolve("xdg-empty/bcm-development-device/mnemonic"));
        assertThat(former).exists();
        assertThat(dir.resolve("xdg-empty")).doesNotExist();
    }

    @Test
    void withoutDeviceOrBcmTrezorTheDevelopmentDeviceIsNeverUsedButNamed() throws Exception {
        Assumptions.assumeTrue(udpPortFree(21324), "udp 127.0.0.1:21324, the emulator's own port, is in use here");
        Path mnemonic = dir.resolve("default-port-mnemonic");
        Files.writeString(mnemonic, MNEMONIC_ALL + "\n");
        Files.setPosixFilePermissions(mnemonic, PosixFilePermissions.fromString("rw-------"));
        BcmProcess serving = new BcmProcess(dir.resolve("default-port-home"));
        Process standard = serving.start("device", "serve", "--mnemonic-file=" + mnemonic);
        try {
            serving.awaitOutput(standard, "listening", Duration.ofSeconds(10));
            Map<String, String> unchosen = Map.of("BCM_TREZOR", "");
            BcmProcess.Result info = bcm.run(unchosen, "device", "info");
            assertThat(info.exitCode()).as(info.toString()).isEqualTo(10);
            assertThat(info.err()).contains("no Trezor found").contains("answers at udp:127.0.0.1:21324")
                    .contains("--device=udp or BCM_TREZOR=udp").doesNotContain("DEVELOPMENT DEVICE");
            BcmProcess.Result list = bcm.run(unchosen, "device", "list");
            assertThat(list.out()).contains("udp:127.0.0.1:21324").contains("used only when chosen");
            BcmProcess.Result chosen = bcm.run(Map.of("BCM_TREZOR", "udp"), "device", "info");
            assertThat(chosen.exitCode()).as(chosen.toString()).isZero();
            assertThat(chosen.out()).contains("BCM-DEVELOPMENT-");
        } finally {
            standard.destroy();
            standard.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private String trezorctl(String... args) throws IOException, InterruptedException {
        Path trezorctl = Path.of("/usr/bin/trezorctl");
        assertThat(trezorctl).as("Debian's trezor package (trezorctl) is missing: scripts/test.sh installs it").exists();
        List<String> command = new ArrayList<>(List.of(trezorctl.toString(), "-p", "udp:127.0.0.1:" + port));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println("$ " + String.join(" ", command) + "\n" + output);
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** The DebugLinkState at {@code debugPort}, or null when nothing answers within a second. */
    private static TrezorMessages.DebugLinkState debugLinkState(int debugPort) {
        try (UdpLink link = new UdpLink("127.0.0.1", debugPort)) {
            ChunkTransport transport = new ChunkTransport(link);
            transport.write(Messages.encode(TrezorMessages.DebugLinkGetState.getDefaultInstance()));
            return (TrezorMessages.DebugLinkState) Messages.decode(transport.read(Duration.ofSeconds(1)));
        } catch (TrezorException e) {
            return null;
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static boolean udpPortFree(int p) {
        try (DatagramSocket socket = new DatagramSocket(new java.net.InetSocketAddress("127.0.0.1", p))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port p such that p and p+1 are free for UDP on 127.0.0.1. */
    private static int freeUdpPortPair() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (DatagramSocket a = new DatagramSocket(0)) {
                int p = a.getLocalPort();
                if (p < 65535) {
                    try (DatagramSocket b = new DatagramSocket(p + 1)) {
                        return p;
                    } catch (IOException taken) {
                        // try another
                    }
                }
            }
        }
        throw new IOException("no free UDP port pair");
    }
}
