package org.bcm.trezor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds Trezor devices plugged into this machine by their USB vendor and product ids, read from
 * Linux sysfs ({@code /sys/bus/usb/devices/*\/idVendor}, {@code idProduct}). Opening no device and
 * needing no USB library, it works on machines without libusb.
 *
 * <p>Ids (trezor-firmware, {@code python/src/trezorlib/transport}): {@code 534c:0001} Trezor One
 * over HID (old firmware); {@code 1209:53c1} Trezor over WebUSB; {@code 1209:53c0} a Trezor in
 * its bootloader.
 */
public final class TrezorDevices {

    /** One plugged-in device. {@code busPath} is the sysfs name, e.g. {@code 1-2}. */
    public record UsbTrezor(String busPath, String vendorId, String productId, String kind, String product) { }

    private final Path sysfsUsbDevices;

    /** Reads {@code /sys/bus/usb/devices}. */
    public TrezorDevices() {
        this(Path.of("/sys/bus/usb/devices"));
    }

    /** Reads a sysfs-like directory (tests point this at a directory of their own). */
    public TrezorDevices(Path sysfsUsbDevices) {
        this.sysfsUsbDevices = sysfsUsbDevices;
    }

    /** Every Trezor plugged in, by bus path; empty when none is or sysfs is not there. */
    public List<UsbTrezor> connected() {
        List<UsbTrezor> found = new ArrayList<>();
        if (!Files.isDirectory(sysfsUsbDevices)) {
            return found;
        }
        try (var devices = Files.list(sysfsUsbDevices)) {
            for (Path device : devices.sorted().toList()) {
                String vendor = read(device.resolve("idVendor")).orElse("");
                String product = read(device.resolve("idProduct")).orElse("");
                kind(vendor, product).ifPresent(kind -> found.add(new UsbTrezor(device.getFileName().toString(), vendor, product, kind,
                        read(device.resolve("product")).orElse("Trezor"))));
            }
        } catch (IOException e) {
            return found;
        }
        return found;
    }

    /** What a vendor:product pair is, or empty when it is not a Trezor. */
    static Optional<String> kind(String vendorId, String productId) {
        String id = vendorId.toLowerCase(Locale.ROOT) + ":" + productId.toLowerCase(Locale.ROOT);
        return switch (id) {
            case "534c:0001" -> Optional.of("Trezor One (HID)");
            case "1209:53c1" -> Optional.of("Trezor (WebUSB)");
            case "1209:53c0" -> Optional.of("Trezor (bootloader)");
            default -> Optional.empty();
        };
    }

    private static Optional<String> read(Path file) {
        try {
            return Files.isReadable(file) ? Optional.of(Files.readString(file).trim()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
