package org.bcm.trezor;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bcm.trezor.transport.Bridge;
import org.bcm.trezor.transport.ChunkTransport;
import org.bcm.trezor.transport.HidLink;
import org.bcm.trezor.transport.Transport;
import org.bcm.trezor.transport.UdpLink;
import org.bcm.trezor.transport.WebUsbLink;

/**
 * Finds devices on every transport and opens the one asked for.
 *
 * <p>Device selectors, as {@code --device} and {@code BCM_TREZOR} take them: {@code udp} or
 * {@code udp:HOST:PORT} (an emulator or bcm's development device; default 127.0.0.1:21324),
 * {@code bridge} or {@code bridge:PATH} (Trezor Bridge on 127.0.0.1:21325), {@code usb} or
 * {@code usb:BUS-PORT} (WebUSB through libusb), {@code hid} or {@code hid:PATH} (Trezor One on old
 * firmware).
 *
 * <p>Without a selector only a hardware device is chosen: the bridge's devices when a bridge runs
 * (it holds USB then), else WebUSB and HID devices; several of them need a selector. The emulator or
 * development device on UDP is never chosen without one, because any local process can serve that
 * port and would then receive every request meant for the Trezor: when nothing else is found and
 * one answers on UDP 127.0.0.1:21324, the NoDevice message says so and how to choose it
 * ({@code --device=udp}, {@code BCM_TREZOR=udp}).
 */
public final class TrezorDevices {

    /**
     * A device found on a transport.
     *
     * @param path        the selector that opens exactly this device
     * @param transport   {@code usb}, {@code hid}, {@code bridge} or {@code udp}
     * @param description what it is, e.g. {@code Trezor (WebUSB)}
     */
    public record Found(String path, String transport, String description) {
        /** True for the transports a hardware device uses. */
        public boolean hardware() {
            return !transport.equals("udp");
        }
    }

    /** One plugged-in device seen in sysfs. {@code busPath} is the sysfs name, e.g. {@code 1-2}. */
    public record UsbTrezor(String busPath, String vendorId, String productId, String kind, String product) { }

    private final Path sysfsUsbDevices;
    private final Bridge bridge;
    private final String udpHost;
    private final int udpPort;

    /** The standard places: sysfs, the bridge on 127.0.0.1:21325, UDP 127.0.0.1:21324. */
    public TrezorDevices() {
        this(Path.of("/sys/bus/usb/devices"), Bridge.DEFAULT_URL, "127.0.0.1", UdpLink.DEFAULT_PORT);
    }

    /** Other places (tests). */
    public TrezorDevices(Path sysfsUsbDevices, URI bridgeUrl, String udpHost, int udpPort) {
        this.sysfsUsbDevices = sysfsUsbDevices;
        this.bridge = new Bridge(bridgeUrl);
        this.udpHost = udpHost;
        this.udpPort = udpPort;
    }

    /** Every device that answers or can be opened, hardware first. Never throws for a missing transport. */
    public List<Found> enumerate() {
        List<Found> found = new ArrayList<>(hardware());
        udp(udpHost, udpPort).ifPresent(found::add);
        return found;
    }

    private List<Found> hardware() {
        List<Found> found = new ArrayList<>();
        if (bridge.running()) {
            try {
                for (Bridge.Device device : bridge.enumerate()) {
                    found.add(new Found("bridge:" + device.path(), "bridge", "Trezor through Trezor Bridge"
                            + (device.session() == null ? "" : " (in use by another program)")));
                }
            } catch (TrezorException e) {
                // the bridge went away between the two calls
            }
            return found;
        }
        WebUsbLink.enumerate().forEach(path -> found.add(new Found(path, "usb", "Trezor (WebUSB)")));
        HidLink.enumerate().forEach(path -> found.add(new Found(path, "hid", "Trezor One (HID)")));
        return found;
    }

    private static Optional<Found> udp(String host, int port) {
        try (UdpLink link = new UdpLink(host, port)) {
            return link.ping(Duration.ofMillis(300))
                    ? Optional.of(new Found("udp:" + host + ":" + port, "udp",
                            "emulator or bcm development device (software, for tests and demos; used only when chosen with --device)"))
                    : Optional.empty();
        } catch (TrezorException e) {
            return Optional.empty();
        }
    }

    /**
     * Opens the device a selector names, or (selector null or blank) the one hardware device
     * connected; never the emulator or development device without a selector.
     *
     * @throws IllegalArgumentException for a selector of no known form
     * @throws TrezorException.NoDevice when nothing matches, with what to do (and, without a selector,
     *                                  that an emulator or development device answers on UDP and how to choose it)
     * @throws TrezorException.TransportFailed when the device is there but cannot be opened
     */
    public Transport open(String selector) {
        if (selector == null || selector.isBlank()) {
            return openDefault();
        }
        String s = selector.strip();
        String kind = s.contains(":") ? s.substring(0, s.indexOf(':')) : s;
        String rest = s.contains(":") ? s.substring(s.indexOf(':') + 1) : "";
        switch (kind.toLowerCase(Locale.ROOT)) {
            case "udp" -> {
                String host = udpHost;
                int port = udpPort;
                if (!rest.isEmpty()) {
                    int colon = rest.lastIndexOf(':');
                    try {
                        host = colon < 0 ? rest : rest.substring(0, colon);
                        port = colon < 0 ? udpPort : Integer.parseInt(rest.substring(colon + 1));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("bad device '" + selector + "': expected udp:HOST:PORT");
                    }
                }
                UdpLink link = new UdpLink(host, port);
                if (!link.ping(Duration.ofSeconds(1))) {
                    link.close();
                    throw new TrezorException.NoDevice("no emulator or development device answers at udp:" + host + ":" + port
                            + ": start one with `bcm device serve --port=" + port + "`");
                }
                return new ChunkTransport(link);
            }
            case "bridge" -> {
                if (!bridge.running()) {
                    throw new TrezorException.NoDevice("no Trezor Bridge runs on 127.0.0.1:21325");
                }
                List<Bridge.Device> devices = bridge.enumerate();
                for (Bridge.Device device : devices) {
                    if (rest.isEmpty() || device.path().equals(rest)) {
                        return bridge.open(device);
                    }
                }
                throw new TrezorException.NoDevice(devices.isEmpty() ? "Trezor Bridge runs but sees no Trezor: plug one in"
                        : "Trezor Bridge has no device " + rest);
            }
            case "usb" -> {
                List<String> paths = WebUsbLink.enumerate();
                String path = rest.isEmpty() ? paths.stream().findFirst().orElseThrow(() -> noDevice("no WebUSB Trezor found")) : s;
                return new ChunkTransport(WebUsbLink.open(path));
            }
            case "hid" -> {
                List<String> paths = HidLink.enumerate();
                String path = rest.isEmpty() ? paths.stream().findFirst().orElseThrow(() -> noDevice("no HID Trezor found")) : s;
                return new ChunkTransport(HidLink.open(path));
            }
            default -> throw new IllegalArgumentException("bad device '" + selector
                    + "': expected udp[:HOST:PORT], bridge[:PATH], usb[:BUS-PORT] or hid[:PATH]");
        }
    }

    private Transport openDefault() {
        List<Found> hardware = hardware();
        if (hardware.size() > 1) {
            throw new TrezorException.NoDevice("several Trezors are connected (" + String.join(", ", hardware.stream().map(Found::path).toList())
                    + "): choose one with --device or BCM_TREZOR");
        }
        if (hardware.size() == 1) {
            return open(hardware.get(0).path());
        }
        List<UsbTrezor> plugged = connected();
        if (plugged.isEmpty() && udp(udpHost, udpPort).isPresent()) {
            String selector = udpSelector(udpHost, udpPort);
            throw new TrezorException.NoDevice("no Trezor found; an emulator or bcm development device answers at udp:" + udpHost + ":" + udpPort
                    + ", but a software device is used only when chosen: --device=" + selector + " or BCM_TREZOR=" + selector);
        }
        throw noDevice("no Trezor found", plugged);
    }

    /** The selector that chooses the emulator at {@code host:port}: plain {@code udp} for its standard place. */
    static String udpSelector(String host, int port) {
        return host.equals("127.0.0.1") && port == UdpLink.DEFAULT_PORT ? "udp" : "udp:" + host + ":" + port;
    }

    private TrezorException.NoDevice noDevice(String what) {
        return noDevice(what, connected());
    }

    /** No device could be opened; {@code plugged}: the Trezors sysfs lists, which name the likely cause. */
    private static TrezorException.NoDevice noDevice(String what, List<UsbTrezor> plugged) {
        String hint = plugged.isEmpty()
                ? ": plug in a Trezor or start Trezor Bridge; for tests and demos, run the development device (`bcm device serve`)"
                        + " and choose it with --device=udp or BCM_TREZOR=udp"
                : ": " + plugged.get(0).kind() + " is plugged in at " + plugged.get(0).busPath()
                        + " but cannot be opened: install Trezor's udev rules (https://trezor.io/learn/a/udev-rules),"
                        + " or close the program that holds it; a Trezor Safe 7 speaks THP, which bcm does not support yet";
        return new TrezorException.NoDevice(what + hint);
    }

    /** Every Trezor plugged in according to sysfs (no USB library needed); empty when none is or sysfs is not there. */
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

    /**
     * What a vendor:product pair is, or empty when it is not a Trezor (trezorlib {@code transport}:
     * {@code 534c:0001} Trezor One over HID, {@code 1209:53c1} WebUSB, {@code 1209:53c0} bootloader).
     */
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
