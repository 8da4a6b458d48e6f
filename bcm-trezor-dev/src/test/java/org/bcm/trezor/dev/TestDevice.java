package org.bcm.trezor.dev;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bcm.trezor.Interaction;
import org.bcm.trezor.TrezorClient;
import org.bcm.trezor.transport.ChunkLink;
import org.bcm.trezor.transport.ChunkTransport;
import org.bcm.trezor.transport.UdpLink;
import org.bcm.trezor.transport.WireMessage;
import org.bcm.trezor.wire.Messages;
import org.bcm.trezor.wire.TrezorMessages;

/**
 * A development device served on real UDP sockets of 127.0.0.1, and what a test needs around it. Shared
 * with bcm-core's tests through this module's test-jar.
 */
public class TestDevice implements AutoCloseable {

    public static final String MNEMONIC_ALL = "all all all all all all all all all all all all";

    /** An Interaction that records what the device asked and answers with what the test set. */
    public static final class Recorder implements Interaction {
        public final List<String> confirmations = new ArrayList<>();
        public final List<String> warnings = new ArrayList<>();
        public volatile Supplier<char[]> pin = () -> null;
        public volatile Supplier<Passphrase> passphrase = () -> new Passphrase("", false);
        public volatile Runnable onConfirm = () -> { };

        @Override
        public synchronized void confirmOnDevice(String what) {
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
        public synchronized void warning(String message) {
            warnings.add(message);
        }
    }

    public final DevelopmentDevice device;
    public final UdpDeviceServer server;
    public final Recorder interaction = new Recorder();

    /** The device with {@code settings} and its debug link (tests read the PIN matrix and decide through it, as the emulator's do). */
    public TestDevice(DevelopmentDevice.Settings settings) throws IOException {
        device = new DevelopmentDevice(settings.withDebugLink(true));
        server = UdpDeviceServer.start(device, 0);
    }

    /** The device with mnemonic {@code all} x 12 (the recorded vectors' seed), no PIN, automatic confirmation. */
    public static TestDevice all() throws IOException {
        return new TestDevice(DevelopmentDevice.Settings.of(MNEMONIC_ALL));
    }

    /** The device path ({@code --device} selector) that reaches it. */
    public String path() {
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
    public void decide(boolean yes) {
        debug(TrezorMessages.DebugLinkDecision.newBuilder()
                .setButton(yes ? TrezorMessages.DebugLinkDecision.DebugButton.YES : TrezorMessages.DebugLinkDecision.DebugButton.NO)
                .build(), false);
    }

    /** The scrambled matrix the device shows now, read through the debug link. */
    String matrix() throws Exception {
        WireMessage answer = debug(TrezorMessages.DebugLinkGetState.getDefaultInstance(), true);
        return ((TrezorMessages.DebugLinkState) Messages.decode(answer)).getMatrix();
    }

    /** Presses YES or NO on the device {@code delayMillis} from now, on another thread. */
    public void decideLater(boolean yes, long delayMillis) {
        Thread thread = new Thread(() -> {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                return;
            }
            decide(yes);
        }, "test-decision");
        thread.setDaemon(true);
        thread.start();
    }

    /** {@code pin} typed as positions against the matrix the device shows now. */
    public char[] encodePin(String pin) {
        return encodePin(pin, device.matrix());
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
