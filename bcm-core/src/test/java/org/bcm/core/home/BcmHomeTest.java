package org.bcm.core.home;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.cluster.ClusterDefinition;
import org.bcm.core.cluster.ClusterStore;
import org.bcm.core.cluster.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BcmHomeTest {

    @TempDir
    Path dir;

    @Test
    void bcmHomeComesFromTheEnvironmentOrTheUsersHome() {
        assertThat(BcmHome.fromEnvironment(Map.of("BCM_HOME", dir.toString())).root()).isEqualTo(dir);
        assertThat(BcmHome.fromEnvironment(Map.of()).root()).isEqualTo(Path.of(System.getProperty("user.home"), ".bcm"));
    }

    @Test
    void atomicWritesReplaceContentAndLeaveNoTemporaryFiles() throws Exception {
        Path file = dir.resolve("a/b/secret");
        BcmHome.writeAtomically(file, "one".getBytes(), true);
        BcmHome.writeAtomically(file, "two".getBytes(), true);
        assertThat(file).hasContent("two");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void clusterDefinitionsRoundTripAndTheActiveClusterIsRemembered() {
        ClusterStore store = new ClusterStore(new BcmHome(dir));
        ClusterDefinition definition = new ClusterDefinition("dev", "local", "unix:///x", "172.27.1.0/24",
                ClusterDefinition.defaultHostsPerTier(), Instant.parse("2026-01-01T00:00:00Z"), null, "enp3s0",
                List.of(new ClusterDefinition.AddedEndpoint("nuc2", "ssh", "https://10.0.0.2:8443",
                        new ClusterDefinition.SshTarget("10.0.0.2", "root", 22), "eth0", Map.of(Tier.BITCOIN, 1))));
        store.save(definition);
        store.setActiveCluster("dev");

        assertThat(store.load("dev")).contains(definition);
        assertThat(store.names()).containsExactly("dev");
        assertThat(store.activeCluster()).contains("dev");

        store.delete("dev");
        assertThat(store.load("dev")).isEmpty();
        assertThat(store.activeCluster()).isEmpty();
    }

    @Test
    void aMalformedDefinitionIsInvalidInputNamingTheFile() throws Exception {
        Path file = dir.resolve("clusters/dev/cluster.yml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "name: [unclosed");
        ClusterStore store = new ClusterStore(new BcmHome(dir));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.load("dev"))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
                    assertThat(e.getMessage()).contains(file.toString());
                });
    }
}
