package org.bcm.core.identity;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bcm.core.device.DeviceService;
import org.bcm.core.home.BcmHome;
import org.bcm.trezor.Interaction;
import org.bcm.trezor.TrezorDevices;
import org.bcm.trezor.device.DevelopmentDevice;
import org.bcm.trezor.device.UdpDeviceServer;
import org.bcm.trezor.wire.Messages;
import org.bcm.trezor.wire.TrezorMessages;

/**
 * The development device of bcm-trezor on a free UDP port of 127.0.0.1, and {@link DeviceKeys} on it:
 * what the identity tests use in place of a Trezor.
 */
public final class TestDevice implements AutoCloseable {

    public static final String MNEMONIC_ALL = "all all all all all all all all all all all all";

    /** Answers the device's questions with what the test set, and records what it was asked. */
    public static final class Answers implements Interaction {
        public final List<String> confirmations = new ArrayList<>();
        public volatile Supplier<char[]> pin = () -> null;
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
            return new Passphrase("", false);
        }

        @Override
        public void warning(String message) {
        }
    }

    public final DevelopmentDevice device;
    public final UdpDeviceServer server;
    public final Answers answers = new Answers();

    public TestDevice(DevelopmentDevice.Settings settings) throws IOException {
        device = new DevelopmentDevice(settings);
        server = UdpDeviceServer.start(device, 0);
    }

    /** The device with mnemonic {@code all} x 12 (the recorded vectors' seed), no PIN, automatic confirmation. */
    public static TestDevice all() throws IOException {
        return new TestDevice(DevelopmentDevice.Settings.of(MNEMONIC_ALL));
    }

    /** The {@code --device} selector that reaches it. */
    public String selector() {
        return "udp:127.0.0.1:" + server.port();
    }

    /** {@link DeviceKeys} on this device, through the same DeviceService the CLI uses. */
    public DeviceKeys keys() {
        return new TrezorKeys(new DeviceService(new BcmHome(java.nio.file.Path.of("/nonexistent")), Map.of(), new TrezorDevices()),
                selector(), answers);
    }

    /** Presses YES or NO on the device (DebugLinkDecision), {@code delayMillis} from now, on another thread. */
    public void decideLater(boolean yes, long delayMillis) {
        Thread thread = new Thread(() -> {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                return;
            }
            device.receiveDebug(Messages.encode(TrezorMessages.DebugLinkDecision.newBuilder()
                    .setButton(yes ? TrezorMessages.DebugLinkDecision.DebugButton.YES : TrezorMessages.DebugLinkDecision.DebugButton.NO)
                    .build()));
        }, "test-decision");
        thread.setDaemon(true);
        thread.start();
    }

    /** {@code pin} typed as positions against the matrix the device shows now (trezorlib {@code debuglink.encode_pin}). */
    public char[] encodePin(String pin) {
        String matrix = device.matrix();
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
}
