package org.bcm.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.trezor.DeviceFeatures;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bcm.trezor.dev.Bip39;
import org.bcm.trezor.dev.MnemonicFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The development device's mnemonic file: outside the bcm home (the default place, a given file
 * refused inside it, one left at the former place neither used nor moved); as bcm creates it, owner
 * only and never over a file that exists, even one another {@code bcm device serve} created between
 * the check and the write.
 */
class DevelopmentMnemonicTest {

    private static final String MNEMONIC_ALL = "all all all all all all all all all all all all";

    @TempDir
    Path dir;

    @Test
    void aNewMnemonicIsCreatedOwnerOnlyAndReadBackUnchanged() throws Exception {
        Path file = dir.resolve("share/bcm-development-device/mnemonic");

        String created = DevelopmentDeviceService.readOrCreateMnemonic(file, MnemonicFile::generate);

        assertThat(created.split(" ")).hasSize(24);
        Bip39.check(created);
        assertThat(file).hasContent(created);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left").containsExactly("mnemonic");
        }
        assertThat(DevelopmentDeviceService.readOrCreateMnemonic(file, () -> {
            throw new AssertionError("an existing mnemonic is read, not made again");
        })).isEqualTo(created);
    }

    @Test
    void aMnemonicThatAppearsMeanwhileIsReadNotReplaced() throws Exception {
        Path file = dir.resolve("mnemonic");

        String used = DevelopmentDeviceService.readOrCreateMnemonic(file, () -> {
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

    @Test
    void theDefaultPlaceIsUnderXdgDataHomeElseTheHomesLocalShare() {
        Path home = dir.resolve("bcm");
        assertThat(service(home, Map.of("XDG_DATA_HOME", dir.resolve("data").toString(), "HOME", dir.resolve("u").toString()))
                .defaultMnemonicFile()).isEqualTo(dir.resolve("data/bcm-development-device/mnemonic"));
        assertThat(service(home, Map.of("HOME", dir.resolve("u").toString())).defaultMnemonicFile())
                .isEqualTo(dir.resolve("u/.local/share/bcm-development-device/mnemonic"));
        assertThat(service(home, Map.of("XDG_DATA_HOME", "relative", "HOME", dir.resolve("u").toString())).defaultMnemonicFile())
                .as("a relative XDG_DATA_HOME is ignored, as the specification says")
                .isEqualTo(dir.resolve("u/.local/share/bcm-development-device/mnemonic"));
        assertThat(service(home, Map.of()).defaultMnemonicFile()).isEqualTo(
                Path.of(System.getProperty("user.home"), ".local/share/bcm-development-device/mnemonic"));
    }

    @Test
    void aMnemonicFileInsideTheBcmHomeIsRefusedByNameOrThroughALink() throws Exception {
        Path home = Files.createDirectories(dir.resolve("bcm"));
        DevelopmentDeviceService service = service(home, Map.of("XDG_DATA_HOME", dir.resolve("data").toString()));
        Path inside = home.resolve("secrets/mnemonic");
        Files.createDirectories(inside.getParent());
        Files.writeString(inside, MNEMONIC_ALL + "\n");
        Files.setPosixFilePermissions(inside, PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(dir.resolve("innocent-looking"), inside);

        for (Path given : new Path[] {inside, link, dir.resolve("bcm/../bcm/secrets/mnemonic")}) {
            assertThatThrownBy(() -> service.serve(spec(given)))
                    .isInstanceOfSatisfying(BcmException.class, e -> {
                        assertThat(e.kind().exitCode()).isEqualTo(2);
                        assertThat(e.getMessage()).contains("inside the bcm home " + home).contains("password store");
                        assertThat(e.hint()).contains(dir.resolve("data/bcm-development-device/mnemonic").toString());
                    });
        }
        DevelopmentDeviceService defaultInside = service(home, Map.of("XDG_DATA_HOME", home.resolve("share").toString()));
        assertThatThrownBy(() -> defaultInside.serve(spec(null)))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("default mnemonic file").contains("inside the bcm home");
                    assertThat(e.hint()).contains("XDG_DATA_HOME");
                });
        assertThat(home.resolve("share")).as("nothing created").doesNotExist();
    }

    @Test
    void aMnemonicAtTheFormerPlaceIsNeitherUsedNorMovedButNamedWithWhatToDo() throws Exception {
        Path home = dir.resolve("bcm");
        DevelopmentDeviceService service = service(home, Map.of("XDG_DATA_HOME", dir.resolve("data").toString()));
        Path former = service.formerMnemonicFile();
        assertThat(former).isEqualTo(home.resolve("trezor/development-device.mnemonic"));
        Files.createDirectories(former.getParent());
        Files.writeString(former, MNEMONIC_ALL + "\n");
        Files.setPosixFilePermissions(former, PosixFilePermissions.fromString("rw-------"));
        Path current = service.defaultMnemonicFile();

        assertThatThrownBy(() -> service.serve(spec(null)))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind().exitCode()).isEqualTo(2);
                    assertThat(e.getMessage()).contains("former place, " + former).contains("no longer reads it");
                    assertThat(e.hint()).contains("mv " + former + " " + current).contains("delete it");
                });
        assertThat(former).as("not moved").hasContent(MNEMONIC_ALL);
        assertThat(current).as("no new mnemonic made in its place").doesNotExist();

        // moved out as the hint says: used, and a copy left behind is named
        Files.createDirectories(current.getParent());
        Files.copy(former, current);
        try (DevelopmentDeviceService.ServedDevice served = service.serve(spec(null))) {
            assertThat(served.mnemonicFile()).isEqualTo(current);
            assertThat(served.warnings()).as("the development device's two, then the one about this start").hasSize(3)
                    .startsWith(DeviceFeatures.DEVELOPMENT_WARNING, DevelopmentDevice.SERVE_WARNING)
                    .last().asString().contains(former.toString()).contains("not used").contains("delete");
        }
        assertThat(former).as("still not touched").hasContent(MNEMONIC_ALL);
    }

    private static DevelopmentDeviceService service(Path home, Map<String, String> environment) {
        return new DevelopmentDeviceService(new BcmHome(home), environment);
    }

    private static DevelopmentDeviceService.DevelopmentDeviceSpec spec(Path mnemonicFile) {
        return new DevelopmentDeviceService.DevelopmentDeviceSpec(0, mnemonicFile, null, false, false, null);
    }
}
