package org.bcm.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.bcm.core.BcmException;
import org.junit.jupiter.api.Test;
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

    private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(BcmException.class,
                        e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT))
                .hasMessageContaining(message);
    }
}
