package org.bcm.trezor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrezorDevicesTest {

    @TempDir
    Path sysfs;

    private void device(String name, String vendor, String product) throws IOException {
        Path dir = Files.createDirectories(sysfs.resolve(name));
        Files.writeString(dir.resolve("idVendor"), vendor + "\n");
        Files.writeString(dir.resolve("idProduct"), product + "\n");
    }

    @Test
    void findsTrezorsByVendorAndProductIdAndIgnoresOtherDevices() throws IOException {
        device("1-1", "1d6b", "0002");
        device("1-2", "1209", "53c1");
        device("2-1", "534c", "0001");

        var found = new TrezorDevices(sysfs, java.net.URI.create("http://127.0.0.1:9"), "127.0.0.1", 9).connected();

        assertThat(found).extracting(TrezorDevices.UsbTrezor::busPath).containsExactly("1-2", "2-1");
        assertThat(found.get(0).kind()).isEqualTo("Trezor (WebUSB)");
        assertThat(found.get(1).kind()).isEqualTo("Trezor One (HID)");
    }

    @Test
    void noSysfsMeansNoDevices() {
        assertThat(new TrezorDevices(sysfs.resolve("missing"), java.net.URI.create("http://127.0.0.1:9"), "127.0.0.1", 9).connected()).isEmpty();
    }

    @Test
    void theEmulatorsOwnPlaceIsChosenWithPlainUdp() {
        assertThat(TrezorDevices.udpSelector("127.0.0.1", 21324)).isEqualTo("udp");
        assertThat(TrezorDevices.udpSelector("127.0.0.1", 31324)).isEqualTo("udp:127.0.0.1:31324");
    }
}
