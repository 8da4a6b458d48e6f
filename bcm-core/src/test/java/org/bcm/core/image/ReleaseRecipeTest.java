package org.bcm.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.release.Downloads;
import org.bcm.core.release.MavenArtifacts;
import org.bcm.core.release.Releases;
import org.bcm.core.release.TestRelease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Image recipes with a {@code release:} step: what they read, what their tag covers, what they refuse. */
class ReleaseRecipeTest {

    private static final String BASE = "a".repeat(64);

    @TempDir
    Path tmp;

    private TestRelease release(String baseUrl) {
        return TestRelease.builder("Bitcoin Core", "31.1").archiveName("bitcoin-31.1-x86_64-linux-gnu.tar.gz")
                .file("bitcoin-31.1/bin/bitcoind", "#!/bin/sh\n").install("bitcoin-31.1/bin/bitcoind", "/usr/local/bin/bitcoind")
                .baseUrl(baseUrl).build(tmp.resolve("release"));
    }

    @Test
    void aRecipeReadsItsReleaseAndTheTagCoversThePinnedKeys() throws Exception {
        TestRelease release = release("https://example.invalid/bin/");
        Path stack = tmp.resolve("stacks/bitcoin");
        Path file = release.writeRecipe(stack, "bitcoind", "entrypoint: [/usr/local/bin/bitcoind]\n");

        DockerImageRecipe recipe = DockerImageRecipe.read("bitcoind", file, BASE);

        assertThat(recipe.releases().get(0).title()).isEqualTo("Bitcoin Core 31.1");
        assertThat(recipe.releases().get(0).sha256()).isEqualTo(release.sha256());
        assertThat(recipe.releases().get(0).signers()).extracting(s -> s.fingerprint()).containsExactlyElementsOf(release.fingerprints());
        assertThat(recipe.releases().get(0).threshold()).isEqualTo(2);
        assertThat(recipe.releases().get(0).install()).containsExactly(java.util.Map.entry("bitcoin-31.1/bin/bitcoind", "/usr/local/bin/bitcoind"));
        assertThat(recipe.releases().get(0).keyFiles()).extracting(k -> k.name()).containsExactly("signer1.asc", "signer2.asc", "signer3.asc");
        String tag = recipe.tag();

        // the same recipe bytes, another pinned key file: another tag
        Path key = stack.resolve("keys/bitcoind/signer2.asc");
        Files.writeString(key, Files.readString(key) + "\n");
        String keyChanged = DockerImageRecipe.read("bitcoind", file, BASE).tag();
        assertThat(keyChanged).isNotEqualTo(tag);
        // and a changed release section too
        Files.writeString(file, Files.readString(file).replace("threshold: 2", "threshold: 3"));
        DockerImageRecipe thresholdChanged = DockerImageRecipe.read("bitcoind", file, BASE);
        assertThat(thresholdChanged.releases().get(0).threshold()).isEqualTo(3);
        assertThat(thresholdChanged.tag()).isNotEqualTo(keyChanged).isNotEqualTo(tag);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "version: \"31.1\"|version: 31.1|release.version must be a quoted string (\"31.1\"): a YAML number loses digits (31.10 reads as 31.1)",
        "threshold: 2|threshold: 4|release.threshold must be a number from 1 to the number of signers (3)",
        "keys: ../keys/bitcoind|keys: ../../elsewhere|release.keys '../../elsewhere' must be a directory inside the stack's directory",
        "  install:|  instal:|release: Unrecognized field \"instal\"",
        "bitcoin-31.1-x86_64-linux-gnu.tar.gz, sha256|bitcoin-31.1-x86_64-linux-gnu.zip, sha256|release.archive.url must be an archive whose name ends in .tar.gz, .tgz, .tar.bz2, .tar.xz, .tar (not 'bitcoin-31.1-x86_64-linux-gnu.zip')",
        "https://example.invalid/bin/SHA256SUMS\\n|ftp://example.invalid/bin/SHA256SUMS\\n|release.checksums.url must be an http or https URL without user, query or fragment ('ftp://example.invalid/bin/SHA256SUMS')",
        ": /usr/local/bin/bitcoind|: usr/local/bin/bitcoind|release.install must be absolute image paths, without '..' ('usr/local/bin/bitcoind')",
        ": /usr/local/bin/bitcoind|: /usr/local/bin/|release.install must be a directory (ending in '/') to a directory, a file to a file ('bitcoin-31.1/bin/bitcoind': '/usr/local/bin/')",
    })
    void aMalformedReleaseSectionIsInvalidInputNamingTheKey(String from, String to, String message) throws Exception {
        TestRelease release = release("https://example.invalid/bin/");
        Path file = release.writeRecipe(tmp.resolve("stacks/bitcoin"), "bitcoind", "");
        String yaml = Files.readString(file);
        assertThat(yaml).contains(from.replace("\\n", "\n"));
        Files.writeString(file, yaml.replace(from.replace("\\n", "\n"), to.replace("\\n", "\n")));

        assertThatThrownBy(() -> DockerImageRecipe.read("bitcoind", file, BASE))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT);
                    assertThat(e.hint()).isEqualTo("fix the release section of the recipe (docs/stacks.md, \"The release step\")");
                })
                .hasMessageStartingWith("Image recipe " + file + ": " + message);
    }

    @Test
    void aWrongFingerprintIsCaughtWhenTheReleaseIsVerifiedNotSilentlyIgnored() throws Exception {
        TestRelease release = release("https://example.invalid/bin/");
        Path file = release.writeRecipe(tmp.resolve("stacks/bitcoin"), "bitcoind", "");
        Files.writeString(file, Files.readString(file).replace(release.fingerprints().get(1), "ABCDEF0123456789ABCDEF0123456789ABCDEF01"));
        DockerImageRecipe recipe = DockerImageRecipe.read("bitcoind", file, BASE);

        assertThatThrownBy(() -> new Releases(tmp.resolve("cache"), Downloads.direct()).importFiles(release.files(), java.util.List.of(recipe.releases().get(0))))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED))
                .hasMessageStartingWith("Unknown key: the key file signer2.asc in ../keys/bitcoind holds the key " + release.fingerprints().get(1));
    }

    @Test
    void anImageWhoseReleaseIsMissingOfflineFailsBeforeAnythingIsBuilt() throws Exception {
        String base;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            base = "http://127.0.0.1:" + closed.getLocalPort() + "/";
        }
        TestRelease release = release(base);
        Path file = release.writeRecipe(tmp.resolve("stacks/bitcoin"), "bitcoind", "packages: [ca-certificates]\n");
        DockerImageRecipe recipe = DockerImageRecipe.read("bitcoind", file, BASE);
        Path cache = tmp.resolve("cache");
        DockerImages images = new DockerImages(DockerImages.baseRecipe(), cache, Progress.NONE, new Releases(cache, Downloads.direct()),
                new MavenArtifacts(cache, null, MavenArtifacts.CENTRAL, Downloads.direct()));

        assertThatThrownBy(() -> images.ensureBuilt(recipe))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
                    assertThat(e.hint()).contains("bcm release import bitcoin-31.1-x86_64-linux-gnu.tar.gz SHA256SUMS SHA256SUMS.asc");
                });
        assertThat(cache.resolve("docker-rootfs")).doesNotExist();
        assertThat(cache.resolve("docker-images")).doesNotExist();
    }

    @Test
    void aRecipeWithAReleaseMustBeReadFromItsFile() {
        assertThatThrownBy(() -> DockerImageRecipe.parse("bitcoind", "release: {project: x}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                BASE, "bitcoind.yml"))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT));
    }

}
