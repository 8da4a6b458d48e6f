package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bcm.core.home.BcmHome;
import org.bcm.core.release.TestRelease;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bcm release list} and {@code bcm release import} through the built launcher, on an operator
 * stack whose image recipe has a release step made by {@link TestRelease} (no LXD, no network: the
 * recipe's URLs are never fetched).
 */
class ReleaseCommandIT {

    private Path dir;
    private Path home;
    private BcmProcess bcm;
    private TestRelease release;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("bcm-release-cli");
        home = dir.resolve("home");
        bcm = new BcmProcess(home, Map.of("BCM_SOCKS_PROXY", "none"));
        release = TestRelease.builder("Bitcoin Core", "31.1").archiveName("bitcoin-31.1-x86_64-linux-gnu.tar.gz")
                .file("bitcoin-31.1/bin/bitcoind", "#!/bin/sh\necho stand-in\n")
                .install("bitcoin-31.1/bin/bitcoind", "/usr/local/bin/bitcoind").build(dir.resolve("fetched"));
        Path stack = home.resolve("stacks/node");
        Files.createDirectories(stack);
        Files.writeString(stack.resolve("stack.yml"), "version: \"3.8\"\nx-bcm:\n  description: a test stack\n"
                + "services:\n  bitcoind:\n    image: ${BCM_IMAGE_STANDIN}\n");
        release.writeRecipe(stack, "standin", "entrypoint: [/usr/local/bin/bitcoind]\n");
    }

    @AfterEach
    void tearDown() {
        BcmHome.deleteTree(dir);
    }

    @Test
    void importVerifiesAndCachesTheFilesAndListShowsThem() throws Exception {
        BcmProcess.Result before = bcm.run("release", "list", "--output=json");
        assertThat(before.exitCode()).as(before.toString()).isZero();
        JsonNode missing = new ObjectMapper().readTree(before.out()).get(0);
        assertThat(missing.get("project").asText()).isEqualTo("Bitcoin Core");
        assertThat(missing.get("cached").isNull()).isTrue();

        List<String> args = new ArrayList<>(List.of("release", "import"));
        release.files().forEach(f -> args.add(f.toString()));
        BcmProcess.Result imported = bcm.run(args.toArray(String[]::new));
        assertThat(imported.exitCode()).as(imported.toString()).isZero();
        assertThat(imported.out()).contains("Bitcoin Core", "31.1", "bitcoin-31.1-x86_64-linux-gnu.tar.gz", "signer1,signer2,signer3");

        BcmProcess.Result after = bcm.run("release", "list", "--output=json");
        JsonNode cached = new ObjectMapper().readTree(after.out()).get(0);
        assertThat(cached.get("sha256").asText()).isEqualTo(release.sha256());
        assertThat(cached.get("signers")).extracting(JsonNode::asText).containsExactly("signer1", "signer2", "signer3");
        assertThat(Path.of(cached.get("cached").asText())).hasSameBinaryContentAs(release.archive())
                .startsWith(home.resolve("cache/releases").resolve(release.sha256()));
    }

    @Test
    void aTamperedFileIsRefusedWithExitCode7AndNothingCached() throws Exception {
        Files.writeString(release.checksums(), Files.readString(release.checksums()) + "# changed\n");
        List<String> args = new ArrayList<>(List.of("release", "import"));
        release.files().forEach(f -> args.add(f.toString()));

        BcmProcess.Result refused = bcm.run(args.toArray(String[]::new));

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(7);
        assertThat(refused.err().lines()).hasSize(2).first().asString().startsWith("bcm: BAD signature by signer1");
        assertThat(home.resolve("cache/releases")).doesNotExist();
    }
}
