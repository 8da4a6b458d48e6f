package org.bcm.core.lightning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.cluster.ClusterService;
import org.bcm.core.cluster.ClusterStore;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.identity.OpenPgpFiles;
import org.bcm.core.identity.TestDevice;
import org.bcm.core.port.FakeEndpoint;
import org.bcm.core.port.FakeSwarm;
import org.bcm.core.project.ProjectSecrets;
import org.bcm.core.project.ProjectService;
import org.bcm.core.project.ProjectStore;
import org.bcm.core.stack.StackCatalog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Channel backups and {@code bcm lightning}'s views against the in-memory swarm, with a real identity
 * on the development device (real gpg imports the certificate): what bcm reads from the node's
 * container, what it keeps encrypted, and what it asks the node's {@code bcm-lightning} script to run.
 */
class ChannelBackupsIT {

    private static final String HOST = "bcm-gateway-01";
    private static final String CONTAINER = "container-lightning_cln";
    private static final String SCB = "/data/regtest/emergency.recover";

    @TempDir
    Path dir;
    FakeEndpoint endpoint;
    FakeSwarm swarm;
    BcmHome home;
    ProjectService projects;
    TestDevice device;
    ChannelBackups backups;
    OpenPgpFiles openPgp;
    LightningService lightning;

    @BeforeEach
    void setUp() throws Exception {
        endpoint = new FakeEndpoint(dir.resolve("cache"));
        swarm = endpoint.swarm;
        home = new BcmHome(dir.resolve("home"));
        ClusterService clusters = new ClusterService(new ClusterStore(home), endpoint.ports(), FakeEndpoint.FAST, (step, message) -> { });
        IdentityService identities = new IdentityService(home);
        projects = new ProjectService(new ProjectStore(home), new ProjectSecrets(home, identities, () -> {
            throw new AssertionError("the deploy happens before bcm init: no device");
        }), clusters, (step, message) -> { });
        clusters.create("c1", ClusterService.Placement.local());
        StackCatalog.load(home).images().values().forEach(recipe -> swarm.addImage(HOST, recipe.reference()));
        projects.create("p", "regtest", List.of("gateway", "bitcoin", "lightning"), Map.of());
        projects.deploy("p", "c1", Duration.ofSeconds(5));

        device = TestDevice.all();
        Path gnupg = identities.gnupgHome();
        Files.createDirectories(gnupg);
        Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        identities.init(device.keys(), "Satoshi", "satoshi", "example.net", "nist256p1", null);
        lightning = new LightningService(projects);
        openPgp = OpenPgpFiles.of(identities);
        backups = new ChannelBackups(home, lightning, openPgp);
    }

    @AfterEach
    void tearDown() {
        if (device != null) {
            device.close();
        }
        assertThat(endpoint.everyConnectionClosed()).isTrue();
    }

    /** A node's file as long as a real emergency.recover with one channel (header, record, tag). */
    private static byte[] scb(int version) {
        byte[] content = new byte[24 + 14 + 120 + 17];
        java.util.Arrays.fill(content, (byte) version);
        return content;
    }

    @Test
    void changesAreBackedUpEncryptedRotatedAndCopiedAndDecryptToTheSameBytes() throws Exception {
        assertThat(backups.take("p", null, 2, null, true)).isEqualTo(new ChannelBackups.Taken(null, false, null, null));

        Path offsite = Files.createDirectories(dir.resolve("offsite"));
        swarm.file(HOST, CONTAINER, SCB, scb(1));
        ChannelBackups.Taken first = backups.take("p", null, 2, offsite, true);
        assertThat(first.created()).isTrue();
        assertThat(first.backup().file().getParent()).isEqualTo(home.root().resolve("backups/p"));
        assertThat(first.backup().file().getFileName().toString()).matches("\\d{8}T\\d{9}Z-[0-9a-f]{16}-emergency\\.recover\\.gpg");
        assertThat(Files.readAllBytes(first.backup().file())).as("encrypted").isNotEqualTo(scb(1));
        String nodeSecretName = "node-secret-cln-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(java.time.ZoneOffset.UTC).format(projects.definition("p").createdAt()) + ".gpg";
        assertThat(home.root().resolve("backups/p/" + nodeSecretName)).exists();
        assertThat(offsite.resolve("p/" + nodeSecretName)).exists();
        // the node's exporter is told which file the newest backup holds (the monitoring stack alerts otherwise)
        com.fasterxml.jackson.databind.JsonNode record = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(swarm.file(HOST, CONTAINER, "/run/bcm-metrics/backup.json"));
        assertThat(record.path("sha256").asText()).isEqualTo(first.backup().sha256());
        assertThat(record.path("taken").asLong()).isCloseTo(java.time.Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
        assertThat(backups.take("p", null, 2, offsite, true).created()).as("unchanged").isFalse();
        // the node secret, from the project's secrets, decrypts to what the project keeps
        ByteArrayOutputStream nodeSecret = new ByteArrayOutputStream();
        try (var in = Files.newInputStream(offsite.resolve("p/" + nodeSecretName))) {
            openPgp.decrypt(in, nodeSecret, device.keys());
        }
        assertThat(nodeSecret.toByteArray()).isEqualTo(Files.readAllBytes(home.root().resolve("projects/p/secrets/lightning/hsm_secret")));

        Thread.sleep(5);
        swarm.file(HOST, CONTAINER, SCB, scb(2));
        assertThat(backups.take("p", null, 2, offsite, true).created()).isTrue();
        Thread.sleep(5);
        swarm.file(HOST, CONTAINER, SCB, scb(3));
        ChannelBackups.Taken third = backups.take("p", null, 2, offsite, true);
        assertThat(backups.list("p")).as("the newest 2 kept").hasSize(2).last().isEqualTo(third.backup());
        try (var copies = Files.list(offsite.resolve("p"))) {
            assertThat(copies.filter(f -> f.toString().endsWith("emergency.recover.gpg")).count()).isEqualTo(2);
        }

        assertThat(backups.decrypt(backups.choose("p", null), device.keys())).isEqualTo(scb(3));
        // a backup whose content is not what its name says is refused
        Path renamed = third.backup().file().resolveSibling(third.backup().file().getFileName().toString()
                .replace(third.backup().sha256(), "0".repeat(16)));
        Files.copy(third.backup().file(), renamed);
        assertThatThrownBy(() -> backups.decrypt(backups.choose("p", renamed), device.keys()))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED));
    }

    @Test
    void verifyAndRestoreAskTheNodeThroughItsScriptAndCleanUp() throws Exception {
        swarm.file(HOST, CONTAINER, SCB, scb(7));
        backups.take("p", null, 5, null, true);
        List<List<String>> asked = new ArrayList<>();
        swarm.onExecute((host, line) -> {
            asked.add(line);
            if (line.get(1).equals("bcm-lightning")) {
                String out = line.get(3);
                byte[] input = line.size() > 4 ? swarm.file(host, line.get(0), line.get(4)) : null;
                switch (line.get(2)) {
                    case "verify-backup" -> {
                        if (!java.util.Arrays.equals(input, scb(7))) {
                            swarm.file(host, line.get(0), out + ".err", "decode: not our node's".getBytes(StandardCharsets.UTF_8));
                            return 1;
                        }
                        swarm.file(host, line.get(0), out, "{\"type\":\"emergency recover\",\"valid\":true}".getBytes(StandardCharsets.UTF_8));
                    }
                    case "restore-backup" -> swarm.file(host, line.get(0), out, ("{\"stubs\":[\"" + "cd".repeat(32) + "\"]}").getBytes(StandardCharsets.UTF_8));
                    case "info" -> swarm.file(host, line.get(0), out, "{\"id\":\"02ab\",\"blockheight\":7}".getBytes(StandardCharsets.UTF_8));
                    default -> {
                        return 2;
                    }
                }
            } else if (line.get(1).equals("rm")) {
                line.subList(3, line.size()).forEach(f -> swarm.file(host, line.get(0), f, null));
            }
            return 0;
        });

        ChannelBackups.Backup newest = backups.choose("p", null);
        assertThat(backups.verify("p", null, newest, device.keys()).checked()).contains("lightning-cli decode");
        assertThat(asked.get(0)).containsExactly(CONTAINER, "bcm-lightning", "verify-backup", asked.get(0).get(3), asked.get(0).get(3) + ".in");
        assertThat(asked.get(1)).as("the answer and the decrypted backup removed").startsWith(CONTAINER, "rm", "-f", asked.get(0).get(3));
        assertThat(swarm.file(HOST, CONTAINER, asked.get(0).get(3) + ".in")).isNull();

        JsonNode restored = backups.restore("p", null, newest, device.keys());
        assertThat(restored.path("stubs")).hasSize(1);
        assertThat(lightning.view("p", null, LightningService.View.INFO).path("blockheight").asInt()).isEqualTo(7);
        // bcm stack list reads the node's state from its last healthcheck (bcm-lightning info), no credential needed
        swarm.healthcheck(HOST, CONTAINER, "{\"id\":\"02ab\",\"network\":\"regtest\",\"blockheight\":9,\"version\":\"v26.06.7\"}");
        assertThat(projects.stacks("c1")).filteredOn(s -> s.stack().name().equals("lightning")).singleElement()
                .satisfies(s -> assertThat(s.lightning().summary()).isEqualTo("02ab, regtest, v26.06.7, block height 9, 0 peers, 0 active channel(s), 0 pending"));

        // another node's backup: the node refuses to decode it, and bcm says so
        swarm.file(HOST, CONTAINER, SCB, scb(8));
        backups.take("p", null, 5, null, true);
        assertThatThrownBy(() -> backups.verify("p", null, backups.choose("p", null), device.keys()))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED);
                    assertThat(e.getMessage()).contains("exit code 1", "decode: not our node's");
                });
        // a file too short to be an emergency.recover never reaches the node
        swarm.file(HOST, CONTAINER, SCB, new byte[30]);
        backups.take("p", null, 5, null, true);
        int before = asked.size();
        assertThatThrownBy(() -> backups.verify("p", null, backups.choose("p", null), device.keys()))
                .hasMessageContaining("too few for Core Lightning's emergency.recover");
        assertThat(asked).hasSize(before);
    }

    @Test
    void aProjectWithoutTheNodeOrNotDeployedIsAClearError() {
        projects.create("other", "regtest", List.of("gateway", "bitcoin"), Map.of());
        assertThatThrownBy(() -> backups.take("other", null, 5, null, true)).isInstanceOfSatisfying(BcmException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("Project 'other' has no lightning stack");
        });
        projects.create("idle", "regtest", List.of("gateway", "bitcoin", "lightning"), Map.of());
        assertThatThrownBy(() -> lightning.view("idle", null, LightningService.View.INFO)).isInstanceOfSatisfying(BcmException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("Project 'idle' is not deployed");
        });
        assertThatThrownBy(() -> backups.take("p", null, 0, null, true)).hasMessageContaining("--keep must be at least 1");
        assertThatThrownBy(() -> backups.take("p", null, 3, dir.resolve("unmounted"), true)).hasMessageContaining("does not exist");
    }
}
