package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.bcm.core.Progress;
import org.bcm.core.adapter.LxdInstanceServer;
import org.bcm.core.image.BaseImage;
import org.bcm.core.image.ImageRecipe;
import org.bcm.lxd.ExecResult;
import org.bcm.lxd.ImageSource;
import org.bcm.lxd.InstanceAction;
import org.bcm.lxd.InstanceSpec;
import org.bcm.lxd.LxdClient;
import org.bcm.lxd.NetworkSpec;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bcm.trezor.dev.UdpDeviceServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A cluster on a second "machine": an LXD system container on the host's LXD (nesting, its own
 * 131,072-id map) on a bridge this test creates, running sshd and nothing else. bcm brings it under
 * management with {@code --provider=ssh}: logs in as root with the development device's ssh identity
 * through bcm's agent, installs and initialises the distribution's LXD in it, makes it trust bcm's
 * client certificate, pins its server certificate, and from then on drives it over HTTPS only: its
 * tier hosts (two levels down) form a swarm whose engines bcm reaches through LXD exec relays. Then the
 * bad inputs (unreachable, unknown and wrong host key, refused login, changed LXD certificate, another
 * controller's endpoint) and a destroy that leaves nothing on the machine's LXD.
 *
 * <p>Then the machine as a second endpoint of a cluster on the host's LXD ({@code bcm cluster
 * add-endpoint}): its tier host gets an address on the test's bridge (macvlan on the machine's
 * {@code eth0}) and joins the host cluster's swarm; a service on each endpoint answers the other's
 * HTTP by service name over an overlay network (with NAT off on both bridges: see the test);
 * {@code remove-endpoint} leaves nothing on the machine; after the machine's endpoint stops answering
 * (its tier host and its LXD stopped), {@code cull} removes it and a service's task is rescheduled
 * on the host; with the endpoint back, {@code add-endpoint} converges over what the cull left there,
 * and a destroy leaves nothing on either endpoint.
 *
 * <p>The machine needs one thing bcm does not do: this kernel's cgroup v1 layout (separate
 * {@code cpu} and {@code cpuacct}) shows up in a container as two symbolic links to an empty
 * directory, and LXC inside it cannot start anything until they are real mounts (docs/architecture.md).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteEndpointIT {

    private static final String MNEMONIC_ALL = "all all all all all all all all all all all all";
    private static final String MACHINE = "bcmit-machine";
    /** The third endpoint, for managers on three endpoints: started by the test that needs it. */
    private static final String MACHINE2 = "bcmit-machine2";
    private static final String BRIDGE = "bcmitrnet0";
    private static final String CLUSTER = "remote";
    private static final String MULTI = "multi";
    private static final String ADDED_HOST = "bcm-bitcoin-machine-01";
    private static final String CGROUP_FIX = "set -e; mount --options-mode ignore -o remount,rw,nosuid,nodev,noexec /sys/fs/cgroup;"
            + " cd /sys/fs/cgroup; if [ -L cpu ]; then rm cpu cpuacct; rmdir cpu,cpuacct; mkdir cpu cpuacct;"
            + " mount -t cgroup -o cpu cgroup cpu; mount -t cgroup -o cpuacct cgroup cpuacct; fi";

    private static Path home;
    private static BcmProcess bcm;
    private static LxdClient lxd;
    private static UdpDeviceServer device;
    private static String address;
    private static String hostKey;
    private static byte[] busyboxImage;

    @BeforeAll
    static void setUp() throws Exception {
        home = Files.createTempDirectory("bcm-it-remote");
        bcm = new BcmProcess(home, Map.of("BCM_CACHE_DIR", Path.of(System.getProperty("user.home"), ".bcm", "cache").toString()));
        device = UdpDeviceServer.start(new DevelopmentDevice(DevelopmentDevice.Settings.of(MNEMONIC_ALL)), 0);
        lxd = LxdClient.connectLocal();
        removeMachines();
        lxd.createNetwork(new NetworkSpec(BRIDGE, "bridge", "bcm RemoteEndpointIT",
                Map.of("ipv4.address", "10.213.47.1/24", "ipv4.nat", "true", "ipv6.address", "none")));
        String[] started = startMachine(MACHINE);
        address = started[0];
        hostKey = started[1];
    }

    /**
     * A machine container on the test's bridge, nested, with sshd and no LXD, whose root accepts bcm's
     * ssh identity for root@its address.
     *
     * @return its address and its ed25519 host key's SHA256 fingerprint
     */
    private static String[] startMachine(String name) throws Exception {
        String image = new BaseImage(ImageRecipe.baseImage(), Path.of(System.getProperty("user.home"), ".bcm", "cache", "images"),
                Progress.NONE).ensure(new LxdInstanceServer(LxdClient.connectLocal()));
        lxd.createInstance(new InstanceSpec(name, ImageSource.alias(image), "bcm RemoteEndpointIT machine", List.of("default"),
                Map.of("security.nesting", "true", "security.idmap.isolated", "true", "security.idmap.size", "131072"),
                Map.of("eth0", Map.of("type", "nic", "name", "eth0", "network", BRIDGE)))).await(Duration.ofMinutes(3));
        lxd.changeState(name, InstanceAction.START, Duration.ofSeconds(60), false).await(Duration.ofMinutes(1));
        String at = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> lxd.instanceState(name).flatMap(s -> s.ipv4("eth0")).orElse(null), a -> a != null);
        machine(name, CGROUP_FIX);
        machine(name, "export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q openssh-server"
                + " && printf 'HostKey /etc/ssh/ssh_host_ed25519_key\\nPasswordAuthentication no\\n' > /etc/ssh/sshd_config.d/bcmit.conf"
                + " && systemctl restart ssh");
        assertThat(machine(name, "command -v lxd || echo none").stdout()).as("the machine starts without LXD").contains("none");
        String key = machine(name, "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub").stdout().split(" ")[1];
        BcmProcess.Result login = bcm.run("ssh", "newkey", "root@" + at, deviceOption());
        assertThat(login.exitCode()).as(login.toString()).isZero();
        lxd.pushFile(name, "/root/.ssh/authorized_keys", login.out().getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 0, 0600);
        return new String[] {at, key};
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
            if (bcm.run("cluster", "destroy", "--cluster-name=" + MULTI).exitCode() == 5) {
                // the test stopped with the machine's endpoint silent
                bcm.run("cluster", "cull", "--cluster-name=" + MULTI, "--yes");
                bcm.run("cluster", "destroy", "--cluster-name=" + MULTI);
            }
        }
        if (lxd != null) {
            removeMachines();
            lxd.close();
        }
        if (device != null) {
            device.close();
        }
        org.bcm.core.home.BcmHome.deleteTree(home);
        Files.deleteIfExists(Path.of(home + ".out"));
        Files.deleteIfExists(Path.of(home + ".err"));
    }

    private static void removeMachines() {
        for (String name : List.of(MACHINE, MACHINE2)) {
            if (lxd.instance(name).isPresent()) {
                lxd.changeState(name, InstanceAction.STOP, Duration.ofSeconds(10), true).await(Duration.ofMinutes(1));
                lxd.deleteInstance(name).await(Duration.ofMinutes(2));
            }
        }
        if (lxd.network(BRIDGE).isPresent()) {
            lxd.deleteNetwork(BRIDGE);
        }
    }

    private static ExecResult machine(String script) {
        return machine(MACHINE, script);
    }

    private static ExecResult machine(String name, String script) {
        ExecResult result = lxd.exec(name, List.of("sh", "-c", script), Map.of(), Duration.ofMinutes(5));
        assertThat(result.exitCode()).as(script + "\n" + result.stdout() + result.stderr()).isZero();
        return result;
    }

    /** No bcm project, network, storage pool, base image or trusted certificate left on the machine's LXD. */
    private static void machineHoldsNothingOfBcm() {
        assertThat(machine("lxc project list --format csv").stdout()).doesNotContain("bcm-");
        assertThat(machine("lxc network list --format csv").stdout()).doesNotContain("bcm");
        assertThat(machine("lxc storage list --format csv").stdout()).doesNotContain("bcm");
        assertThat(machine("lxc image list --format csv").stdout()).doesNotContain("bcm-base");
        assertThat(machine("lxc config trust list --format csv").stdout()).doesNotContain("bcm-");
    }

    private static String deviceOption() {
        return "--device=udp:127.0.0.1:" + device.port();
    }

    private static BcmProcess.Result create(BcmProcess process, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("cluster", "create", "--cluster-name=" + CLUSTER, deviceOption()));
        args.addAll(List.of(extra));
        return process.run(args.toArray(String[]::new));
    }

    @Test
    @Order(1)
    void badLoginsEndWithOneMessageAndLeaveNothing() throws Exception {
        BcmProcess.Result unreachable = create(bcm, "--provider=ssh", "--hostname=127.0.0.1", "--ssh-port=9");
        assertThat(unreachable.exitCode()).as(unreachable.toString()).isEqualTo(14);
        assertThat(unreachable.err()).contains("Cannot reach 127.0.0.1:9 with SSH").doesNotContain("Exception");

        BcmProcess.Result unknown = create(bcm, "--provider=ssh", "--hostname=" + address);
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(14);
        assertThat(unknown.err()).contains("is not known: " + hostKey).contains("--ssh-host-key=" + hostKey);

        BcmProcess.Result wrongKey = create(bcm, "--provider=ssh", "--hostname=" + address,
                "--ssh-host-key=SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assertThat(wrongKey.exitCode()).as(wrongKey.toString()).isEqualTo(14);
        assertThat(wrongKey.err()).contains("is not known: " + hostKey);

        BcmProcess.Result refused = create(bcm, "--provider=ssh", "--hostname=" + address, "--ssh-host-key=" + hostKey,
                "--ssh-user=nobody");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(14);
        assertThat(refused.err()).contains("refused the login of nobody").contains("authorized_keys");

        assertThat(home.resolve("clusters").resolve(CLUSTER).resolve("cluster.yml")).doesNotExist();
        assertThat(machine("command -v lxd || echo none").stdout()).contains("none");
    }

    @Test
    @Order(2)
    void sshBringsTheMachineUnderManagementAndItsTierHostsFormASwarm() throws Exception {
        // the swarm on the machine's LAN: each tier host gets a macvlan NIC on the machine's eth0
        BcmProcess.Result created = create(bcm, "--provider=ssh", "--hostname=" + address, "--ssh-host-key=" + hostKey,
                "--parent-interface=eth0");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(created.out()).contains("is up on https://" + address + ":8443");
        assertThat(created.err()).contains("installing lxd").contains("(Trezor)");

        assertThat(machine("lxc config get core.https_address").stdout().strip()).isEqualTo(":8443");
        String trusted = machine("lxc config trust list --format csv").stdout();
        assertThat(trusted).contains("bcm-");
        String instances = machine("lxc list --project bcm-" + CLUSTER + " --format csv -c ns").stdout();
        assertThat(instances).contains("bcm-gateway-01,RUNNING").contains("bcm-kafka-01,RUNNING").contains("bcm-bitcoin-01,RUNNING");
        assertThat(machine("lxc config show --project bcm-" + CLUSTER + " bcm-gateway-01").stdout())
                .as("no Docker socket device on a remote endpoint: the relay reaches dockerd").doesNotContain("docker.sock");
        assertThat(machine("lxc exec --project bcm-" + CLUSTER + " bcm-gateway-01 -- docker node inspect bcm-gateway-01 bcm-bitcoin-01"
                + " --format '{{.Status.Addr}} {{index .Spec.Labels \"bcm.address\"}}'").stdout().lines().toList())
                .as("the swarm on the LAN (macvlan), the stacks' addresses on the cluster's bridge").hasSize(2)
                .allMatch(l -> l.startsWith("10.213.47.") && !l.split(" ")[1].startsWith("10.213.47."));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("controller/lxd-client.key"))))
                .isEqualTo("rw-------");
        assertThat(home.resolve("clusters").resolve(CLUSTER).resolve("lxd-server.crt")).exists();

        BcmProcess.Result verify = bcm.run("cluster", "verify", "--cluster-name=" + CLUSTER);
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("https://" + address + ":8443, certificate pinned")
                .containsPattern("swarm node bcm-kafka-01\\s+ok\\s+ready").containsPattern("dockerd bcm-bitcoin-01\\s+ok");

        BcmProcess.Result list = bcm.run("cluster", "list");
        assertThat(list.out()).contains(CLUSTER).contains("ssh");

        BcmProcess.Result rerun = create(bcm);
        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        assertThat(rerun.err()).doesNotContain("creating").doesNotContain("installing lxd");
    }

    @Test
    @Order(3)
    void aStackDeploysThroughTheRelays() throws Exception {
        BcmProcess.Result project = bcm.run("project", "create", "--project-name=rp", "--chain=regtest", "--stacks=gateway");
        assertThat(project.exitCode()).as(project.toString()).isZero();
        BcmProcess.Result deployed = bcm.run("project", "deploy", "--project-name=rp", "--cluster-name=" + CLUSTER);
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        assertThat(deployed.err()).contains("gateway_registry: 1/1 running");
        String services = machine("lxc exec --project bcm-" + CLUSTER + " bcm-gateway-01 -- docker service ls --format '{{.Name}} {{.Replicas}}'")
                .stdout();
        assertThat(services).contains("gateway_registry 1/1").contains("gateway_tor 1/1");

        assertThat(bcm.run("project", "add-stack", "--project-name=rp", "kafka").exitCode()).isZero();
        BcmProcess.Result kafka = bcm.run("project", "deploy", "--project-name=rp", "--cluster-name=" + CLUSTER);
        assertThat(kafka.exitCode()).as(kafka.toString()).isEqualTo(2);
        assertThat(kafka.err()).contains("is on a remote endpoint").contains("not yet its Kafka or Prometheus");
        assertThat(machine("lxc exec --project bcm-" + CLUSTER + " bcm-gateway-01 -- docker service ls --format '{{.Name}}'").stdout())
                .as("refused before anything changed").doesNotContain("kafka");
    }

    @Test
    @Order(4)
    void aChangedLxdCertificateIsRefusedWithHowToRePin() throws Exception {
        Path pinned = home.resolve("clusters").resolve(CLUSTER).resolve("lxd-server.crt");
        byte[] real = Files.readAllBytes(pinned);
        Files.write(pinned, lxd.server().certificatePem().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        try {
            BcmProcess.Result show = bcm.run("show", "--cluster-name=" + CLUSTER);
            assertThat(show.exitCode()).as(show.toString()).isEqualTo(5);
            assertThat(show.err()).contains("LXD certificate changed").contains("is not the pinned certificate").contains("re-pin")
                    .doesNotContain("Exception");
        } finally {
            Files.write(pinned, real);
        }
    }

    @Test
    @Order(5)
    void anotherControllerIsRefusedAndLeavesNoTrustBehind() throws Exception {
        Path otherHome = Files.createTempDirectory("bcm-it-remote-other");
        try {
            BcmProcess other = new BcmProcess(otherHome);
            String token = machine("lxc config trust add --name other-controller").stdout().lines()
                    .filter(l -> l.matches("[A-Za-z0-9+/=_-]{40,}")).findFirst().orElseThrow();
            BcmProcess.Result refused = other.run("cluster", "create", "--cluster-name=other", "--provider=lxd",
                    "--endpoint=https://" + address + ":8443", "--trust-token=" + token);
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(4);
            assertThat(refused.err()).contains("managed by another bcm controller");
            assertThat(machine("lxc config trust list --format csv").stdout().lines().count()).as("only this test's controller").isEqualTo(1);
            assertThat(machine("lxc project list --format csv").stdout()).doesNotContain("bcm-other");
        } finally {
            org.bcm.core.home.BcmHome.deleteTree(otherHome);
        }
    }

    @Test
    @Order(6)
    void destroyLeavesNothingOnTheMachinesLxd() throws Exception {
        BcmProcess.Result destroyed = bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        assertThat(destroyed.exitCode()).as(destroyed.toString()).isZero();
        machineHoldsNothingOfBcm();
        assertThat(home.resolve("clusters").resolve(CLUSTER)).doesNotExist();
    }

    /** The test's busybox image into the machine's tier host (a new instance after the endpoint was removed and added). */
    private static void importImageOnMachine() {
        lxd.pushFile(MACHINE, "/root/busybox.tar", busyboxImage, 0, 0, 0600);
        machine("lxc file push -q --project bcm-" + MULTI + " /root/busybox.tar " + ADDED_HOST + "/root/busybox.tar");
        onMachine("docker import /root/busybox.tar bcmit/busybox:1");
    }

    private static BcmProcess.Result addMachine() throws Exception {
        return addMachine("--tier=bitcoin");
    }

    private static BcmProcess.Result addMachine(String... tiers) throws Exception {
        List<String> args = new ArrayList<>(List.of("cluster", "add-endpoint", "--cluster-name=" + MULTI, "--endpoint-name=machine",
                "--hostname=" + address, "--ssh-host-key=" + hostKey, deviceOption()));
        args.addAll(List.of(tiers));
        return bcm.run(args.toArray(String[]::new));
    }

    /** The swarm's managers as the manager lists them: {@code HOSTNAME Leader|Reachable|Unreachable}, sorted. */
    private static List<String> managers() throws Exception {
        return manager("docker node ls --filter role=manager --format '{{.Hostname}} {{.ManagerStatus}}'").lines().sorted().toList();
    }

    /** A shell command in a tier host of the multi cluster on the host's LXD. */
    private static String onFirst(String instance, String script) throws Exception {
        Process process = new ProcessBuilder("lxc", "exec", "--project", "bcm-" + MULTI, instance, "--", "sh", "-c", script)
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(script + "\n" + out).isZero();
        return out;
    }

    /** A shell command in the multi cluster's tier host on the machine. */
    private static String onMachine(String script) {
        return machine("lxc exec --project bcm-" + MULTI + " " + ADDED_HOST + " -- sh -c '" + script.replace("'", "'\\''") + "'").stdout();
    }

    private static String manager(String script) throws Exception {
        return onFirst("bcm-gateway-01", script);
    }

    private static void awaitTasks(String service, String... nodes) {
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(manager("docker service ps " + service + " --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'")
                        .lines().filter(l -> l.contains("Running")).map(l -> l.split(" ")[0]).sorted().toList())
                        .containsExactly(nodes));
    }

    @Test
    @Order(7)
    void theMachineJoinsAClusterOnTheHostAsASecondEndpoint() throws Exception {
        // the host's tier hosts get a second NIC on the machine's LAN, and the swarm runs there
        BcmProcess.Result created = bcm.run("cluster", "create", "--cluster-name=" + MULTI, "--parent-interface=" + BRIDGE);
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(onFirst("bcm-gateway-01", "ip -4 -o addr show eth1")).as("the manager on the LAN").contains("10.213.47.");
        assertThat(onFirst("bcm-gateway-01", "ip -4 route show default")).as("the way out stays on the cluster's bridge").contains("dev eth0")
                .doesNotContain("eth1");
        BcmProcess.Result added = addMachine();
        assertThat(added.exitCode()).as(added.toString()).isZero();
        assertThat(added.out()).contains("Endpoint 'machine' (https://" + address + ":8443) is in cluster '" + MULTI + "'");
        assertThat(home.resolve("clusters").resolve(MULTI).resolve("endpoints").resolve("machine").resolve("lxd-server.crt")).exists();

        assertThat(machine("lxc list --project bcm-" + MULTI + " --format csv -c ns").stdout()).contains(ADDED_HOST + ",RUNNING");
        assertThat(onMachine("ip -4 -o addr show eth0")).as("an address on the machine's LAN, not behind its NAT").contains("10.213.47.");
        assertThat(manager("docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'"))
                .contains(ADDED_HOST + " Ready").contains("bcm-gateway-01 Ready Leader");
        assertThat(manager("docker node inspect " + ADDED_HOST + " --format '{{json .Spec.Labels}}'"))
                .contains("\"bcm.endpoint\":\"machine\"").contains("\"bcm.tier\":\"bitcoin\"");
        assertThat(manager("docker node inspect bcm-bitcoin-01 --format '{{json .Spec.Labels}}'")).contains("\"bcm.endpoint\":\"first\"");
        assertThat(manager("docker node inspect bcm-gateway-01 bcm-bitcoin-01 " + ADDED_HOST + " --format '{{.Status.Addr}}'").lines()
                .toList()).as("every node's swarm address on the LAN").hasSize(3).allMatch(a -> a.startsWith("10.213.47."));
        assertThat(manager("docker node inspect bcm-kafka-01 --format '{{index .Spec.Labels \"bcm.address\"}}'").strip())
                .as("the stacks' BCM_TIER_KAFKA_ADDRESS stays on the cluster's bridge").isNotEmpty().doesNotStartWith("10.213.47.");
        assertThat(onMachine("cat /proc/net/tcp | grep -c ':1388 ' || true").strip()).as("127.0.0.1:5000 forwarded to the registry").isNotEqualTo("0");

        BcmProcess.Result verify = bcm.run("cluster", "verify", "--cluster-name=" + MULTI);
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.out()).containsPattern("swarm node " + ADDED_HOST + "\\s+ok");

        BcmProcess.Result rerun = addMachine();
        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        assertThat(rerun.err()).doesNotContain("creating").doesNotContain("joins the swarm");
    }

    @Test
    @Order(8)
    void anOverlayNetworkCarriesTrafficBetweenTheEndpoints() throws Exception {
        // VXLAN needs the nodes' own addresses end to end: Docker's overlay pins each remote MAC to its
        // node's address (a static FDB entry), and the kernel drops a packet whose outer source differs,
        // as a masqueraded one does. Both bridges here masquerade (the cluster's network and the machine's
        // "LAN"); the swarm runs on the LAN addresses, so no packet between the nodes crosses a NAT
        // (docs/architecture.md, "Several endpoints").
        Path rootfs = Files.createTempDirectory("bcm-it-busybox");
        try {
            Files.createDirectories(rootfs.resolve("bin"));
            Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
            for (String applet : List.of("sh", "mkdir", "httpd", "wget", "sleep", "cat", "nslookup", "awk")) {
                Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
            }
            // a static busybox has no DNS in its resolver: ask the swarm's DNS (127.0.0.11) for the service's task
            Files.writeString(rootfs.resolve("bin/fetch"), "#!/bin/sh\n"
                    + "ip=$(nslookup \"$1\" 127.0.0.11 | awk '/^Address: / {a=$2} END {print a}')\n"
                    + "exec wget -qO- \"http://$ip:8080/\"\n");
            Files.setPosixFilePermissions(rootfs.resolve("bin/fetch"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Process tar = new ProcessBuilder("tar", "-C", rootfs.toString(), "-cf", rootfs + ".tar", ".").inheritIO().start();
            assertThat(tar.waitFor()).isZero();
            busyboxImage = Files.readAllBytes(Path.of(rootfs + ".tar"));
            Process push = new ProcessBuilder("lxc", "file", "push", "-q", "--project", "bcm-" + MULTI, rootfs + ".tar",
                    "bcm-bitcoin-01/root/busybox.tar").inheritIO().start();
            assertThat(push.waitFor()).isZero();
            onFirst("bcm-bitcoin-01", "docker import /root/busybox.tar bcmit/busybox:1");
            importImageOnMachine();
        } finally {
            org.bcm.core.home.BcmHome.deleteTree(rootfs);
            Files.deleteIfExists(Path.of(rootfs + ".tar"));
        }
        String web = "docker service create -d --no-resolve-image --network bcmit-overlay --endpoint-mode dnsrr"
                + " bcmit/busybox:1 sh -c 'mkdir -p /www && echo \"hello from $WHO\" > /www/index.html && exec httpd -f -p 8080 -h /www'";
        manager("docker network create -d overlay --attachable bcmit-overlay"
                + " && " + web.replace("-d ", "-d --name web-first --constraint node.hostname==bcm-bitcoin-01 -e WHO=first ")
                + " && " + web.replace("-d ", "-d --name web-machine --constraint node.labels.bcm.endpoint==machine -e WHO=machine ")
                + " && docker service create -d --no-resolve-image --name roam --replicas 2 --constraint node.labels.bcm.tier==bitcoin"
                + " --placement-pref spread=node.labels.bcm.endpoint bcmit/busybox:1 sleep 1000000");
        awaitTasks("web-first", "bcm-bitcoin-01");
        awaitTasks("web-machine", ADDED_HOST);
        awaitTasks("roam", "bcm-bitcoin-01", ADDED_HOST);

        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            assertThat(onFirst("bcm-bitcoin-01", "docker exec $(docker ps -q -f name=web-first) fetch web-machine"))
                    .contains("hello from machine");
            assertThat(onMachine("docker exec $(docker ps -q -f name=web-machine) fetch web-first")).contains("hello from first");
        });
    }

    /** The machine's node is gone from the swarm and the endpoint from the definition; its task came back to the host. */
    private static void machineLeftTheCluster() throws Exception {
        assertThat(manager("docker node ls --format '{{.Hostname}}'")).doesNotContain(ADDED_HOST);
        assertThat(Files.readString(home.resolve("clusters").resolve(MULTI).resolve("cluster.yml"))).doesNotContain("machine");
        awaitTasks("roam", "bcm-bitcoin-01", "bcm-bitcoin-01");
    }

    @Test
    @Order(9)
    void removeEndpointLeavesNothingOfTheClusterOnTheMachine() throws Exception {
        BcmProcess.Result removed = bcm.run("cluster", "remove-endpoint", "--cluster-name=" + MULTI, "--endpoint-name=machine");
        assertThat(removed.exitCode()).as(removed.toString()).isZero();
        assertThat(removed.out()).contains("removed swarm node " + ADDED_HOST).contains("removed instance " + ADDED_HOST);
        machineHoldsNothingOfBcm();
        machineLeftTheCluster();
    }

    @Test
    @Order(10)
    void cullRemovesADownTierHostThenAnEndpointThatStoppedAnsweringAndTheirTasksAreRescheduled() throws Exception {
        BcmProcess.Result added = addMachine("--tier=bitcoin:2");
        assertThat(added.exitCode()).as(added.toString()).isZero();
        assertThat(bcm.run("cluster", "cull", "--cluster-name=" + MULTI, "--yes").out()).contains("nothing to cull");

        // a tier host of the answering machine goes down; it is its tier's last there, so cull takes it
        String second = "bcm-bitcoin-machine-02";
        machine("lxc stop --force --project bcm-" + MULTI + " " + second);
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(manager("docker node ls --format '{{.Hostname}} {{.Status}}'")).contains(second + " Down"));
        BcmProcess.Result hostCulled = bcm.run("cluster", "cull", "--cluster-name=" + MULTI, "--yes");
        assertThat(hostCulled.exitCode()).as(hostCulled.toString()).isZero();
        assertThat(hostCulled.out()).contains("removed instance " + second).contains("removed swarm node " + second)
                .contains("Culled " + second);
        assertThat(machine("lxc list --project bcm-" + MULTI + " --format csv -c n").stdout()).contains(ADDED_HOST).doesNotContain(second);
        assertThat(manager("docker node ls --format '{{.Hostname}}'")).doesNotContain(second);
        BcmProcess.Result verify = bcm.run("cluster", "verify", "--cluster-name=" + MULTI);
        assertThat(verify.exitCode()).as("the definition holds one bitcoin tier host there now\n" + verify).isZero();
        importImageOnMachine();
        manager("docker service update -d --force roam");
        awaitTasks("roam", "bcm-bitcoin-01", ADDED_HOST);

        // the endpoint goes silent: its tier host stops, then its LXD (service and socket), so its API refuses
        machine("lxc stop --project bcm-" + MULTI + " " + ADDED_HOST + " && systemctl stop lxd.socket lxd.service");
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(manager("docker node ls --format '{{.Hostname}} {{.Status}}'")).contains(ADDED_HOST + " Down"));
        BcmProcess.Result refused = bcm.run("cluster", "cull", "--cluster-name=" + MULTI);
        assertThat(refused.exitCode()).as("no terminal, no --yes: nothing culled\n" + refused).isEqualTo(2);
        assertThat(refused.err()).contains("do not answer").contains("--yes");

        BcmProcess.Result culled = bcm.run("cluster", "cull", "--cluster-name=" + MULTI, "--yes");
        assertThat(culled.exitCode()).as(culled.toString()).isZero();
        assertThat(culled.out()).contains("removed swarm node " + ADDED_HOST).contains("Culled machine");
        machineLeftTheCluster();
    }

    @Test
    @Order(11)
    void withAGatewayHostOnThreeEndpointsThreeAreManagersAndDestroyLeavesNothingOnAny() throws Exception {
        machine("systemctl start lxd.socket lxd.service");
        BcmProcess.Result added = addMachine("--tier=gateway", "--tier=bitcoin");
        assertThat(added.exitCode()).as("converges over what the cull left on the machine\n" + added).isZero();
        assertThat(manager("docker node ls --format '{{.Hostname}} {{.Status}}'")).contains(ADDED_HOST + " Ready")
                .contains("bcm-gateway-machine-01 Ready");
        assertThat(managers()).as("two endpoints with a gateway host: one manager").containsExactly("bcm-gateway-01 Leader");

        // a third endpoint with a gateway host: a manager on each of the three
        String[] third = startMachine(MACHINE2);
        BcmProcess.Result joined = bcm.run("cluster", "add-endpoint", "--cluster-name=" + MULTI, "--endpoint-name=machine2",
                "--hostname=" + third[0], "--ssh-host-key=" + third[1], "--tier=gateway", deviceOption());
        assertThat(joined.exitCode()).as(joined.toString()).isZero();
        assertThat(joined.err()).contains("promoting bcm-gateway-machine-01 to manager").contains("promoting bcm-gateway-machine2-01 to manager");
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(managers())
                .containsExactly("bcm-gateway-01 Leader", "bcm-gateway-machine-01 Reachable", "bcm-gateway-machine2-01 Reachable"));

        BcmProcess.Result removed = bcm.run("cluster", "remove-endpoint", "--cluster-name=" + MULTI, "--endpoint-name=machine2");
        assertThat(removed.exitCode()).as(removed.toString()).isZero();
        assertThat(removed.err()).contains("demoting bcm-gateway-machine2-01").contains("demoting bcm-gateway-machine-01");
        assertThat(managers()).as("back to two endpoints: the first's manager alone").containsExactly("bcm-gateway-01 Leader");
        assertThat(machine(MACHINE2, "lxc project list --format csv").stdout()).doesNotContain("bcm-" + MULTI);

        BcmProcess.Result destroyed = bcm.run("cluster", "destroy", "--cluster-name=" + MULTI);
        assertThat(destroyed.exitCode()).as(destroyed.toString()).isZero();
        machineHoldsNothingOfBcm();
        assertThat(lxd.projects().stream().map(p -> p.name())).doesNotContain("bcm-" + MULTI);
        assertThat(lxd.networks().stream().map(n -> n.name())).doesNotContain("bcm-" + MULTI);
        assertThat(home.resolve("clusters").resolve(MULTI)).doesNotExist();
    }
}
