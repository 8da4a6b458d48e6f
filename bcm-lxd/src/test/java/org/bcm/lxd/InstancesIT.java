package org.bcm.lxd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images, instances, exec, files and operations against the real local LXD, inside a project,
 * storage pool and bridge of this test's own (all named {@code bcm-lxd-it-inst...}), removed at
 * the end and also before the start (leftovers of a crashed run).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstancesIT {

    static final String PREFIX = "bcm-lxd-it-inst";
    static final String PROJECT = PREFIX;
    static final String POOL = PREFIX;
    static final String NETWORK = PREFIX; // 15 characters: the limit for an interface name
    static final String PROFILE = PREFIX + "-base";
    static final String ALIAS = "bcm-busybox";
    static final String C1 = "c1";
    static final Duration OP = LxdItSupport.OP;

    LxdClient root;
    LxdClient lxd;
    String subnet;
    LxdItSupport.BusyboxImage files;
    Image image;
    final List<Long> progress = new ArrayList<>();

    @BeforeAll
    void setUp(@TempDir Path work) throws Exception {
        root = LxdClient.connectLocal();
        LxdItSupport.removeLeftovers(root, PREFIX);
        subnet = LxdItSupport.freeSubnet(root, 200);
        root.createStoragePool(new StoragePoolSpec(POOL, "dir", "bcm-lxd IT", Map.of()));
        root.createNetwork(new NetworkSpec(NETWORK, "bridge", "bcm-lxd IT", Map.of(
                "ipv4.address", subnet + ".1/24", "ipv4.nat", "false", "ipv4.dhcp", "false", "ipv6.address", "none")));
        root.createProject(new ProjectSpec(PROJECT, "bcm-lxd IT", Map.of(
                "features.images", "true", "features.profiles", "true", "features.storage.volumes", "true")));
        lxd = root.useProject(PROJECT);
        lxd.createProfile(new ProfileSpec(PROFILE, "root disk and eth0", Map.of(),
                LxdItSupport.rootAndNic(POOL, NETWORK)));

        files = LxdItSupport.buildBusyboxImage(work);
        image = lxd.importImage(files.metadataTarball(), files.rootfsTarball(), Map.of("os", "busybox",
                "bcm.test", "instances it"), progress::add, OP);
        lxd.createImageAlias(ALIAS, image.fingerprint(), "busybox for tests");

        lxd.createInstance(InstanceSpec.of(C1, ImageSource.alias(ALIAS))
                .withProfiles(List.of("default", PROFILE))
                .withConfig(Map.of("user.bcm.cluster", "it", "user.bcm.role", "first"))).await(OP);
        lxd.changeState(C1, InstanceAction.START, null, false).await(OP);
    }

    @AfterAll
    void tearDown() {
        if (root != null) {
            try {
                LxdItSupport.removeLeftovers(root, PREFIX);
            } finally {
                root.close();
            }
            assertThat(root.projects()).noneMatch(p -> p.name().startsWith(PREFIX));
        }
    }

    // ---- images ----------------------------------------------------------------------

    @Test
    @Order(1)
    void importedImageIsThereByFingerprintAndAliasWithItsProperties() throws Exception {
        assertThat(image.fingerprint()).hasSize(64)
                .isEqualTo(Images.splitImageFingerprint(files.metadataTarball(), files.rootfsTarball()));
        assertThat(image.architecture()).isEqualTo("x86_64");
        assertThat(image.size()).isEqualTo(files.totalBytes());
        assertThat(image.properties()).containsEntry("os", "busybox").containsEntry("bcm.test", "instances it");
        assertThat(image.createdAt()).isNotNull();

        // upload progress: increasing running totals ending at the size of both files
        assertThat(progress).isNotEmpty().isSorted();
        assertThat(progress.get(progress.size() - 1)).isEqualTo(files.totalBytes());

        Image byAlias = lxd.imageByAlias(ALIAS).orElseThrow();
        assertThat(byAlias.fingerprint()).isEqualTo(image.fingerprint());
        assertThat(byAlias.aliases()).containsExactly(ALIAS);
        assertThat(lxd.images()).extracting(Image::fingerprint).containsExactly(image.fingerprint());
        // images are per project here: the default project does not see it
        assertThat(root.image(image.fingerprint())).isEmpty();
    }

    @Test
    @Order(2)
    void importingTheSameFilesAgainReturnsTheExistingImageWithoutUpload() {
        List<Long> again = new ArrayList<>();
        Image second = lxd.importImage(files.metadataTarball(), files.rootfsTarball(), Map.of(), again::add, OP);
        assertThat(second.fingerprint()).isEqualTo(image.fingerprint());
        assertThat(again).isEmpty();
    }

    @Test
    @Order(3)
    void aliasesCanBeAddedAndRemoved() {
        lxd.createImageAlias("bcm-tmp", image.fingerprint(), "temporary");
        assertThat(lxd.imageByAlias("bcm-tmp")).map(Image::fingerprint).contains(image.fingerprint());
        assertThatThrownBy(() -> lxd.createImageAlias("bcm-tmp", image.fingerprint(), ""))
                .isInstanceOfSatisfying(LxdException.class, e -> assertThat(e.statusCode()).isEqualTo(409));
        lxd.deleteImageAlias("bcm-tmp");
        assertThat(lxd.imageByAlias("bcm-tmp")).isEmpty();
        assertThat(lxd.image(image.fingerprint())).isPresent();
        assertThat(lxd.image("0".repeat(64))).isEmpty();
    }

    // ---- instances -------------------------------------------------------------------

    @Test
    @Order(10)
    void startedInstanceIsRunningWithItsConfigAndProfiles() throws Exception {
        Instance c1 = lxd.instance(C1).orElseThrow();
        assertThat(c1.status()).isEqualTo("Running");
        assertThat(c1.type()).isEqualTo("container");
        assertThat(c1.profiles()).containsExactly("default", PROFILE);
        assertThat(c1.config()).containsEntry("user.bcm.cluster", "it");
        assertThat(c1.devices()).isEmpty();
        assertThat(c1.expandedDevices().get("root")).containsEntry("pool", POOL);
        assertThat(c1.expandedDevices().get("eth0")).containsEntry("network", NETWORK);
        assertThat(c1.etag()).isNotEmpty();
        assertThat(c1.createdAt()).isNotNull();

        InstanceState state = lxd.instanceState(C1).orElseThrow();
        assertThat(state.running()).isTrue();
        assertThat(state.pid()).isPositive();
        assertThat(state.ipv4("lo")).isEmpty();
        assertThat(state.addresses("lo")).extracting(InstanceAddress::address).contains("127.0.0.1");

        // busybox init really keeps it running
        Thread.sleep(1000);
        assertThat(lxd.instanceState(C1).orElseThrow().status()).isEqualTo("Running");
        assertThat(lxd.instancesWithConfig("user.bcm.cluster", "it")).extracting(Instance::name).containsExactly(C1);
        assertThat(lxd.instancesWithConfig("user.bcm.cluster", "other")).isEmpty();
        assertThat(root.instances()).extracting(Instance::name).doesNotContain(C1);
    }

    @Test
    @Order(11)
    void execCollectsStdoutStderrAndExitCode() {
        ExecResult r = lxd.exec(C1, List.of("/bin/sh", "-c", "echo out $GREETING; echo err >&2; exit 3"),
                Map.of("GREETING", "hello"), Duration.ofSeconds(30));
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.succeeded()).isFalse();
        assertThat(r.stdout()).isEqualTo("out hello\n");
        assertThat(r.stderr()).isEqualTo("err\n");

        ExecResult ok = lxd.exec(C1, List.of("hostname"), null, Duration.ofSeconds(30));
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.stdout().strip()).isEqualTo(C1);
        assertThat(ok.stderr()).isEmpty();

        // larger output survives intact
        ExecResult big = lxd.exec(C1, List.of("/bin/sh", "-c", "seq 1 20000"), null, Duration.ofSeconds(30));
        assertThat(big.stdout().lines().count()).isEqualTo(20000);
    }

    @Test
    @Order(11)
    void anExecStreamCarriesBytesBothWaysAndEndsWithStdin() throws Exception {
        byte[] sent = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(sent);
        try (ExecStream cat = lxd.execStream(C1, List.of("cat"))) {
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try {
                    cat.stdout().transferTo(received);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            reader.start();
            cat.stdin().write(sent);
            cat.stdin().close();
            reader.join(30_000);
            assertThat(reader.isAlive()).as("stdout ends after stdin's end").isFalse();
            assertThat(received.toByteArray()).isEqualTo(sent);
        }
        assertThatThrownBy(() -> lxd.execStream("no-such-instance", List.of("cat"))).isInstanceOf(LxdException.class);
    }

    @Test
    @Order(12)
    void execOfMissingCommandIs127AndOfStoppedOrMissingInstanceThrows() {
        ExecResult r = lxd.exec(C1, List.of("/no/such/command"), null, Duration.ofSeconds(30));
        assertThat(r.exitCode()).isEqualTo(127);
        assertThat(r.stderr()).containsIgnoringCase("not found");

        assertThatThrownBy(() -> lxd.exec("no-such-instance", List.of("true"), null, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("no-such-instance");
                });
    }

    @Test
    @Order(13)
    void execTimeoutIsAnLxdExceptionNamingTheOperation() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> lxd.exec(C1, List.of("sleep", "4"), null, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e).isNotInstanceOf(LxdUnavailableException.class);
                    assertThat(e.statusCode()).isZero();
                    assertThat(e.getMessage()).contains("Executing command").contains("after waiting 1 s")
                            .contains("[sleep, 4]");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    @Order(14)
    void filesArePushedWithOwnerAndModeAndPulledBack() {
        byte[] content = "line one\nünïcödé\n\u0000binary\n".getBytes(StandardCharsets.UTF_8);
        lxd.pushFile(C1, "/root/data.bin", content, 1000, 1001, 0640);
        assertThat(lxd.pullFile(C1, "/root/data.bin")).hasValueSatisfying(b -> assertThat(b).isEqualTo(content));

        ExecResult stat = lxd.exec(C1, List.of("stat", "-c", "%a %u %g %s", "/root/data.bin"), null,
                Duration.ofSeconds(30));
        assertThat(stat.stdout().strip()).isEqualTo("640 1000 1001 " + content.length);

        // overwrite
        lxd.pushFile(C1, "/root/data.bin", "short".getBytes(StandardCharsets.UTF_8), 0, 0, 0600);
        assertThat(lxd.pullFile(C1, "/root/data.bin")).map(b -> new String(b, StandardCharsets.UTF_8)).contains("short");

        assertThat(lxd.pullFile(C1, "/root/missing")).isEmpty();
        assertThatThrownBy(() -> lxd.pullFile(C1, "/etc"))
                .isInstanceOfSatisfying(LxdException.class, e -> assertThat(e.statusCode()).isEqualTo(400));
        assertThatThrownBy(() -> lxd.pushFile(C1, "/no/such/dir/file", new byte[1], 0, 0, 0644))
                .isInstanceOf(LxdException.class).hasMessageContaining("/no/such/dir/file");
    }

    @Test
    @Order(15)
    void stateReportsTheIpv4OfEth0() throws Exception {
        String address = subnet + ".10";
        ExecResult r = lxd.exec(C1, List.of("/bin/sh", "-c",
                "ip addr add " + address + "/24 dev eth0 && ip link set eth0 up"), null, Duration.ofSeconds(30));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> lxd.instanceState(C1).orElseThrow().ipv4("eth0").isPresent());
        InstanceState state = lxd.instanceState(C1).orElseThrow();
        assertThat(state.ipv4("eth0")).contains(address);
        assertThat(state.addresses("eth0")).anySatisfy(a -> {
            assertThat(a.family()).isEqualTo("inet");
            assertThat(a.netmask()).isEqualTo("24");
            assertThat(a.scope()).isEqualTo("global");
        });
        // the bridge on the host reaches it
        ExecResult ping = lxd.exec(C1, List.of("ping", "-c", "1", "-W", "2", subnet + ".1"), null,
                Duration.ofSeconds(10));
        assertThat(ping.exitCode()).as(ping.stdout() + ping.stderr()).isZero();
    }

    @Test
    @Order(16)
    void updateInstanceConfigMergesKeysAndKeepsTheRest() {
        String volatileUuid = lxd.instance(C1).orElseThrow().config().get("volatile.uuid");
        Map<String, String> changes = new HashMap<>();
        changes.put("user.bcm.role", null);
        changes.put("user.bcm.tier", "underlay");
        Map<String, Map<String, String>> devices = new HashMap<>();
        devices.put("scratch", Map.of("type", "disk", "source", "/tmp", "path", "/mnt/host-tmp", "readonly", "true"));
        lxd.updateInstanceConfig(C1, changes, devices);

        Instance c1 = lxd.instance(C1).orElseThrow();
        assertThat(c1.config()).containsEntry("user.bcm.tier", "underlay").containsEntry("user.bcm.cluster", "it")
                .doesNotContainKey("user.bcm.role").containsEntry("volatile.uuid", volatileUuid);
        assertThat(c1.devices()).containsKey("scratch");
        assertThat(c1.profiles()).containsExactly("default", PROFILE);
        assertThat(lxd.instancesWithConfig("user.bcm.tier", "underlay")).extracting(Instance::name)
                .containsExactly(C1);

        Map<String, Map<String, String>> removeDevice = new HashMap<>();
        removeDevice.put("scratch", null);
        lxd.updateInstanceConfig(C1, null, removeDevice);
        assertThat(lxd.instance(C1).orElseThrow().devices()).doesNotContainKey("scratch");

        assertThatThrownBy(() -> lxd.updateInstanceConfig(C1, Map.of("no.such.key", "1"), null))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("updating instance 'c1'");
                });
    }

    // ---- operations and failures -----------------------------------------------------

    @Test
    @Order(20)
    void creatingADuplicateInstanceFails() {
        assertThatThrownBy(() -> lxd.createInstance(InstanceSpec.of(C1, ImageSource.alias(ALIAS))
                .withProfiles(List.of("default", PROFILE))).await(OP))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isIn(400, 409);
                    assertThat(e.getMessage()).contains("creating instance 'c1'");
                    assertThat(e.lxdError()).containsIgnoringCase("exists");
                });
        assertThat(lxd.instance(C1).orElseThrow().running()).isTrue();
    }

    @Test
    @Order(21)
    void creatingFromAMissingAliasFailsWith404AndStartingTwiceFails() {
        assertThatThrownBy(() -> lxd.createInstance(InstanceSpec.of("c-none", ImageSource.alias("no-such-alias"))
                .withProfiles(List.of(PROFILE))).await(OP))
                .isInstanceOfSatisfying(LxdException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        assertThat(lxd.instance("c-none")).isEmpty();

        assertThatThrownBy(() -> lxd.changeState(C1, InstanceAction.START, null, false).await(OP))
                .isInstanceOfSatisfying(LxdException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("starting instance 'c1'");
                });
    }

    @Test
    @Order(22)
    void operationsAreReturnedAndAwaited() {
        Operation create = lxd.createInstance(InstanceSpec.of("c2", ImageSource.fingerprint(image.fingerprint()))
                .withProfiles(List.of(PROFILE)).withDescription("second"));
        assertThat(create.id()).isNotEmpty();
        assertThat(create.resources().get("instances")).contains("/1.0/instances/c2");
        Operation done = create.await(OP);
        assertThat(done.succeeded()).isTrue();
        assertThat(done.id()).isEqualTo(create.id());
        // awaiting a finished operation again needs no daemon round trip
        assertThat(done.await(Duration.ofSeconds(1))).isSameAs(done);

        Instance c2 = lxd.instance("c2").orElseThrow();
        assertThat(c2.status()).isEqualTo("Stopped");
        assertThat(c2.description()).isEqualTo("second");
        assertThat(c2.config()).containsEntry("volatile.base_image", image.fingerprint());
        assertThat(lxd.instanceState("c2").orElseThrow().pid()).isZero();

        lxd.changeState("c2", InstanceAction.START, null, false).await(OP);
        lxd.changeState("c2", InstanceAction.FREEZE, null, false).await(OP);
        assertThat(lxd.instance("c2").orElseThrow().status()).isEqualTo("Frozen");
        lxd.changeState("c2", InstanceAction.UNFREEZE, null, false).await(OP);
        // a clean shutdown: busybox init handles LXD's halt signal
        lxd.changeState("c2", InstanceAction.STOP, Duration.ofSeconds(20), false).await(OP);
        assertThat(lxd.instance("c2").orElseThrow().status()).isEqualTo("Stopped");
        lxd.deleteInstance("c2").await(OP);
        assertThat(lxd.instance("c2")).isEmpty();
    }

    @Test
    @Order(23)
    void severalOperationsAreAwaitedTogetherAndTheFirstFailureIsThrown() {
        List<Operation> creating = List.of(
                lxd.createInstance(InstanceSpec.of("c3", ImageSource.alias(ALIAS)).withProfiles(List.of(PROFILE))),
                lxd.createInstance(InstanceSpec.of("c4", ImageSource.alias(ALIAS)).withProfiles(List.of(PROFILE))));
        Operation.awaitAll(creating, OP);
        assertThat(lxd.instance("c3")).isPresent();
        assertThat(lxd.instance("c4")).isPresent();

        List<Operation> deleting = List.of(lxd.deleteInstance("c3"), lxd.deleteInstance("c4"),
                // accepted, then the operation fails: C1 exists
                lxd.createInstance(InstanceSpec.of(C1, ImageSource.alias(ALIAS)).withProfiles(List.of(PROFILE))));
        assertThatThrownBy(() -> Operation.awaitAll(deleting, OP)).isInstanceOf(LxdException.class);
        assertThat(lxd.instance("c4")).isEmpty();
    }

    @Test
    @Order(24)
    void runningOperationsListsAnOperationUntilItEnds() {
        // a clean stop of busybox init takes a few seconds: long enough to be seen running
        Operation stopping = lxd.changeState(C1, InstanceAction.STOP, Duration.ofSeconds(20), false);
        assertThat(lxd.runningOperations()).extracting(Operation::id).contains(stopping.id());
        Operation.awaitAll(lxd.runningOperations(), OP);
        assertThat(lxd.runningOperations()).extracting(Operation::id).doesNotContain(stopping.id());
        assertThat(lxd.instance(C1).orElseThrow().status()).isEqualTo("Stopped");
        lxd.changeState(C1, InstanceAction.START, null, false).await(OP);
    }

    @Test
    @Order(100)
    void stopAndDelete() {
        lxd.changeState(C1, InstanceAction.STOP, Duration.ZERO, true).await(OP);
        assertThat(lxd.instanceState(C1).orElseThrow().status()).isEqualTo("Stopped");
        assertThatThrownBy(() -> lxd.exec(C1, List.of("true"), null, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(LxdException.class, e -> assertThat(e.statusCode()).isEqualTo(400));
        lxd.deleteInstance(C1).await(OP);
        assertThat(lxd.instance(C1)).isEmpty();
        assertThat(lxd.instanceState(C1)).isEmpty();
        assertThat(lxd.instances()).isEmpty();

        lxd.deleteImage(image.fingerprint()).await(OP);
        assertThat(lxd.image(image.fingerprint())).isEmpty();
        assertThat(lxd.imageByAlias(ALIAS)).isEmpty();
    }
}
