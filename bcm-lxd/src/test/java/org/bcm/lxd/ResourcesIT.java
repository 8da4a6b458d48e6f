package org.bcm.lxd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server info, projects, profiles (with ETags), networks, storage pools and error mapping against
 * the real local LXD. Everything it creates is named {@code bcm-lxd-it-res...} and removed at the
 * end and before the start.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResourcesIT {

    static final String PREFIX = "bcm-lxd-it-res";

    LxdClient root;

    @BeforeAll
    void setUp() {
        root = LxdClient.connectLocal();
        LxdItSupport.removeLeftovers(root, PREFIX);
    }

    @AfterAll
    void tearDown() {
        if (root != null) {
            try {
                LxdItSupport.removeLeftovers(root, PREFIX);
                assertThat(root.projects()).noneMatch(p -> p.name().startsWith(PREFIX));
                assertThat(root.networks()).noneMatch(n -> n.name().startsWith(PREFIX));
                assertThat(root.storagePools()).noneMatch(p -> p.name().startsWith(PREFIX));
            } finally {
                root.close();
            }
        }
    }

    @Test
    void serverDescribesItself() {
        Server s = root.server();
        assertThat(s.apiVersion()).isEqualTo("1.0");
        assertThat(s.serverVersion()).matches("\\d+\\.\\d+.*");
        assertThat(s.trusted()).isTrue();
        assertThat(s.auth()).isEqualTo("trusted");
        assertThat(s.hasExtension("projects")).isTrue();
        assertThat(s.hasExtension("container_exec_recording")).isTrue();
        assertThat(s.storageDrivers()).contains("dir");
        assertThat(s.architectures()).contains("x86_64");
        assertThat(s.kernelVersion()).isNotEmpty();
        assertThat(s.certificateFingerprint()).hasSize(64);
        assertThat(s.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(s.etag()).isNotEmpty();
        assertThat(LxdClient.localSocket()).contains(Path.of("/var/lib/lxd/unix.socket"));
    }

    @Test
    void serverConfigKeysAreMergedAndRemoved() {
        String key = "user." + PREFIX + ".probe";
        Map<String, String> before = root.server().config();
        root.updateServerConfig(Map.of(key, "1"));
        assertThat(root.server().config()).containsEntry(key, "1").containsAllEntriesOf(before);
        Map<String, String> remove = new HashMap<>();
        remove.put(key, null);
        root.updateServerConfig(remove);
        assertThat(root.server().config()).isEqualTo(before);
    }

    @Test
    void projectsAreCreatedReadUpdatedAndDeleted() {
        String name = PREFIX + "-p";
        root.createProject(new ProjectSpec(name, "first", Map.of("features.profiles", "true",
                "features.images", "false", "user.bcm.cluster", "it")));
        Project p = root.project(name).orElseThrow();
        assertThat(p.description()).isEqualTo("first");
        assertThat(p.config()).containsEntry("user.bcm.cluster", "it").containsEntry("features.profiles", "true");
        assertThat(p.etag()).isNotEmpty();
        assertThat(p.usedBy()).anyMatch(u -> u.startsWith("/1.0/profiles/default"));
        assertThat(root.projects()).extracting(Project::name).contains(name, "default");

        assertThatThrownBy(() -> root.createProject(new ProjectSpec(name, "", Map.of())))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isIn(400, 409);
                    assertThat(e.getMessage()).startsWith("Failed creating project '" + name + "': ");
                });

        root.updateProject(new ProjectSpec(name, "second", Map.of("features.profiles", "true",
                "features.images", "false", "user.bcm.cluster", "it2")));
        Project updated = root.project(name).orElseThrow();
        assertThat(updated.description()).isEqualTo("second");
        assertThat(updated.config()).containsEntry("user.bcm.cluster", "it2");
        assertThat(updated.etag()).isNotEqualTo(p.etag());

        // the copy bound to the project sees the project's own (empty) default profile
        LxdClient inProject = root.useProject(name);
        assertThat(inProject.project()).isEqualTo(name);
        assertThat(root.project()).isEqualTo("default");
        assertThat(inProject.profiles()).extracting(Profile::name).containsExactly("default");
        assertThat(inProject.profile("default").orElseThrow().devices()).isEmpty();
        inProject.close(); // harmless: the copy does not own the connection pool
        assertThat(root.project(name)).isPresent();

        root.deleteProject(name);
        assertThat(root.project(name)).isEmpty();
    }

    @Test
    void profilesAreUpdatedWithEtagsAndStaleEtagsAreRefused() {
        String project = PREFIX + "-prof";
        root.createProject(new ProjectSpec(project, "", Map.of("features.profiles", "true")));
        LxdClient lxd = root.useProject(project);
        String name = "bcm-node";
        lxd.createProfile(new ProfileSpec(name, "v1", Map.of("security.nesting", "true"),
                Map.of("data", Map.of("type", "disk", "source", "/tmp", "path", "/mnt/tmp"))));
        Profile v1 = lxd.profile(name).orElseThrow();
        assertThat(v1.description()).isEqualTo("v1");
        assertThat(v1.config()).containsEntry("security.nesting", "true");
        assertThat(v1.devices().get("data")).containsEntry("path", "/mnt/tmp");
        assertThat(v1.etag()).isNotEmpty();
        assertThat(root.profile(name)).isEmpty(); // not in the default project

        lxd.updateProfile(new ProfileSpec(name, "v2", Map.of("user.bcm.tier", "x"), Map.of()), v1.etag());
        Profile v2 = lxd.profile(name).orElseThrow();
        assertThat(v2.description()).isEqualTo("v2");
        assertThat(v2.config()).containsExactly(Map.entry("user.bcm.tier", "x"));
        assertThat(v2.devices()).isEmpty();
        assertThat(v2.etag()).isNotEqualTo(v1.etag());

        // a concurrent writer still holding v1's ETag is refused
        assertThatThrownBy(() -> lxd.updateProfile(new ProfileSpec(name, "lost update", Map.of(), Map.of()), v1.etag()))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(412);
                    assertThat(e.getMessage()).contains("updating profile 'bcm-node'");
                });
        assertThat(lxd.profile(name).orElseThrow().description()).isEqualTo("v2");

        // the read-then-write form
        lxd.updateProfile(new ProfileSpec(name, "v3", Map.of(), Map.of()));
        assertThat(lxd.profile(name).orElseThrow().description()).isEqualTo("v3");
        assertThat(lxd.profiles()).extracting(Profile::name).containsExactlyInAnyOrder("default", name);

        // LXD 5.0.2 answers a duplicate profile with 500 "Error inserting ... The profile already exists"
        assertThatThrownBy(() -> lxd.createProfile(new ProfileSpec(name, "", Map.of(), Map.of())))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isIn(409, 500);
                    assertThat(e.lxdError()).contains("already exists");
                });
        lxd.deleteProfile(name);
        assertThat(lxd.profile(name)).isEmpty();
        root.deleteProject(project);
    }

    @Test
    void networksAreManagedAndHostInterfacesListed() throws Exception {
        String name = PREFIX; // interface names have at most 15 characters
        String subnet = LxdItSupport.freeSubnet(root, 220);
        root.createNetwork(new NetworkSpec(name, "bridge", "it bridge", Map.of(
                "ipv4.address", subnet + ".1/24", "ipv4.nat", "true", "ipv6.address", "none")));
        Network n = root.network(name).orElseThrow();
        assertThat(n.managed()).isTrue();
        assertThat(n.type()).isEqualTo("bridge");
        assertThat(n.status()).isEqualTo("Created");
        assertThat(n.config()).containsEntry("ipv4.address", subnet + ".1/24").containsEntry("ipv6.address", "none");
        assertThat(n.etag()).isNotEmpty();

        assertThat(root.networks()).anySatisfy(x -> {
            assertThat(x.name()).isEqualTo(name);
            assertThat(x.managed()).isTrue();
        });
        assertThat(root.networks()).anyMatch(x -> !x.managed()); // lo, eth0... of the host

        root.updateNetwork(new NetworkSpec(name, "bridge", "changed", Map.of(
                "ipv4.address", subnet + ".1/24", "ipv4.nat", "false", "ipv6.address", "none")));
        Network changed = root.network(name).orElseThrow();
        assertThat(changed.description()).isEqualTo("changed");
        assertThat(changed.config()).containsEntry("ipv4.nat", "false");

        assertThatThrownBy(() -> root.createNetwork(new NetworkSpec(PREFIX + "b", "bridge", "",
                Map.of("ipv4.address", "not-an-address", "ipv6.address", "none"))))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    // LXD 5.0.2 answers invalid network config with 500, not 400
                    assertThat(e.statusCode()).isIn(400, 500);
                    assertThat(e.lxdError()).contains("ipv4.address");
                    assertThat(e.getMessage()).contains("creating network '" + PREFIX + "b'");
                });
        root.deleteNetwork(name);
        assertThat(root.network(name)).isEmpty();
        assertThat(root.network(PREFIX + "b")).isEmpty();
    }

    @Test
    void storagePoolsAreCreatedAndDeleted() {
        String name = PREFIX + "-pool";
        root.createStoragePool(new StoragePoolSpec(name, "dir", "it pool", Map.of()));
        StoragePool p = root.storagePool(name).orElseThrow();
        assertThat(p.driver()).isEqualTo("dir");
        assertThat(p.description()).isEqualTo("it pool");
        assertThat(p.status()).isEqualTo("Created");
        assertThat(p.config().get("source")).endsWith(name);
        assertThat(Files.isDirectory(Path.of(p.config().get("source")))).isTrue();
        assertThat(root.storagePools()).extracting(StoragePool::name).contains(name, "default");
        assertThatThrownBy(() -> root.createStoragePool(new StoragePoolSpec(name, "dir", "", Map.of())))
                .isInstanceOf(LxdException.class).hasMessageContaining(name);
        root.deleteStoragePool(name);
        assertThat(root.storagePool(name)).isEmpty();
    }

    @Test
    void missingObjectsAreEmptyAndDeletingThemThrows404() {
        String none = PREFIX + "-none";
        assertThat(root.project(none)).isEmpty();
        assertThat(root.profile(none)).isEmpty();
        assertThat(root.network(none)).isEmpty();
        assertThat(root.storagePool(none)).isEmpty();
        assertThat(root.instance(none)).isEmpty();
        assertThat(root.instanceState(none)).isEmpty();
        assertThat(root.image("f".repeat(64))).isEmpty();
        assertThat(root.imageByAlias(none)).isEmpty();
        assertThat(root.certificate("0".repeat(64))).isEmpty();
        assertThat(root.operation("00000000-0000-0000-0000-000000000000")).isEmpty();
        assertThat(root.pullFile(none, "/etc/hostname")).isEmpty();

        assertThatThrownBy(() -> root.deleteProfile(none))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.getMessage()).startsWith("Failed deleting profile '" + none + "': ").endsWith("(404)");
                });
        assertThatThrownBy(() -> root.deleteInstance(none))
                .isInstanceOfSatisfying(LxdException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        // LXD 5.0.2 lists a project that does not exist as empty rather than answering 404
        assertThat(root.useProject(none).instances()).isEmpty();
    }

    @Test
    void unreachableSocketsAreUnavailable(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.socket");
        assertThatThrownBy(() -> LxdClient.connectUnixSocket(missing))
                .isInstanceOf(LxdUnavailableException.class).hasMessageContaining(missing.toString());

        // a file that exists but where nobody listens
        Path stale = Files.createFile(dir.resolve("stale.socket"));
        try (LxdClient client = LxdClient.connectUnixSocket(stale)) {
            assertThatThrownBy(client::server)
                    .isInstanceOfSatisfying(LxdUnavailableException.class, e -> {
                        assertThat(e.statusCode()).isZero();
                        assertThat(e.getMessage()).contains(stale.toString()).contains("getting server info");
                    });
        }
    }
}
