package org.bcm.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EmptySource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ProjectStoreTest {

    private static final Instant CREATED = Instant.parse("2025-03-01T12:34:56.789Z");

    @TempDir
    Path dir;

    private BcmHome home() {
        return new BcmHome(dir);
    }

    private ProjectStore store() {
        return new ProjectStore(home());
    }

    private static ProjectDefinition project(String name) {
        Map<String, Map<String, String>> stacks = new LinkedHashMap<>();
        stacks.put("gateway", Map.of("TOR_NETWORK", "offline", "MIRROR_REPLICAS", "0"));
        stacks.put("app", Map.of());
        return new ProjectDefinition(name, "regtest", stacks, CREATED);
    }

    private static void assertBcm(Throwable thrown, Kind kind) {
        assertThat(thrown).isInstanceOf(BcmException.class);
        assertThat(((BcmException) thrown).kind()).isEqualTo(kind);
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void aDefinitionRoundTripsThroughAYamlFile() throws IOException {
        ProjectStore store = store();
        store.save(project("btc"));

        ProjectDefinition loaded = store.require("btc");

        assertThat(loaded).isEqualTo(project("btc"));
        assertThat(loaded.stacks().keySet()).containsExactly("gateway", "app");
        assertThat(Files.readString(home().projectDir("btc").resolve("project.yml")))
                .doesNotStartWith("---")
                .contains("name: \"btc\"", "chain: \"regtest\"", "TOR_NETWORK: \"offline\"", "2025-03-01T12:34:56.789Z");
    }

    @Test
    void namesAreSortedAndOnlyDirectoriesWithADefinitionCount() throws IOException {
        ProjectStore store = store();
        store.save(project("zeta"));
        store.save(project("alpha"));
        store.save(project("mid"));
        Files.createDirectories(home().projectDir("empty"));

        assertThat(store.names()).containsExactly("alpha", "mid", "zeta");
    }

    @Test
    void aMissingProjectIsEmptyOrNotFound() {
        assertThat(store().load("nosuch")).isEmpty();
        assertThatThrownBy(() -> store().require("nosuch"))
                .satisfies(e -> assertBcm(e, Kind.NOT_FOUND))
                .hasMessageContaining("nosuch");
    }

    @ParameterizedTest
    @ValueSource(strings = {"name: [unclosed\n", "name: btc\nchain: bitcoin\nstacks: {}\n", "name: Bad\nchain: regtest\n"})
    void aMalformedDefinitionIsInvalidInput(String content) throws IOException {
        Path file = home().projectDir("btc").resolve("project.yml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);

        assertThatThrownBy(() -> store().load("btc"))
                .satisfies(e -> assertBcm(e, Kind.INVALID_INPUT))
                .hasMessageContaining("Malformed project definition");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"Btc", "1btc", "-btc", "b_tc", "../etc", "abcdefghijklmnopqrstu"})
    void invalidNamesAreRejected(String name) {
        assertThatThrownBy(() -> new ProjectDefinition(name, "regtest", Map.of(), CREATED))
                .satisfies(e -> assertBcm(e, Kind.INVALID_INPUT));
        assertThatThrownBy(() -> store().load(name)).satisfies(e -> assertBcm(e, Kind.INVALID_INPUT));
    }

    @Test
    void theLongestValidNameIsAccepted() {
        assertThat(new ProjectDefinition("a" + "-9".repeat(9) + "z", "signet", null, CREATED).stacks()).isEmpty();
    }

    @ParameterizedTest
    @EmptySource
    @ValueSource(strings = {"bitcoin", "Regtest", "main"})
    void invalidChainsAreRejected(String chain) {
        assertThatThrownBy(() -> new ProjectDefinition("btc", chain, Map.of(), CREATED))
                .satisfies(e -> assertBcm(e, Kind.INVALID_INPUT))
                .satisfies(e -> assertThat(((BcmException) e).hint()).contains("regtest, signet, testnet, mainnet"));
    }

    @Test
    void aMissingChainIsInvalidInput() {
        assertThatThrownBy(() -> ProjectDefinition.validateChain(null)).satisfies(e -> assertBcm(e, Kind.INVALID_INPUT));
    }

    @Test
    void aDefinitionWithoutChainIsStillReportedAsMalformed() throws IOException {
        Path file = home().projectDir("btc").resolve("project.yml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "name: btc\nstacks: {}\n");

        assertThatThrownBy(() -> store().load("btc")).satisfies(e -> assertBcm(e, Kind.INVALID_INPUT));
    }

    @Test
    void deploymentsAreAddedRemovedIdempotentlyAndSorted() {
        ProjectStore store = store();
        assertThat(store.deployments("btc")).isEmpty();

        store.setDeployed("btc", "zulu", true);
        store.setDeployed("btc", "alpha", true);
        store.setDeployed("btc", "alpha", true);
        assertThat(store.deployments("btc")).containsExactly("alpha", "zulu");

        store.setDeployed("btc", "alpha", false);
        store.setDeployed("btc", "alpha", false);
        store.setDeployed("btc", "never", false);
        assertThat(store.deployments("btc")).containsExactly("zulu");

        store.setDeployed("btc", "zulu", false);
        assertThat(store.deployments("btc")).isEmpty();
    }

    @Test
    void withSettingChangesOneSettingAndKeepsTheRest() {
        ProjectDefinition changed = project("btc").withSetting("gateway", "TOR_NETWORK", "public");

        assertThat(changed.stacks().get("gateway")).containsOnly(
                Map.entry("TOR_NETWORK", "public"), Map.entry("MIRROR_REPLICAS", "0"));
        assertThat(project("btc").stacks().get("gateway")).containsEntry("TOR_NETWORK", "offline");
        assertThat(changed.stacks().keySet()).containsExactly("gateway", "app");
    }

    @Test
    void aDestroyedClusterEndsTheDeploymentsOnIt() {
        ProjectStore store = store();
        store.save(project("btc"));
        store.save(project("ltc"));
        store.setDeployed("btc", "local", true);
        store.setDeployed("btc", "nuc", true);
        store.setDeployed("ltc", "nuc", true);

        assertThat(store.forgetCluster("local")).containsExactly("btc");
        assertThat(store.deployments("btc")).containsExactly("nuc");
        assertThat(store.forgetCluster("nuc")).containsExactly("btc", "ltc");
        assertThat(store.deployments("btc")).isEmpty();
        assertThat(store.deployments("ltc")).isEmpty();
        assertThat(store.forgetCluster("nuc")).isEmpty();
    }
}
