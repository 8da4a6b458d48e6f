package org.bcm.cli;

import picocli.CommandLine.Option;

/** {@code --device}: which Trezor to use. */
final class DeviceOption {

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "The Trezor to use: udp[:HOST:PORT] (emulator, development device), bridge[:PATH], usb[:BUS-PORT], hid[:PATH]."
                    + " Default: $BCM_TREZOR, else the one hardware Trezor connected; the emulator and the development device"
                    + " only when chosen (udp).")
    String selector;
}
