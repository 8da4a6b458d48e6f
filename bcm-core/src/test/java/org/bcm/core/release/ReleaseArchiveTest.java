package org.bcm.core.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release's files installed into a root filesystem: only what the recipe names, mode 0755, never through a link out of it. */
class ReleaseArchiveTest {

    @TempDir
    Path tmp;

    @Test
    void installsTheNamedFilesWithMode0755AndNothingElse() throws Exception {
        TestRelease release = TestRelease.builder("Fulcrum", "2.1.1").archiveName("Fulcrum-2.1.1-x86_64-linux.tar.gz")
                .file("Fulcrum-2.1.1-x86_64-linux/Fulcrum", "#!/bin/sh\necho fulcrum\n")
                .file("./Fulcrum-2.1.1-x86_64-linux/FulcrumAdmin", "#!/bin/sh\necho admin\n")
                .file("Fulcrum-2.1.1-x86_64-linux/fulcrum-example-config.conf", "# example\n")
                .install("Fulcrum-2.1.1-x86_64-linux/Fulcrum", "/usr/local/bin/Fulcrum")
                .install("Fulcrum-2.1.1-x86_64-linux/FulcrumAdmin", "/usr/local/bin/FulcrumAdmin")
                .build(tmp.resolve("release"));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "fulcrum");
        Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));

        ReleaseArchive.install(spec, release.archive(), rootfs);

        assertThat(rootfs.resolve("usr/local/bin/Fulcrum")).hasContent("#!/bin/sh\necho fulcrum");
        assertThat(rootfs.resolve("usr/local/bin/FulcrumAdmin")).hasContent("#!/bin/sh\necho admin");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rootfs.resolve("usr/local/bin/Fulcrum")))).isEqualTo("rwxr-xr-x");
        try (var all = Files.walk(rootfs)) {
            assertThat(all.filter(Files::isRegularFile)).hasSize(2);
        }
    }

    @Test
    void aDirectoryBringsEveryFileBelowIt() throws Exception {
        TestRelease release = TestRelease.builder("Core Lightning", "26.06.7").archiveName("clightning-v26.06.7-Ubuntu-22.04-amd64.tar.gz")
                .file("./usr/bin/lightningd", "#!/bin/sh\n")
                .file("./usr/libexec/c-lightning/lightning_hsmd", "hsmd")
                .file("./usr/libexec/c-lightning/plugins/bcli", "bcli")
                .file("./usr/share/doc/README", "not installed")
                .install("usr/bin/lightningd", "/usr/bin/lightningd")
                .install("usr/libexec/c-lightning/", "/usr/libexec/c-lightning/")
                .build(tmp.resolve("release"));
        Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));

        ReleaseArchive.install(release.spec(tmp.resolve("stack"), "lightningd"), release.archive(), rootfs);

        assertThat(rootfs.resolve("usr/libexec/c-lightning/lightning_hsmd")).hasContent("hsmd");
        assertThat(rootfs.resolve("usr/libexec/c-lightning/plugins/bcli")).hasContent("bcli");
        assertThat(rootfs.resolve("usr/share")).doesNotExist();

        TestRelease without = TestRelease.builder("Core Lightning", "26.06.7").archiveName("clightning-v26.06.7-Ubuntu-22.04-amd64.tar.gz")
                .file("./usr/bin/lightningd", "#!/bin/sh\n")
                .install("usr/libexec/c-lightning/", "/usr/libexec/c-lightning/")
                .build(tmp.resolve("release2"));
        assertThatThrownBy(() -> ReleaseArchive.install(without.spec(tmp.resolve("stack2"), "lightningd"), without.archive(),
                Files.createDirectories(tmp.resolve("rootfs2"))))
                .hasMessageContaining("holds no file usr/libexec/c-lightning/");
    }

    @Test
    void aFileTheArchiveDoesNotHoldIsAnErrorNamingWhatItHolds() throws Exception {
        TestRelease release = TestRelease.builder("Bitcoin Core", "31.1").file("bitcoin-31.1/bin/bitcoind", "x")
                .install("bitcoin-31.1/bin/bitcoin-cli", "/usr/local/bin/bitcoin-cli").build(tmp.resolve("release"));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");

        assertThatThrownBy(() -> ReleaseArchive.install(spec, release.archive(), Files.createDirectories(tmp.resolve("rootfs"))))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT);
                    assertThat(e.hint()).isEqualTo("fix release.install; the archive holds e.g. bitcoin-31.1/bin/bitcoind");
                })
                .hasMessage("Image recipe " + spec.origin() + ": bitcoin-core-31.1.tar.gz holds no file bitcoin-31.1/bin/bitcoin-cli");
    }

    @Test
    void anImagePathBehindALinkOutOfTheRootFilesystemIsRefused() throws Exception {
        TestRelease release = TestRelease.builder("Bitcoin Core", "31.1").file("bitcoin-31.1/bin/bitcoind", "x")
                .install("bitcoin-31.1/bin/bitcoind", "/usr/local/bin/bitcoind").build(tmp.resolve("release"));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
        Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        Path outside = Files.createDirectories(tmp.resolve("host-bin"));
        Files.createDirectories(rootfs.resolve("usr/local"));
        Files.createSymbolicLink(rootfs.resolve("usr/local/bin"), outside.toAbsolutePath());

        assertThatThrownBy(() -> ReleaseArchive.install(spec, release.archive(), rootfs))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT))
                .hasMessageContaining("leads out of the image through a symbolic link");
        try (var written = Files.list(outside)) {
            assertThat(written).isEmpty();
        }
    }
}
