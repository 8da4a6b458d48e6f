package org.bcm.core.identity.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bcm.core.identity.ssh.SshPublicKeyTest.BCM;
import static org.bcm.core.identity.ssh.SshPublicKeyTest.CHALLENGE;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.device.DeviceInteraction;
import org.bcm.core.device.DeviceService;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.TestDevice;
import org.bcm.core.identity.TrezorKeys;
import org.bcm.trezor.Curve;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bcm.trezor.wire.Messages;
import org.bcm.trezor.wire.TrezorMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent protocol over a real unix socket, signing on the development device. */
class SshAgentTest {

    @TempDir
    Path dir;

    /** A client of the agent protocol: sends {@code type || contents}, reads the answer's {@code type || contents}. */
    static final class Client implements AutoCloseable {
        final SocketChannel channel;
        final DataInputStream in;

        Client(Path socket) throws IOException {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            in = new DataInputStream(Channels.newInputStream(channel));
        }

        byte[] call(byte[] message) throws IOException {
            send(ByteBuffer.allocate(4 + message.length).putInt(message.length).put(message).flip());
            return in.readNBytes(in.readInt());
        }

        void send(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        byte[] sign(SshPublicKey key, byte[] data) throws IOException {
            return call(new SshWire.Writer().octet(SshAgent.SIGN_REQUEST).string(key.blob()).string(data).uint32(0).toByteArray());
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    @Test
    void listsTheIdentitiesAndSignsAsTheRecordedDevice() throws Exception {
        try (TestDevice device = TestDevice.all()) {
            SshPublicKey nist = SshPublicKey.of(device.keys(), BCM, Curve.NIST256P1);
            SshPublicKey ed = SshPublicKey.of(device.keys(), BCM, Curve.ED25519);
            assertThat(nist.key()).isEqualTo(SshPublicKeyTest.NIST);
            assertThat(ed.key()).isEqualTo(SshPublicKeyTest.ED);
            try (SshAgent agent = SshAgent.start(dir.resolve("agent/S.ssh-agent"), List.of(nist, ed), device.keys());
                 Client client = new Client(agent.socket())) {
                SshWire.Reader answer = new SshWire.Reader(client.call(new byte[] {SshAgent.REQUEST_IDENTITIES}));
                assertThat(answer.octet()).isEqualTo(SshAgent.IDENTITIES_ANSWER);
                assertThat(answer.uint32()).isEqualTo(2);
                assertThat(answer.string()).isEqualTo(nist.blob());
                assertThat(answer.utf8()).isEqualTo("ssh://bcm@example.org");
                assertThat(answer.string()).isEqualTo(ed.blob());
                assertThat(answer.utf8()).isEqualTo("ssh://bcm@example.org");
                assertThat(answer.atEnd()).isTrue();

                assertThat(client.sign(nist, CHALLENGE)).isEqualTo(signResponse(nist.signatureBlob(SshPublicKeyTest.NIST_SIGNATURE)));
                assertThat(client.sign(ed, CHALLENGE)).isEqualTo(signResponse(ed.signatureBlob(SshPublicKeyTest.ED_SIGNATURE)));
                assertThat(device.interaction.confirmations).hasSize(2);
            }
        }
    }

    @Test
    void whatItDoesNotDoIsFailureAndTheConnectionGoesOn() throws Exception {
        try (TestDevice device = TestDevice.all()) {
            SshPublicKey nist = SshPublicKey.of(device.keys(), BCM, Curve.NIST256P1);
            SshPublicKey other = SshPublicKey.of(device.keys(), SshPublicKey.identity("other@example.org", 0), Curve.NIST256P1);
            try (SshAgent agent = SshAgent.start(dir.resolve("S.ssh-agent"), List.of(nist), device.keys());
                 Client client = new Client(agent.socket())) {
                byte[] failure = {SshAgent.FAILURE};
                // add identity, remove identity, remove all, lock, unlock, extension (query)
                for (int type : new int[] {17, 18, 19, 22, 23, 25, 27}) {
                    assertThat(client.call(new SshWire.Writer().octet(type).string("x").toByteArray())).as("type " + type).isEqualTo(failure);
                }
                assertThat(client.call(new SshWire.Writer().octet(27).string("query").toByteArray())).isEqualTo(failure);
                assertThat(client.sign(other, CHALLENGE)).as("a key it does not hold").isEqualTo(failure);
                assertThat(client.sign(nist, new byte[2000])).as("more than the device signs").isEqualTo(failure);
                assertThat(client.sign(nist, CHALLENGE)[0]).isEqualTo((byte) SshAgent.SIGN_RESPONSE);
            }
        }
    }

    @Test
    void aMalformedOrOversizeMessageClosesOnlyItsConnection() throws Exception {
        try (TestDevice device = TestDevice.all()) {
            SshPublicKey ed = SshPublicKey.of(device.keys(), BCM, Curve.ED25519);
            try (SshAgent agent = SshAgent.start(dir.resolve("S.ssh-agent"), List.of(ed), device.keys());
                 Client good = new Client(agent.socket());
                 Client huge = new Client(agent.socket());
                 Client truncated = new Client(agent.socket())) {
                assertThat(good.call(new byte[] {SshAgent.REQUEST_IDENTITIES})[0]).isEqualTo((byte) SshAgent.IDENTITIES_ANSWER);
                huge.send(ByteBuffer.allocate(8).putInt(SshAgent.MAX_MESSAGE + 1).putInt(0).flip());
                // closed: end of stream, or a reset because the agent left bytes unread
                assertThatThrownBy(huge.in::readInt).isInstanceOf(IOException.class);
                // a sign request whose data string claims more bytes than the message holds
                assertThatThrownBy(() -> truncated.call(new SshWire.Writer().octet(SshAgent.SIGN_REQUEST).string(ed.blob())
                        .uint32(1000).toByteArray())).isInstanceOf(EOFException.class);
                assertThat(good.sign(ed, CHALLENGE)[0]).isEqualTo((byte) SshAgent.SIGN_RESPONSE);
                try (Client late = new Client(agent.socket())) {
                    assertThat(late.call(new byte[] {SshAgent.REQUEST_IDENTITIES})[0]).isEqualTo((byte) SshAgent.IDENTITIES_ANSWER);
                }
            }
        }
    }

    @Test
    void aRefusalOnTheDeviceIsFailureAndTheAgentKeepsServing() throws Exception {
        DevelopmentDevice.Settings settings = new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, null, false,
                DevelopmentDevice.Confirmation.DEBUG_LINK);
        try (TestDevice device = new TestDevice(settings)) {
            Deciding deciding = new Deciding(device);
            DeviceKeys keys = new TrezorKeys(new DeviceService(Map.of()), device.path(), deciding);
            SshPublicKey nist = SshPublicKey.of(keys, BCM, Curve.NIST256P1);
            try (SshAgent agent = SshAgent.start(dir.resolve("S.ssh-agent"), List.of(nist), keys);
                 Client client = new Client(agent.socket())) {
                deciding.yes = false;
                assertThat(client.sign(nist, CHALLENGE)).isEqualTo(new byte[] {SshAgent.FAILURE});
                deciding.yes = true;
                assertThat(client.sign(nist, CHALLENGE)).isEqualTo(signResponse(nist.signatureBlob(SshPublicKeyTest.NIST_SIGNATURE)));
                assertThat(deciding.asked).isEqualTo(2);

                device.server.close();
                assertThat(client.sign(nist, CHALLENGE)).as("the device is gone").isEqualTo(new byte[] {SshAgent.FAILURE});
                assertThat(client.call(new byte[] {SshAgent.REQUEST_IDENTITIES})[0]).isEqualTo((byte) SshAgent.IDENTITIES_ANSWER);
            }
        }
    }

    @Test
    void theSocketIsPrivateAStaleOneIsReplacedAndALiveOneRefused() throws Exception {
        try (TestDevice device = TestDevice.all()) {
            SshPublicKey ed = SshPublicKey.of(device.keys(), BCM, Curve.ED25519);
            Path socket = dir.resolve("ssh/S.ssh-agent");
            SshAgent first = SshAgent.start(socket, List.of(ed), device.keys());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            assertThatThrownBy(() -> SshAgent.start(socket, List.of(ed), device.keys())).isInstanceOf(BcmException.class)
                    .hasMessageContaining("already listens");
            first.close();
            assertThat(socket).doesNotExist();

            // a socket file left by an agent that was killed
            java.nio.channels.ServerSocketChannel dead = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
            dead.bind(UnixDomainSocketAddress.of(socket));
            dead.close();
            assertThat(socket).exists();
            try (SshAgent second = SshAgent.start(socket, List.of(ed), device.keys()); Client client = new Client(second.socket())) {
                assertThat(client.call(new byte[] {SshAgent.REQUEST_IDENTITIES})[0]).isEqualTo((byte) SshAgent.IDENTITIES_ANSWER);
            }

            Path open = Files.createDirectory(dir.resolve("open"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
            assertThatThrownBy(() -> SshAgent.start(open.resolve("S.ssh-agent"), List.of(ed), device.keys()))
                    .isInstanceOf(BcmException.class).hasMessageContaining("open to other users");
        }
    }

    @Test
    void theDeviceShowsWhoLogsIn() {
        byte[] userauth = new SshWire.Writer().string(new byte[32]).octet(50).string("root").string("ssh-connection")
                .string("publickey").octet(1).string("ssh-ed25519").string(new byte[51]).toByteArray();
        assertThat(SshAgent.visual(userauth)).isEqualTo("login as root");
        assertThat(SshAgent.visual("SSHSIG".getBytes())).isEmpty();
    }

    private static byte[] signResponse(byte[] signatureBlob) {
        return new SshWire.Writer().octet(SshAgent.SIGN_RESPONSE).string(signatureBlob).toByteArray();
    }

    /** Presses YES or NO on the development device (its debug link) shortly after it asks. */
    static final class Deciding implements DeviceInteraction {
        private final TestDevice device;
        volatile boolean yes;
        volatile int asked;

        Deciding(TestDevice device) {
            this.device = device;
        }

        @Override
        public void confirmOnDevice(String what) {
            asked++;
            TrezorMessages.DebugLinkDecision decision = TrezorMessages.DebugLinkDecision.newBuilder()
                    .setButton(yes ? TrezorMessages.DebugLinkDecision.DebugButton.YES : TrezorMessages.DebugLinkDecision.DebugButton.NO)
                    .build();
            Thread press = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                device.device.receiveDebug(Messages.encode(decision));
            });
            press.setDaemon(true);
            press.start();
        }

        @Override
        public char[] pin(PinRequest request) {
            return null;
        }

        @Override
        public Passphrase passphrase() {
            return new Passphrase("", false);
        }

        @Override
        public void warning(String message) {
        }
    }
}
