package org.bcm.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.bcm.core.BcmException;
import org.junit.jupiter.api.Test;

class ImageRecipeTest {

    private static final String RECIPE = """
            distribution: debian
            suite: bookworm
            variant: minbase
            mirror: http://deb.debian.org/debian
            packages: [systemd-sysv, udev]
            files:
              /etc/a: "x"
            templates:
              /etc/hostname: "{{ container.name }}"
            """;

    @Test
    void theShippedBaseRecipeParsesAndHasDockerAndSystemd() {
        ImageRecipe base = ImageRecipe.baseImage();
        assertThat(base.packages()).contains("docker.io", "systemd-sysv", "udev");
        assertThat(base.templates()).containsKey("/etc/hostname");
        assertThat(base.alias(BaseImage.ALIAS_PREFIX)).matches("bcm-base-[0-9a-f]{12}");
    }

    @Test
    void theHashChangesWithAnyEditAndOnlyThen() {
        ImageRecipe a = ImageRecipe.parse(RECIPE.getBytes(StandardCharsets.UTF_8), "a");
        ImageRecipe same = ImageRecipe.parse(RECIPE.getBytes(StandardCharsets.UTF_8), "b");
        ImageRecipe edited = ImageRecipe.parse(RECIPE.replace("udev", "udev, less").getBytes(StandardCharsets.UTF_8), "c");
        assertThat(same.hash()).isEqualTo(a.hash());
        assertThat(edited.hash()).isNotEqualTo(a.hash());
    }

    @Test
    void malformedRecipesAreInvalidInput() {
        assertThatThrownBy(() -> ImageRecipe.parse("suite: [".getBytes(StandardCharsets.UTF_8), "broken.yml"))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("broken.yml");
                });
        assertThatThrownBy(() -> ImageRecipe.parse("suite: bookworm\n".getBytes(StandardCharsets.UTF_8), "short.yml"))
                .hasMessageContaining("must name suite, variant and mirror");
        assertThatThrownBy(() -> ImageRecipe.parse(RECIPE.replace("/etc/a", "../etc/a").getBytes(StandardCharsets.UTF_8), "p.yml"))
                .hasMessageContaining("must be absolute");
        assertThatThrownBy(() -> ImageRecipe.parse((RECIPE + "unknown: 1\n").getBytes(StandardCharsets.UTF_8), "u.yml"))
                .hasMessageContaining("unknown");
    }

    @Test
    void templateFileNamesAreFlatPaths() {
        assertThat(BaseImage.templateName("/etc/hostname")).isEqualTo("etc-hostname.tpl");
        assertThat(BaseImage.templateName("/etc/systemd/x.conf")).isEqualTo("etc-systemd-x.conf.tpl");
    }
}
