package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.bcm.core.release.TestRelease;
import org.bcm.fixtures.bitcoind.StandInRelease;
import org.bcm.fixtures.lightning.CoreLightningStandIn;

/**
 * The shipped bitcoin stack (and the lightning stack, {@link #installLightning}) in a test's bcm home, with one change: bitcoind's image takes Bitcoin Core's
 * STAND-IN (StandInRelease: {@code bin/bitcoind} and {@code bin/bitcoin-cli}, the bitcoind simulator)
 * from a release signed by keys of the test, installed as Core's files are, plus a JRE. The stand-in
 * reads the bitcoin.conf, {@code -datadir}, chain and rpcauth lines bcm generates and refuses what Core
 * refuses, so the generated configuration is what is tested.
 */
final class StandInBitcoinStack {

    private StandInBitcoinStack() {
    }

    /**
     * Writes {@code <home>/stacks/bitcoin} and the test-signed release (under {@code dir}).
     *
     * @return the release, for other recipes that take files of it
     */
    static TestRelease install(Path dir, Path home) throws Exception {
        Path standIn = dir.resolve("standin.tar.gz");
        StandInRelease.write(standIn, "31.1");
        TestRelease.Builder release = TestRelease.builder("Bitcoin Core", "31.1").archiveName("bitcoin-31.1-x86_64-linux-gnu.tar.gz").reproducible()
                .install("bitcoin-31.1/bin/bitcoind", "/usr/local/bin/bitcoind")
                .install("bitcoin-31.1/bin/bitcoin-cli", "/usr/local/bin/bitcoin-cli");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(standIn)); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.isFile()) {
                    release.file(entry.getName(), tar.readAllBytes());
                }
            }
        }
        TestRelease signed = release.build(dir.resolve("release"));

        Path shipped = Path.of("..", "stacks", "bitcoin");
        Path stack = home.resolve("stacks/bitcoin");
        Files.createDirectories(stack.resolve("images"));
        Files.copy(shipped.resolve("stack.yml"), stack.resolve("stack.yml"));
        Files.copy(shipped.resolve("images/rpcproxy.yml"), stack.resolve("images/rpcproxy.yml"));
        String recipe = Files.readString(shipped.resolve("images/bitcoind.yml"));
        int start = recipe.indexOf("\nrelease:\n");
        int end = recipe.indexOf("\n# The stack's side of the image");
        assertThat(start).isPositive();
        assertThat(end).isGreaterThan(start);
        signed.writeRecipe(stack, "bitcoind", "packages: [openjdk-17-jre-headless]\n" + recipe.substring(0, start + 1)
                + recipe.substring(end + 1) + "\n");
        return signed;
    }

    /**
     * Writes {@code <home>/stacks/lightning}, the shipped lightning stack with its lightningd recipe
     * taking Core Lightning's STAND-IN (CoreLightningStandIn, a release signed by keys of the test, under
     * {@code dir}) and the Core stand-in's bitcoin-cli from {@code bitcoinCore} (with a JRE: it is the
     * simulator's client).
     *
     * @return Core Lightning's stand-in release, to import
     */
    static TestRelease installLightning(Path dir, Path home, TestRelease bitcoinCore) throws Exception {
        TestRelease.Builder builder = TestRelease.builder("Core Lightning", "26.06.7").archiveName("clightning-v26.06.7-Ubuntu-22.04-amd64.tar.gz")
                .reproducible();
        CoreLightningStandIn.files().forEach(builder::file);
        builder.install("usr/bin/lightningd", "/usr/bin/lightningd").install("usr/bin/lightning-cli", "/usr/bin/lightning-cli")
                .install("usr/bin/lightning-hsmtool", "/usr/bin/lightning-hsmtool").install("usr/libexec/c-lightning/", "/usr/libexec/c-lightning/");
        TestRelease cln = builder.build(dir.resolve("cln-release"));
        Path lightning = home.resolve("stacks/lightning");
        copyTree(Path.of("..", "stacks", "lightning"), lightning);
        String lightningd = Files.readString(lightning.resolve("images/lightningd.yml"));
        int releaseStart = lightningd.indexOf("\nrelease:\n");
        int releaseEnd = lightningd.indexOf("\npackages: [");
        assertThat(releaseStart).isPositive();
        assertThat(releaseEnd).isGreaterThan(releaseStart);
        Files.writeString(lightning.resolve("images/lightningd.yml"), lightningd.substring(0, releaseStart + 1)
                .concat("release:\n")
                .concat(cln.writeListItem(lightning, "core-lightning-standin", null))
                .concat(bitcoinCore.writeListItem(lightning, "bitcoin-core-standin", Map.of("bitcoin-31.1/bin/bitcoin-cli", "/usr/local/bin/bitcoin-cli")))
                .concat(lightningd.substring(releaseEnd + 1).replace("packages: [", "packages: [openjdk-17-jre-headless, ")));
        return cln;
    }

    /** Copies a directory tree (a stack's directory into a bcm home). */
    static void copyTree(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    /** {@code bcm release import} of each release: the offline way into the cache, verified. */
    static void importReleases(BcmProcess bcm, TestRelease... releases) throws Exception {
        for (TestRelease verified : releases) {
            List<String> args = new ArrayList<>(List.of("release", "import", verified.archive().toString(), verified.checksums().toString()));
            verified.signatures().forEach(s -> args.add(s.toString()));
            BcmProcess.Result imported = bcm.run(args.toArray(String[]::new));
            assertThat(imported.exitCode()).as(imported.toString()).isZero();
        }
    }
}
