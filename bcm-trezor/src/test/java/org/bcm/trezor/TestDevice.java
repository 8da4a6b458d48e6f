package org.bcm.trezor;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bcm.trezor.device.DevelopmentDevice;
import org.bcm.trezor.device.UdpDeviceServer;
import org.bcm.trezor.transport.ChunkTransport;
import org.bcm.trezor.transport.ChunkLink;
import org.bcm.trezor.transport.UdpLink;
import org.bcm.trezor.transport.WireMessage;
import org.bcm.trezor.wire.Messages;
import org.bcm.trezor.wire.TrezorMessages;

/** A development device served on real UDP sockets of 127.0.0.1, and what a test needs around it. */
final class TestDevice implements AutoCloseable {

    static final String MNEMONIC_ALL = "all all all all all all all all all all all all";

    /** An Interaction that records what the device asked and answers with what the test set. */
    static final class Recorder implements Interaction {
        final List<String> confirmations = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        Supplier<char[]> pin = () -> null;
        Supplier<Passphrase> passphrase = () -> new Passphrase("", false);
        Runnable onConfirm = () -> { };

        @Override
        public void confirmOnDevice(String what) {
            confirmations.add(what);
            onConfirm.run();
        }

        @Override
        public char[] pin(PinRequest request) {
            return pin.get();
        }

        @Override
        public Passphrase passphrase() {
            return passphrase.get();
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }
    }

    final DevelopmentDevice device;
    final UdpDeviceServer server;
    final Recorder interaction = new Recorder();

    TestDevice(DevelopmentDevice.Settings settings) throws IOException {
        device = new DevelopmentDevice(settings);
        server = UdpDeviceServer.start(device, 0);
    }

    static TestDevice all() throws IOException {
        return new TestDevice(DevelopmentDevice.Settings.of(MNEMONIC_ALL));
    }

    String path() {
        return "udp:127.0.0.1:" + server.port();
    }

    TrezorClient open() {
        return open(TrezorClient.Timeouts.DEFAULT);
    }

    TrezorClient open(TrezorClient.Timeouts timeouts) {
        return TrezorClient.open(new ChunkTransport(new UdpLink("127.0.0.1", server.port())), interaction, timeouts);
    }

    /** Sends a message on the debug link and returns its answer, if one comes within a second. */
    WireMessage debug(com.google.protobuf.Message message, boolean expectAnswer) {
        try (UdpLink link = new UdpLink("127.0.0.1", server.port() + 1)) {
            ChunkTransport transport = new ChunkTransport(link);
            transport.write(Messages.encode(message));
            return expectAnswer ? transport.read(Duration.ofSeconds(2)) : null;
        }
    }

    /** Presses YES or NO on the device, through the debug link. */
    void decide(boolean yes) {
        debug(TrezorMessages.DebugLinkDecision.newBuilder()
                .setButton(yes ? TrezorMessages.DebugLinkDecision.DebugButton.YES : TrezorMessages.DebugLinkDecision.DebugButton.NO)
                .build(), false);
    }

    /** The scrambled matrix the device shows now, read through the debug link. */
    String matrix() throws Exception {
        WireMessage answer = debug(TrezorMessages.DebugLinkGetState.getDefaultInstance(), true);
        return ((TrezorMessages.DebugLinkState) Messages.decode(answer)).getMatrix();
    }

    /** {@code pin} typed as positions against {@code matrix} (trezorlib {@code debuglink.encode_pin}). */
    static char[] encodePin(String pin, String matrix) {
        StringBuilder out = new StringBuilder();
        for (char digit : pin.toCharArray()) {
            out.append(matrix.indexOf(digit) + 1);
        }
        return out.toString().toCharArray();
    }

    @Override
    public void close() {
        server.close();
    }

    /** The recorded answers of a real device. */
    static JsonNode vectors() throws IOException {
        return RecordedVectors.load();
    }

    static int chunkSize() {
        return ChunkLink.CHUNK_SIZE;
    }
}
