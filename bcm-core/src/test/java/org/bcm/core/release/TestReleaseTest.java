package org.bcm.core.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reproducible test release: the same bytes on every build, and still a release that verifies. */
class TestReleaseTest {

    @TempDir
    Path tmp;

    private static TestRelease.Builder builder() {
        return TestRelease.builder("Bitcoin Core", "31.1").archiveName("bitcoin-31.1-x86_64-linux-gnu.tar.gz")
                .file("bitcoin-31.1/bin/bitcoind", "#!/bin/sh\n").install("bitcoin-31.1/bin/bitcoind", "/usr/local/bin/bitcoind")
                .firstSignerUsesSubkey();
    }

    @Test
    void aReproducibleReleaseIsTheSameOnEveryBuildAndVerifies() throws Exception {
        TestRelease one = builder().reproducible().build(tmp.resolve("one"));
        TestRelease two = builder().reproducible().build(tmp.resolve("two"));
        for (Path file : one.files()) {
            assertThat(two.dir().resolve(file.getFileName())).as(file.getFileName().toString()).hasSameBinaryContentAs(file);
        }
        assertThat(two.fingerprints()).isEqualTo(one.fingerprints());
        assertThat(two.keysDir().resolve("signer1.asc")).hasSameBinaryContentAs(one.keysDir().resolve("signer1.asc"));

        Map<String, byte[]> signatures = new LinkedHashMap<>();
        for (Path signature : two.signatures()) {
            signatures.put(signature.getFileName().toString(), Files.readAllBytes(signature));
        }
        ReleaseVerifier.Verified verified = ReleaseVerifier.verify(two.spec(tmp.resolve("stack"), "bitcoind"), two.archive(),
                Files.readAllBytes(two.checksums()), signatures);
        assertThat(verified.signers()).hasSize(3);

        TestRelease random = builder().build(tmp.resolve("random"));
        assertThat(random.fingerprints()).doesNotContainAnyElementsOf(one.fingerprints());
    }
}
