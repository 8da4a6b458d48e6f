package org.bcm.core.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.core.image.DockerImageRecipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackCatalogTest {

    @TempDir
    Path dir;

    private BcmHome home() {
        return new BcmHome(dir);
    }

    /** Writes {@code <home>/stacks/NAME/stack.yml}. */
    private void stack(String name, String composeText) throws IOException {
        Path stackDir = home().stacksDir().resolve(name);
        Files.createDirectories(stackDir);
        Files.writeString(stackDir.resolve("stack.yml"), composeText);
    }

    /** Writes {@code <home>/stacks/STACK/images/IMAGE.yml}. */
    private void image(String stack, String image, String recipe) throws IOException {
        Path images = home().stacksDir().resolve(stack).resolve("images");
        Files.createDirectories(images);
        Files.writeString(images.resolve(image + ".yml"), recipe);
    }

    private static String requiring(String... stacks) {
        return "x-bcm:\n  requires: [" + String.join(", ", stacks) + "]\nservices: {}\n";
    }

    private static void assertBcm(Throwable thrown, Kind kind) {
        assertThat(thrown).isInstanceOf(BcmException.class);
        assertThat(((BcmException) thrown).kind()).isEqualTo(kind);
    }

    @Test
    void theShippedGatewayStackIsFound() {
        StackDefinition gateway = StackCatalog.load(home()).require("gateway");

        assertThat(gateway.origin()).isEqualTo("built-in");
        assertThat(gateway.problem()).isNull();
        assertThat(gateway.registry()).isEqualTo("registry");
        assertThat(gateway.images()).containsOnlyKeys("registry", "tor");
        assertThat(gateway.settings()).containsKey("TOR_NETWORK");
        StackDefinition.Setting network = gateway.settings().get("TOR_NETWORK");
        assertThat(network.values()).containsExactly("public", "private", "offline");
        assertThat(network.byChain()).containsExactly(Map.entry("regtest", "private"));
        assertThat(network.defaultFor("regtest")).isEqualTo("private");
        assertThat(network.defaultFor("mainnet")).isEqualTo("public");
        StackDefinition.Setting egress = gateway.settings().get("EGRESS");
        assertThat(egress.defaultFor("mainnet")).isEqualTo("tor-only");
        assertThat(egress.defaultFor("signet")).isEqualTo("tor-only");
        assertThat(egress.defaultFor("regtest")).isEqualTo("direct");
    }

    @Test
    void anOperatorStackReplacesAShippedOneOfTheSameName() throws IOException {
        stack("gateway", "x-bcm:\n  description: mine\nservices: {}\n");

        StackDefinition gateway = StackCatalog.load(home()).require("gateway");

        assertThat(gateway.origin()).isEqualTo(home().stacksDir().toString());
        assertThat(gateway.description()).isEqualTo("mine");
        assertThat(gateway.images()).isEmpty();
        assertThat(gateway.registry()).isNull();
    }

    @Test
    void aStackFileThatIsNotYamlIsListedWithItsProblemAndCannotBeUsed() throws IOException {
        stack("broken", "services: [unclosed\n");

        StackCatalog catalog = StackCatalog.load(home());

        assertThat(catalog.stacks()).extracting(StackDefinition::name).contains("broken", "gateway");
        assertThat(catalog.find("broken")).get().extracting(StackDefinition::problem).asString()
                .startsWith("stack.yml is not valid YAML");
        assertThatThrownBy(() -> catalog.require("broken"))
                .satisfies(e -> assertBcm(e, Kind.INVALID_INPUT))
                .hasMessageContaining("broken").hasMessageContaining("malformed");
    }

    @Test
    void anUnknownStackIsNotFoundAndTheHintListsTheKnownOnes() throws IOException {
        stack("app", "services: {}\n");

        assertThatThrownBy(() -> StackCatalog.load(home()).require("nosuch"))
                .satisfies(e -> assertBcm(e, Kind.NOT_FOUND))
                .hasMessageContaining("nosuch")
                .satisfies(e -> assertThat(((BcmException) e).hint()).contains("app, bitcoin, chainevents, electrum, gateway, kafka"));
    }

    @Test
    void dependencyOrderPutsRequiredStacksFirst() throws IOException {
        stack("app", requiring("db", "gateway"));
        stack("db", requiring("gateway"));

        List<StackDefinition> ordered = StackCatalog.load(home()).inDependencyOrder(List.of("app", "gateway", "db"));

        assertThat(ordered).extracting(StackDefinition::name).containsExactly("gateway", "db", "app");
    }

    @Test
    void dependencyOrderRejectsARequirementNotAmongTheNames() throws IOException {
        stack("app", requiring("db"));
        stack("db", "services: {}\n");
        StackCatalog catalog = StackCatalog.load(home());

        assertThatThrownBy(() -> catalog.inDependencyOrder(List.of("app")))
                .satisfies(e -> assertBcm(e, Kind.INVALID_INPUT))
                .hasMessageContaining("requires stack db");
    }

    @Test
    void dependencyOrderRejectsACycle() throws IOException {
        stack("one", requiring("two"));
        stack("two", requiring("one"));
        StackCatalog catalog = StackCatalog.load(home());

        assertThatThrownBy(() -> catalog.inDependencyOrder(List.of("one", "two")))
                .satisfies(e -> assertBcm(e, Kind.INVALID_INPUT))
                .hasMessageContaining("cycle");
    }

    @Test
    void imageVariablesNameEveryImageWithItsRegistryReference() throws IOException {
        stack("web", "services: {}\n");
        image("web", "my-app", "packages: [nginx]\n");

        StackCatalog catalog = StackCatalog.load(home());
        Map<String, String> variables = catalog.imageVariables();

        assertThat(variables).containsKeys("BCM_IMAGE_MY_APP", "BCM_IMAGE_REGISTRY", "BCM_IMAGE_TOR", "BCM_IMAGE_RPCPROXY");
        assertThat(variables.values()).allMatch(reference -> reference.matches("127\\.0\\.0\\.1:5000/bcm/[a-z0-9-]+:[0-9a-f]{12}"));
        assertThat(variables.get("BCM_IMAGE_MY_APP")).matches("127\\.0\\.0\\.1:5000/bcm/my-app:[0-9a-f]{12}");
        DockerImageRecipe recipe = catalog.require("web").images().get("my-app");
        assertThat(variables.get("BCM_IMAGE_MY_APP")).endsWith(":" + recipe.hash().substring(0, 12));
        assertThat(variables.get("BCM_IMAGE_TOR")).startsWith("127.0.0.1:5000/bcm/tor:");
    }

    @Test
    void twoStacksDefiningTheSameImageFail() throws IOException {
        stack("one", "services: {}\n");
        image("one", "dup", "packages: [a]\n");
        stack("two", "services: {}\n");
        image("two", "dup", "packages: [b]\n");
        StackCatalog catalog = StackCatalog.load(home());

        assertThatThrownBy(catalog::imageVariables)
                .satisfies(e -> assertBcm(e, Kind.INVALID_INPUT))
                .hasMessageContaining("both define image dup");
    }

    @Test
    void anInvalidSettingNameMakesTheStackMalformed() throws IOException {
        stack("app", "x-bcm:\n  settings:\n    lower_case: {default: x}\nservices: {}\n");
        StackCatalog catalog = StackCatalog.load(home());

        assertThat(catalog.find("app")).get().extracting(StackDefinition::problem).asString()
                .contains("setting name 'lower_case'");
        assertThatThrownBy(() -> catalog.require("app")).satisfies(e -> assertBcm(e, Kind.INVALID_INPUT));
    }

    @Test
    void aSettingWithoutDefaultMakesTheStackMalformed() throws IOException {
        stack("app", "x-bcm:\n  settings:\n    LEVEL: {values: [a, b]}\nservices: {}\n");
        StackCatalog catalog = StackCatalog.load(home());

        assertThat(catalog.find("app")).get().extracting(StackDefinition::problem).asString()
                .contains("LEVEL has no default");
        assertThatThrownBy(() -> catalog.require("app")).satisfies(e -> assertBcm(e, Kind.INVALID_INPUT));
    }

    @Test
    void aMalformedImageRecipeMakesItsStackMalformedAndItsImagesUnlisted() throws IOException {
        stack("app", "services: {}\n");
        image("app", "app", "packages: [a]\nunknown: 1\n");
        StackCatalog catalog = StackCatalog.load(home());

        assertThat(catalog.find("app")).get().extracting(StackDefinition::problem).isNotNull();
        assertThat(catalog.imageVariables()).doesNotContainKey("BCM_IMAGE_APP");
    }

    @Test
    void aRangedSettingTakesItsValuesOrWholeNumbersInTheRange() throws IOException {
        stack("node", """
                x-bcm:
                  settings:
                    PRUNE:
                      description: MiB kept
                      values: ["0"]
                      min: 550
                      default: "0"
                services: {}
                """);
        StackDefinition.Setting prune = StackCatalog.load(home()).require("node").settings().get("PRUNE");
        prune.validate("node", "0");
        prune.validate("node", "550");
        prune.validate("node", "100000");
        for (String bad : new String[] {"1", "549", "-1", "550.5", "0550", "lots", ""}) {
            assertThatThrownBy(() -> prune.validate("node", bad)).as(bad)
                    .satisfies(e -> assertBcm(e, Kind.INVALID_INPUT))
                    .hasMessageContaining("node.PRUNE cannot be '" + bad + "'")
                    .satisfies(e -> assertThat(((BcmException) e).hint()).contains("0, or a whole number from 550"));
        }

        stack("broken", """
                x-bcm:
                  settings:
                    DBCACHE: {min: 4, max: 100, default: "2"}
                services: {}
                """);
        assertThat(StackCatalog.load(home()).find("broken").orElseThrow().problem()).contains("DBCACHE cannot be '2'");
    }
}
