package org.bcm.core.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.bcm.trezor.device.Bip39;
import org.bcm.trezor.device.MnemonicFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The development device's mnemonic file as bcm creates it: owner only, and never over a file that
 * exists, even one another {@code bcm device serve} created between the check and the write.
 */
class DevelopmentMnemonicTest {

    private static final String MNEMONIC_ALL = "all all all all all all all all all all all all";

    @TempDir
    Path dir;

    @Test
    void aNewMnemonicIsCreatedOwnerOnlyAndReadBackUnchanged() throws Exception {
        Path file = dir.resolve("share/bcm-development-device/mnemonic");

        String created = DeviceService.readOrCreateMnemonic(file, MnemonicFile::generate);

        assertThat(created.split(" ")).hasSize(24);
        Bip39.check(created);
        assertThat(file).hasContent(created);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left").containsExactly("mnemonic");
        }
        assertThat(DeviceService.readOrCreateMnemonic(file, () -> {
            throw new AssertionError("an existing mnemonic is read, not made again");
        })).isEqualTo(created);
    }

    @Test
    void aMnemonicThatAppearsMeanwhileIsReadNotReplaced() throws Exception {
        Path file = dir.resolve("mnemonic");

        String used = DeviceService.readOrCreateMnemonic(file, () -> {
            try {
                // another bcm device serve creates the file after this one found none
                Files.writeString(file, MNEMONIC_ALL + "\n");
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return MnemonicFile.generate();
        });

        assertThat(used).as("the device uses the mnemonic on disk").isEqualTo(MNEMONIC_ALL);
        assertThat(file).hasContent(MNEMONIC_ALL);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("mnemonic");
        }
    }
}
