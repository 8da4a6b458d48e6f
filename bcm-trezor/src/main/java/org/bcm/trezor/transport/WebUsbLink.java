package org.bcm.trezor.transport;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bcm.trezor.TrezorException;
import org.usb4java.Context;
import org.usb4java.Device;
import org.usb4java.DeviceDescriptor;
import org.usb4java.DeviceHandle;
import org.usb4java.DeviceList;
import org.usb4java.LibUsb;

/**
 * A Trezor over WebUSB through libusb (usb4java): VID:PID {@code 1209:53c1}, interface 0, interrupt
 * OUT endpoint {@code 0x01}, IN endpoint {@code 0x81}, 64-byte transfers (trezorlib
 * {@code transport/webusb.py}). Paths are {@code usb:BUS-PORT[.PORT...]}, the sysfs names.
 *
 * <p>libusb is loaded on first use; a machine without it, or without USB, gets
 * {@link TrezorException.TransportFailed} from {@link #open} and an empty list from {@link #enumerate}.
 */
public final class WebUsbLink implements ChunkLink {

    static final short VENDOR = 0x1209;
    static final short PRODUCT = 0x53c1;
    private static final int INTERFACE = 0;
    private static final byte OUT = 0x01;
    private static final byte IN = (byte) 0x81;

    private final String path;
    private final Context context;
    private final DeviceHandle handle;

    private WebUsbLink(String path, Context context, DeviceHandle handle) {
        this.path = path;
        this.context = context;
        this.handle = handle;
    }

    /** Paths of the WebUSB Trezors libusb sees; empty when libusb cannot be loaded. */
    public static List<String> enumerate() {
        List<String> paths = new ArrayList<>();
        try {
            Context context = new Context();
            if (LibUsb.init(context) != LibUsb.SUCCESS) {
                return paths;
            }
            try {
                forEachTrezor(context, (device, path) -> {
                    paths.add(path);
                    return false;
                });
            } finally {
                LibUsb.exit(context);
            }
        } catch (LinkageError | RuntimeException e) {
            return paths;
        }
        return paths;
    }

    /**
     * Opens the device at {@code path} and claims interface 0.
     *
     * @throws TrezorException.NoDevice when no WebUSB Trezor has that path
     * @throws TrezorException.TransportFailed when libusb is missing or the device cannot be claimed (udev rules?)
     */
    public static WebUsbLink open(String path) {
        Context context = new Context();
        try {
            int result = LibUsb.init(context);
            if (result != LibUsb.SUCCESS) {
                throw new TrezorException.TransportFailed("libusb does not start: " + LibUsb.strError(result), null);
            }
        } catch (LinkageError e) {
            throw new TrezorException.TransportFailed("libusb cannot be loaded on this machine (" + e.getMessage() + ")", e);
        }
        DeviceHandle[] opened = new DeviceHandle[1];
        int[] error = {LibUsb.SUCCESS};
        forEachTrezor(context, (device, candidate) -> {
            if (!candidate.equals(path)) {
                return false;
            }
            DeviceHandle handle = new DeviceHandle();
            error[0] = LibUsb.open(device, handle);
            if (error[0] == LibUsb.SUCCESS) {
                LibUsb.setAutoDetachKernelDriver(handle, true);
                error[0] = LibUsb.claimInterface(handle, INTERFACE);
                if (error[0] == LibUsb.SUCCESS) {
                    opened[0] = handle;
                } else {
                    LibUsb.close(handle);
                }
            }
            return true;
        });
        if (opened[0] == null) {
            LibUsb.exit(context);
            if (error[0] == LibUsb.SUCCESS) {
                throw new TrezorException.NoDevice("no WebUSB Trezor at " + path);
            }
            String hint = error[0] == LibUsb.ERROR_ACCESS
                    ? ": permission denied; install Trezor's udev rules (https://trezor.io/learn/a/udev-rules) or run as root"
                    : error[0] == LibUsb.ERROR_BUSY ? ": another program (Trezor Suite, the bridge) holds it" : "";
            throw new TrezorException.TransportFailed("cannot open the Trezor at " + path + ": " + LibUsb.strError(error[0]) + hint, null);
        }
        return new WebUsbLink(path, context, opened[0]);
    }

    private interface Visitor {
        /** Returns true to stop. */
        boolean visit(Device device, String path);
    }

    private static void forEachTrezor(Context context, Visitor visitor) {
        DeviceList list = new DeviceList();
        if (LibUsb.getDeviceList(context, list) < 0) {
            return;
        }
        try {
            for (Device device : list) {
                DeviceDescriptor descriptor = new DeviceDescriptor();
                if (LibUsb.getDeviceDescriptor(device, descriptor) != LibUsb.SUCCESS
                        || descriptor.idVendor() != VENDOR || descriptor.idProduct() != PRODUCT) {
                    continue;
                }
                if (visitor.visit(device, path(device))) {
                    return;
                }
            }
        } finally {
            LibUsb.freeDeviceList(list, true);
        }
    }

    /** {@code usb:BUS-PORT.PORT}, as Linux names the device in sysfs. */
    private static String path(Device device) {
        ByteBuffer ports = ByteBuffer.allocateDirect(8);
        int count = LibUsb.getPortNumbers(device, ports);
        StringBuilder out = new StringBuilder("usb:").append(LibUsb.getBusNumber(device)).append('-');
        for (int i = 0; i < Math.max(0, count); i++) {
            out.append(i == 0 ? "" : ".").append(ports.get(i) & 0xff);
        }
        return out.toString();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public void writeChunk(byte[] chunk) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_SIZE).put(chunk);
        int result = LibUsb.interruptTransfer(handle, OUT, buffer, IntBuffer.allocate(1), 5000);
        check(result, "writing to");
    }

    @Override
    public byte[] readChunk(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_SIZE);
            IntBuffer transferred = IntBuffer.allocate(1);
            long slice = Math.min(500, Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            int result = LibUsb.interruptTransfer(handle, IN, buffer, transferred, slice);
            if (result == LibUsb.ERROR_TIMEOUT) {
                if (System.nanoTime() >= deadline) {
                    throw new TrezorException.Timeout("the Trezor at " + path + " did not answer within " + timeout.toSeconds() + " s");
                }
                continue;
            }
            check(result, "reading from");
            if (transferred.get(0) == 0) {
                continue;
            }
            byte[] chunk = new byte[transferred.get(0)];
            buffer.get(chunk);
            return chunk;
        }
    }

    private void check(int result, String doing) {
        if (result == LibUsb.ERROR_NO_DEVICE || result == LibUsb.ERROR_IO) {
            throw new TrezorException.DeviceGone("the Trezor at " + path + " was unplugged (" + LibUsb.strError(result) + ")", null);
        }
        if (result != LibUsb.SUCCESS) {
            throw new TrezorException.TransportFailed(doing + " the Trezor at " + path + " failed: " + LibUsb.strError(result), null);
        }
    }

    @Override
    public void close() {
        LibUsb.releaseInterface(handle, INTERFACE);
        LibUsb.close(handle);
        LibUsb.exit(context);
    }
}
