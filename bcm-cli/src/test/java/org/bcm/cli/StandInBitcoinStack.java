package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.bcm.core.release.TestRelease;
import org.bcm.fixtures.bitcoind.StandInRelease;

/**
 * The shipped bitcoin stack in a test's bcm home, with one change: bitcoind's image takes Bitcoin Core's
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
