package org.bcm.core.device;

/**
 * A device bcm can reach.
 *
 * @param path        the {@code --device} selector that opens exactly this device, e.g. {@code usb:1-2}, {@code udp:127.0.0.1:21324}
 * @param transport   {@code usb}, {@code hid}, {@code bridge} or {@code udp}
 * @param description what it is, e.g. {@code Trezor (WebUSB)}
 */
public record FoundDevice(String path, String transport, String description) { }
