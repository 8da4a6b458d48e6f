package org.bcm.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.bcm.core.BcmException;
import org.bcm.core.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DockerImageRecipeTest {

    private static final String BASE = "a".repeat(64);
    private static final String TOR = """
            packages: [tor]
            user: debian-tor
            workdir: /var/lib/tor
            entrypoint: ["tor", "-f", "/etc/tor/torrc"]
            cmd: ["--Log", "notice stdout"]
            env:
              HOME: /var/lib/tor
              LANG: C.UTF-8
            executables: [/usr/local/bin/start]
            files:
              /usr/local/bin/start: "#!/bin/sh\\n"
              /etc/tor/torrc: "SocksPort 0.0.0.0:9050\\n"
            """;

    private static DockerImageRecipe parse(String name, String yaml, String baseHash) {
        return DockerImageRecipe.parse(name, yaml.getBytes(StandardCharsets.UTF_8), baseHash, name + ".yml");
    }

    private static DockerImageRecipe parse(String yaml) {
        return parse("tor", yaml, BASE);
    }

    @Test
    void theTagIsTheFirstTwelveHexDigitsOfTheHashOfBaseAndRecipe() throws Exception {
        DockerImageRecipe recipe = parse(TOR);

        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest((BASE + "\n" + TOR).getBytes(StandardCharsets.UTF_8)));
        assertThat(recipe.hash()).isEqualTo(expected);
        assertThat(recipe.tag()).isEqualTo(expected.substring(0, 12)).matches("[0-9a-f]{12}");
        assertThat(recipe.reference()).isEqualTo("127.0.0.1:5000/bcm/tor:" + recipe.tag());
    }

    @Test
    void theHashChangesWithTheRecipeBytesOrTheBaseAndIsStableOtherwise() {
        String hash = parse(TOR).hash();

        assertThat(parse(TOR).hash()).isEqualTo(hash);
        assertThat(parse(TOR + "# a comment\n").hash()).isNotEqualTo(hash);
        assertThat(parse("tor", TOR, "b".repeat(64)).hash()).isNotEqualTo(hash);
    }

    @Test
    void changesRenderTheImageConfig() {
        DockerImageRecipe recipe = parse(TOR);

        assertThat(recipe.changes()).containsExactly(
                "ENTRYPOINT [\"tor\",\"-f\",\"/etc/tor/torrc\"]",
                "CMD [\"--Log\",\"notice stdout\"]",
                "USER debian-tor",
                "WORKDIR /var/lib/tor",
                "ENV HOME=\"/var/lib/tor\"",
                "ENV LANG=\"C.UTF-8\"",
                "LABEL org.bcm.recipe=" + recipe.hash());
    }

    @Test
    void aRecipeWithoutConfigOnlyGetsTheLabel() {
        DockerImageRecipe recipe = parse("packages: [tor]\n");

        assertThat(recipe.changes()).containsExactly("LABEL org.bcm.recipe=" + recipe.hash());
        assertThat(recipe.files()).isEmpty();
        assertThat(recipe.user()).isNull();
    }

    @Test
    void envValuesWithSpacesAreQuoted() {
        DockerImageRecipe recipe = parse("env:\n  GREETING: hello world\n");

        assertThat(recipe.changes()).contains("ENV GREETING=\"hello world\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Tor", "-tor", "tor_proxy", "tor.d", ""})
    void anInvalidImageNameIsInvalidInput(String name) {
        assertInvalid(() -> parse(name, "packages: [tor]\n", BASE), "invalid image name");
    }

    @Test
    void anImageNameOfFortyOneCharactersIsInvalidInput() {
        assertThat(parse("a".repeat(40), "{}\n", BASE).name()).hasSize(40);
        assertInvalid(() -> parse("a".repeat(41), "{}\n", BASE), "invalid image name");
    }

    @Test
    void aRelativeFilePathIsInvalidInput() {
        assertInvalid(() -> parse("files:\n  etc/tor/torrc: x\n"), "must be absolute");
    }

    @Test
    void aFilePathWithDotDotIsInvalidInput() {
        assertInvalid(() -> parse("files:\n  /etc/../root/x: x\n"), "must not contain '..'");
    }

    @Test
    void anExecutableThatIsNotAFileIsInvalidInput() {
        assertInvalid(() -> parse("files:\n  /a: x\nexecutables: [/b]\n"), "executable '/b' is not one of its files");
    }

    @Test
    void anUnknownKeyIsInvalidInput() {
        assertInvalid(() -> parse("pakages: [tor]\n"), "Malformed image recipe tor.yml");
    }

    @Test
    void malformedYamlIsInvalidInput() {
        assertInvalid(() -> parse("packages: [tor\n"), "Malformed image recipe tor.yml");
    }

    // --- distribution: files of the bcm distribution ---

    private static final String APP = """
            packages: [openjdk-17-jre-headless]
            distribution:
              /opt/app/lib/app.jar: lib/app-*.jar
              /opt/app/bin: bin
            entrypoint: ["java", "-jar", "/opt/app/lib/app.jar"]
            """;

    @TempDir
    Path dist;

    /** A distribution: lib/app-1.0.jar whose Class-Path names dep-2.jar and sub/dep-3.jar, both there; bin/tool, executable. */
    private void distribution() throws IOException {
        jar(dist.resolve("lib/app-1.0.jar"), "dep-2.jar sub/dep-3.jar");
        write(dist.resolve("lib/dep-2.jar"), "two");
        write(dist.resolve("lib/sub/dep-3.jar"), "three");
        write(dist.resolve("lib/unrelated-4.jar"), "four");
        write(dist.resolve("bin/tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(dist.resolve("bin/tool"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private DockerImageRecipe parseWithDistribution(String yaml) {
        return DockerImageRecipe.parse("app", yaml.getBytes(StandardCharsets.UTF_8), BASE, "app.yml", dist);
    }

    @Test
    void distributionCopiesAJarWithItsClassPathAndADirectoryWhole() throws IOException {
        distribution();

        DockerImageRecipe recipe = parseWithDistribution(APP);

        assertThat(recipe.distribution()).containsExactly(
                Map.entry("/opt/app/bin", "bin"), Map.entry("/opt/app/lib/app.jar", "lib/app-*.jar"));
        assertThat(recipe.requireDistributionFiles()).containsExactly(
                Map.entry("/opt/app/bin/tool", dist.resolve("bin/tool")),
                Map.entry("/opt/app/lib/app.jar", dist.resolve("lib/app-1.0.jar")),
                Map.entry("/opt/app/lib/dep-2.jar", dist.resolve("lib/dep-2.jar")),
                Map.entry("/opt/app/lib/sub/dep-3.jar", dist.resolve("lib/sub/dep-3.jar")));
        assertThat(BcmDistribution.mode(dist.resolve("bin/tool"))).isEqualTo("rwxr-xr-x");
        assertThat(BcmDistribution.mode(dist.resolve("lib/dep-2.jar"))).isEqualTo("rw-r--r--");
    }

    @Test
    void theHashChangesWithTheContentOfACopiedJarAndIsStableOtherwise() throws IOException {
        distribution();
        String hash = parseWithDistribution(APP).hash();

        assertThat(parseWithDistribution(APP).hash()).isEqualTo(hash);
        write(dist.resolve("lib/unrelated-4.jar"), "not copied, not hashed");
        assertThat(parseWithDistribution(APP).hash()).isEqualTo(hash);
        write(dist.resolve("lib/sub/dep-3.jar"), "three, rebuilt");
        assertThat(parseWithDistribution(APP).hash()).isNotEqualTo(hash);
    }

    @Test
    void theHashChangesWithTheModeOfACopiedFile() throws IOException {
        distribution();
        String hash = parseWithDistribution(APP).hash();

        Files.setPosixFilePermissions(dist.resolve("bin/tool"), PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(parseWithDistribution(APP).hash()).isNotEqualTo(hash);
    }

    @Test
    void withoutADistributionTheRecipeParsesButCannotBeBuilt(@TempDir Path cache) {
        DockerImageRecipe recipe = DockerImageRecipe.parse("app", APP.getBytes(StandardCharsets.UTF_8), BASE, "app.yml", null);

        assertThat(recipe.distribution()).hasSize(2);
        assertThat(recipe.distributionFiles()).isEmpty();
        assertThat(recipe.tag()).matches("[0-9a-f]{12}");
        DockerImages images = new DockerImages(DockerImages.baseRecipe(), cache, Progress.NONE);
        for (var call : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
                recipe::requireDistributionFiles, () -> images.ensureBuilt(recipe))) {
            assertThatThrownBy(call)
                    .isInstanceOfSatisfying(BcmException.class, e -> {
                        assertThat(e.kind()).isEqualTo(BcmException.Kind.HOST_PREREQUISITE);
                        assertThat(e.hint()).contains("launcher");
                    })
                    .hasMessageContaining("Image app copies files of the bcm distribution (bin, lib/app-*.jar)")
                    .hasMessageContaining("bcm.dist");
        }
        assertThat(cache).isEmptyDirectory();
    }

    @Test
    void aRecipeWithoutDistributionNeedsNone() {
        DockerImageRecipe recipe = DockerImageRecipe.parse("tor", TOR.getBytes(StandardCharsets.UTF_8), BASE, "tor.yml", null);

        assertThat(recipe.requireDistributionFiles()).isEmpty();
        assertThat(recipe.hash()).isEqualTo(parse(TOR).hash());
    }

    @ParameterizedTest
    @ValueSource(strings = {"opt/app: lib", "/opt/../app: lib", "/opt/app: /usr/lib", "/opt/app: lib/../..",
            "/opt/app: li*/app.jar", "/opt/app: ''"})
    void aMalformedDistributionEntryIsInvalidInputEvenWithoutADistribution(String entry) {
        assertInvalid(() -> DockerImageRecipe.parse("app", ("distribution:\n  " + entry + "\n")
                .getBytes(StandardCharsets.UTF_8), BASE, "app.yml", null), "Image recipe app.yml: distribution");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/opt/a.jar: lib/nosuch-*.jar", "/opt/a.jar: lib/*.jar", "/opt/x: nosuch"})
    void aSourceThatMatchesNothingOrSeveralIsInvalidInput(String entry) throws IOException {
        distribution();

        assertInvalid(() -> parseWithDistribution("distribution:\n  " + entry + "\n"), "in the bcm distribution " + dist);
    }

    @Test
    void aClassPathEntryMissingFromTheDistributionIsInvalidInput() throws IOException {
        distribution();
        jar(dist.resolve("lib/app-1.0.jar"), "dep-2.jar gone-5.jar");

        assertInvalid(() -> parseWithDistribution(APP), "the Class-Path of lib/app-1.0.jar names gone-5.jar");
    }

    @Test
    void theShippedRpcproxyRecipeTakesTheProxyJarAndItsClassPath() throws IOException {
        jar(dist.resolve("lib/bcm-rpcproxy-0.1.0.jar"), "netty-common-4.2.jar");
        write(dist.resolve("lib/netty-common-4.2.jar"), "netty");
        write(dist.resolve("lib/bcm-core-0.1.0.jar"), "not for the proxy");
        byte[] yaml;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("bcm/stacks/bitcoin/images/rpcproxy.yml")) {
            yaml = in.readAllBytes();
        }

        DockerImageRecipe recipe = DockerImageRecipe.parse("rpcproxy", yaml, BASE, "rpcproxy.yml", dist);

        assertThat(recipe.packages()).containsExactly("openjdk-17-jre-headless");
        assertThat(recipe.requireDistributionFiles()).containsOnlyKeys(
                "/opt/bcm-rpcproxy/lib/bcm-rpcproxy.jar", "/opt/bcm-rpcproxy/lib/netty-common-4.2.jar");
        assertThat(recipe.files()).containsKeys("/usr/local/bin/bcm-rpcproxy", "/etc/bcm-rpcproxy/rpcproxy.conf",
                "/etc/bcm-rpcproxy/logback.xml");
        assertThat(recipe.files().get("/usr/local/bin/bcm-rpcproxy")).contains("-jar /opt/bcm-rpcproxy/lib/bcm-rpcproxy.jar");
        assertThat(recipe.files().get("/etc/bcm-rpcproxy/rpcproxy.conf")).contains("listen=0.0.0.0:8332")
                .doesNotContain("rpcauth=");
        assertThat(recipe.changes()).contains("ENTRYPOINT [\"/usr/local/bin/bcm-rpcproxy\"]",
                "CMD [\"--config=/etc/bcm-rpcproxy/rpcproxy.conf\"]", "ENV XDG_CACHE_HOME=\"/var/cache\"");
    }

    private static void jar(Path file, String classPath) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(BcmException.class,
                        e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT))
                .hasMessageContaining(message);
    }
}
