package org.bcm.trezor.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.Identity;
import org.bcm.trezor.Interaction;
import org.bcm.trezor.KeyOperations;
import org.bcm.trezor.PublicNode;
import org.bcm.trezor.TrezorClient;
import org.bcm.trezor.TrezorDevices;
import org.bcm.trezor.TrezorException;
import org.bcm.trezor.dev.DevelopmentDevice.Confirmation;
import org.bcm.trezor.transport.ChunkTransport;
import org.bcm.trezor.transport.UdpLink;
import org.bcm.trezor.transport.WireMessage;
import org.bcm.trezor.wire.Messages;
import org.bcm.trezor.wire.TrezorMessages;
import org.junit.jupiter.api.Test;

/** Every way a call can fail ends in its own exception with a clear message. */
class FailurePathsTest {

    private static final Identity SSH = Identity.parse("ssh://bcm@example.org");
    private static final Challenge CHALLENGE = Challenge.hidden("session-bytes".getBytes(StandardCharsets.UTF_8));

    private static DevelopmentDevice.Settings settings(String pin, boolean passphrase, Confirmation confirmation) {
        return new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, pin, passphrase, confirmation);
    }

    @Test
    void refusingOnTheDeviceIsCancelled() throws Exception {
        try (TestDevice device = new TestDevice(settings(null, false, Confirmation.DEBUG_LINK));
             TrezorClient client = device.open(new TrezorClient.Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)))) {
            device.interaction.onConfirm = () -> later(() -> device.decide(false));
            assertThatThrownBy(() -> KeyOperations.signIdentity(client, SSH, CHALLENGE, Curve.ED25519))
                    .isInstanceOf(TrezorException.Cancelled.class).hasMessageContaining("cancelled on the device");
            // the session goes on: confirming works
            device.interaction.onConfirm = () -> later(() -> device.decide(true));
            assertThat(KeyOperations.signIdentity(client, SSH, CHALLENGE, Curve.ED25519).signature().header()).isZero();
        }
    }

    @Test
    void noDecisionInTimeIsATimeoutAndTheRequestIsCancelledOnTheDevice() throws Exception {
        TrezorClient.Timeouts shortWait = new TrezorClient.Timeouts(Duration.ofSeconds(5), Duration.ofMillis(500));
        try (TestDevice device = new TestDevice(settings(null, false, Confirmation.DEBUG_LINK));
             TrezorClient client = device.open(shortWait)) {
            assertThatThrownBy(() -> KeyOperations.signIdentity(client, SSH, CHALLENGE, Curve.NIST256P1))
                    .isInstanceOf(TrezorException.Timeout.class).hasMessageContaining("no decision on the device");
            // the client sent Cancel and took the device's Failure off the link: the next call gets its own answer
            PublicNode node = KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'/0'/0'"), Curve.SECP256K1, false);
            assertThat(node.publicKey().hex()).isEqualTo("03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd");
        }
    }

    @Test
    void aWrongPinIsWrongPinAndTheRightOneUnlocks() throws Exception {
        try (TestDevice device = new TestDevice(settings("1234", false, Confirmation.AUTO));
             TrezorClient client = device.open()) {
            assertThat(client.features().pinProtection()).isTrue();
            assertThat(client.features().unlocked()).isFalse();
            device.interaction.pin = () -> uncheckedPin(device, "4321");
            assertThatThrownBy(() -> KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'/0'/0'"), Curve.SECP256K1, false))
                    .isInstanceOf(TrezorException.WrongPin.class).hasMessageContaining("wrong PIN");
            device.interaction.pin = () -> uncheckedPin(device, "1234");
            PublicNode node = KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'/0'/0'"), Curve.SECP256K1, false);
            assertThat(node.publicKey().hex()).isEqualTo("03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd");
        }
    }

    @Test
    void cancellingPinEntryIsCancelled() throws Exception {
        try (TestDevice device = new TestDevice(settings("1234", false, Confirmation.AUTO));
             TrezorClient client = device.open()) {
            device.interaction.pin = () -> null;
            assertThatThrownBy(() -> KeyOperations.signIdentity(client, SSH, CHALLENGE, Curve.ED25519))
                    .isInstanceOf(TrezorException.Cancelled.class).hasMessageContaining("PIN entry cancelled");
        }
    }

    @Test
    void aPassphraseGivesAnotherWalletAndIsAskedOncePerSession() throws Exception {
        try (TestDevice device = new TestDevice(settings(null, true, Confirmation.AUTO));
             TrezorClient client = device.open()) {
            int[] asked = {0};
            device.interaction.passphrase = () -> {
                asked[0]++;
                return new Interaction.Passphrase("TREZOR", false);
            };
            PublicNode hidden = KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'/0'/0'"), Curve.SECP256K1, false);
            KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'/0'/1'"), Curve.SECP256K1, false);
            assertThat(asked[0]).isEqualTo(1);
            assertThat(hidden.publicKey().hex()).isNotEqualTo("03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd");
        }
        try (TestDevice device = new TestDevice(settings(null, true, Confirmation.AUTO));
             TrezorClient client = device.open()) {
            device.interaction.passphrase = () -> new Interaction.Passphrase("", false);
            PublicNode standard = KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'/0'/0'"), Curve.SECP256K1, false);
            assertThat(standard.publicKey().hex()).isEqualTo("03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd");
            device.interaction.passphrase = () -> null;
        }
    }

    @Test
    void badInputIsTheDevicesDataError() throws Exception {
        try (TestDevice device = TestDevice.all(); TrezorClient client = device.open()) {
            Identity gpg = Identity.parse("gpg://Satoshi <s@example.net>");
            assertThatThrownBy(() -> KeyOperations.signIdentity(client, gpg, Challenge.hidden(new byte[31]), Curve.NIST256P1))
                    .isInstanceOfSatisfying(TrezorException.DeviceFailure.class, e -> assertThat(e.code()).isEqualTo(3));
            assertThatThrownBy(() -> KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'/0"), Curve.ED25519, false))
                    .isInstanceOfSatisfying(TrezorException.DeviceFailure.class, e -> assertThat(e.code()).isEqualTo(3));
        }
    }

    /** The device's side; the client turns that Failure into TrezorException.UnexpectedMessage (FailureMappingTest, bcm-trezor). */
    @Test
    void anUnexpectedMessageIsAnsweredWithFailureUnexpectedMessage() throws Exception {
        try (TestDevice device = TestDevice.all(); UdpLink link = new UdpLink("127.0.0.1", device.server.port())) {
            ChunkTransport transport = new ChunkTransport(link);
            transport.write(Messages.encode(TrezorMessages.ButtonAck.getDefaultInstance()));
            Message answer = Messages.decode(transport.read(Duration.ofSeconds(5)));
            assertThat(answer).isInstanceOfSatisfying(TrezorMessages.Failure.class,
                    failure -> assertThat(failure.getCode()).isEqualTo(TrezorMessages.Failure.FailureType.Failure_UnexpectedMessage));
        }
    }

    @Test
    void aDeviceThatStopsMidMessageIsGone() throws Exception {
        // A fake device that answers Initialize with the first chunk of a Features message and then falls silent.
        try (DatagramSocket fake = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try {
                    DatagramPacket in = new DatagramPacket(new byte[64], 64);
                    fake.receive(in);
                    WireMessage features = Messages.encode(TrezorMessages.Features.newBuilder().setVendor("trezor.io")
                            .setLabel("x".repeat(200)).setMajorVersion(1).build());
                    byte[] first = ChunkTransport.encode(features).get(0);
                    fake.send(new DatagramPacket(first, first.length, in.getSocketAddress()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            UdpLink link = new UdpLink("127.0.0.1", fake.getLocalPort());
            assertThatThrownBy(() -> TrezorClient.open(new ChunkTransport(link), new TestDevice.Recorder(), TrezorClient.Timeouts.DEFAULT))
                    .isInstanceOf(TrezorException.DeviceGone.class).hasMessageContaining("middle of a message");
            served.join();
        }
    }

    @Test
    void aDeviceThatWasStoppedIsGoneAndNoneAtAllIsNoDevice() throws Exception {
        TestDevice device = TestDevice.all();
        TrezorClient client = device.open();
        int port = device.server.port();
        device.close();
        assertThatThrownBy(() -> KeyOperations.getPublicKey(client, DerivationPath.parse("m/44'"), Curve.SECP256K1, false))
                .isInstanceOfAny(TrezorException.DeviceGone.class, TrezorException.Timeout.class);
        client.close();

        TrezorDevices devices = new TrezorDevices(java.nio.file.Path.of("/nonexistent"), java.net.URI.create("http://127.0.0.1:9"),
                "127.0.0.1", port);
        assertThatThrownBy(() -> devices.open("udp:127.0.0.1:" + port))
                .isInstanceOf(TrezorException.NoDevice.class).hasMessageContaining("bcm device serve");
        assertThatThrownBy(() -> devices.open(null))
                .isInstanceOf(TrezorException.NoDevice.class).hasMessageContaining("no Trezor found");
        assertThatThrownBy(() -> devices.open("serial:/dev/ttyS0")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDefaultChoiceNeverFallsBackToTheDevelopmentDeviceButSaysHowToChooseIt() throws Exception {
        try (TestDevice device = TestDevice.all()) {
            TrezorDevices devices = new TrezorDevices(java.nio.file.Path.of("/nonexistent"), java.net.URI.create("http://127.0.0.1:9"),
                    "127.0.0.1", device.server.port());
            assertThat(devices.enumerate()).filteredOn(f -> f.path().equals(device.path())).singleElement()
                    .satisfies(f -> assertThat(f.description()).contains("software").contains("only when chosen"));
            assertThatThrownBy(() -> devices.open(null))
                    .isInstanceOf(TrezorException.NoDevice.class)
                    .hasMessageContaining("no Trezor found")
                    .hasMessageContaining("answers at " + device.path())
                    .hasMessageContaining("--device=" + device.path())
                    .hasMessageContaining("BCM_TREZOR=" + device.path());
            // chosen explicitly, it is used
            try (TrezorClient client = TrezorClient.open(devices.open(device.path()), device.interaction, TrezorClient.Timeouts.DEFAULT)) {
                assertThat(client.features().developmentDevice()).isTrue();
            }
        }
    }

    private static char[] uncheckedPin(TestDevice device, String pin) {
        try {
            return TestDevice.encodePin(pin, device.matrix());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code action} on a thread of its own once the client acknowledged the button request. */
    private static void later(Runnable action) {
        Thread thread = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            action.run();
        }, "test-decision");
        thread.setDaemon(true);
        thread.start();
    }

}
