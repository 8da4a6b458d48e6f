package org.bcm.trezor.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bcm.trezor.TrezorException;
import org.hid4java.HidDevice;
import org.hid4java.HidManager;
import org.hid4java.HidServices;
import org.hid4java.HidServicesSpecification;
import org.hid4java.ScanMode;

/**
 * A Trezor One on old firmware over USB HID through hidapi (hid4java): VID:PID {@code 534c:0001},
 * interface 0; each report is 64 bytes, written with report id 0 in front (65 bytes on the wire;
 * trezorlib {@code transport/hid.py}). Paths are {@code hid:HIDAPI-PATH}.
 *
 * <p>hidapi is loaded on first use; without it {@link #enumerate} is empty and {@link #open} throws
 * {@link TrezorException.TransportFailed}.
 */
public final class HidLink implements ChunkLink {

    private static final int VENDOR = 0x534c;
    private static final int PRODUCT = 0x0001;

    private final HidServices services;
    private final HidDevice device;

    private HidLink(HidServices services, HidDevice device) {
        this.services = services;
        this.device = device;
    }

    /** Paths of the HID Trezors hidapi sees; empty when hidapi cannot be loaded. */
    public static List<String> enumerate() {
        List<String> paths = new ArrayList<>();
        try {
            HidServices services = services();
            try {
                for (HidDevice device : trezors(services)) {
                    paths.add("hid:" + device.getPath());
                }
            } finally {
                services.shutdown();
            }
        } catch (LinkageError | RuntimeException e) {
            return paths;
        }
        return paths;
    }

    /**
     * Opens the HID Trezor at {@code path}.
     *
     * @throws TrezorException.NoDevice when none has that path
     * @throws TrezorException.TransportFailed when hidapi is missing or the device does not open
     */
    public static HidLink open(String path) {
        HidServices services;
        try {
            services = services();
        } catch (LinkageError | RuntimeException e) {
            throw new TrezorException.TransportFailed("hidapi cannot be loaded on this machine (" + e.getMessage() + ")", e);
        }
        for (HidDevice device : trezors(services)) {
            if (("hid:" + device.getPath()).equals(path)) {
                if (!device.open()) {
                    String error = device.getLastErrorMessage();
                    services.shutdown();
                    throw new TrezorException.TransportFailed("cannot open the Trezor at " + path + ": " + error
                            + " (permission? install Trezor's udev rules)", null);
                }
                return new HidLink(services, device);
            }
        }
        services.shutdown();
        throw new TrezorException.NoDevice("no HID Trezor at " + path);
    }

    private static HidServices services() {
        HidServicesSpecification spec = new HidServicesSpecification();
        spec.setAutoStart(false);
        spec.setAutoDataRead(false);
        spec.setScanMode(ScanMode.NO_SCAN);
        return HidManager.getHidServices(spec);
    }

    private static List<HidDevice> trezors(HidServices services) {
        services.scan();
        return services.getAttachedHidDevices().stream()
                .filter(d -> d.getVendorId() == VENDOR && d.getProductId() == PRODUCT && d.getInterfaceNumber() <= 0)
                .toList();
    }

    @Override
    public String path() {
        return "hid:" + device.getPath();
    }

    @Override
    public void writeChunk(byte[] chunk) {
        int written = device.write(chunk, CHUNK_SIZE, (byte) 0);
        if (written < 0) {
            throw new TrezorException.DeviceGone("the Trezor at " + path() + " was unplugged (" + device.getLastErrorMessage() + ")", null);
        }
    }

    @Override
    public byte[] readChunk(Duration timeout) {
        byte[] buffer = new byte[CHUNK_SIZE];
        int read = device.read(buffer, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
        if (read < 0) {
            throw new TrezorException.DeviceGone("the Trezor at " + path() + " was unplugged (" + device.getLastErrorMessage() + ")", null);
        }
        if (read == 0) {
            throw new TrezorException.Timeout("the Trezor at " + path() + " did not answer within " + timeout.toSeconds() + " s");
        }
        return Arrays.copyOf(buffer, read);
    }

    @Override
    public void close() {
        device.close();
        services.shutdown();
    }
}
