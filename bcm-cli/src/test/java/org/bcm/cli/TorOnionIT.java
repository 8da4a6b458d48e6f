package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bcm.core.tor.ClientAuthKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Onion services, client authorization and tor-only egress, end to end and offline: a regtest project
 * runs its private Tor network (three directory authorities, three relays, no exit) on the gateway
 * host; a stack of the test publishes an echo service on the bitcoin tier as two onion services (one
 * open, one requiring client authorization); a Tor client of the test (Debian's tor, in a container on
 * the kafka tier) reaches them by their .onion addresses, which bcm computed from keys it generated.
 *
 * <p>No Tor of the test can reach a public relay: every Tor here knows only the private network's
 * directory authorities and no fallback directory; the test checks that no Tor of the project holds a
 * connection to an address outside the cluster.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TorOnionIT {

    private static final String CLUSTER = "ittor";
    private static final String PROJECT = "itt";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A Tor client on the private network: bootstraps, then reads from $ONION:$PORT through SOCKS (up to $TRIES tries). */
    private static final String CLIENT = """
            set -u
            mkdir -p /tmp/c/auth /tmp/c/data && chmod 700 /tmp/c /tmp/c/data /tmp/c/auth
            printf '%s\\n' "$DIRAUTH" > /tmp/c/da.conf
            if [ -n "$AUTH" ]; then printf '%s\\n' "$AUTH" > /tmp/c/auth/client.auth_private; fi
            printf '%s\\n' "DataDirectory /tmp/c/data" "SocksPort 127.0.0.1:9150" "TestingTorNetwork 1" "UseDefaultFallbackDirs 0" \\
              "PathsNeededToBuildCircuits 0.67" "ClientOnionAuthDir /tmp/c/auth" "Log notice file /tmp/c/log" \\
              "%include /tmp/c/da.conf" > /tmp/c/torrc
            tor -f /tmp/c/torrc --RunAsDaemon 1 >/dev/null
            for _ in $(seq 1 120); do grep -q 'Bootstrapped 100' /tmp/c/log 2>/dev/null && break; sleep 1; done
            grep -q 'Bootstrapped 100' /tmp/c/log || { echo "NOT BOOTSTRAPPED"; tail -n 5 /tmp/c/log; exit 1; }
            echo "client bootstrapped after $SECONDS s"
            out=""
            for _ in $(seq 1 "$TRIES"); do
              out=$(timeout 30 nc -X 5 -x 127.0.0.1:9150 "$ONION" "$PORT" </dev/null 2>&1) && [ -n "$out" ] \\
                && { echo "REACHED: $out"; exit 0; }
              sleep 5
            done
            echo "UNREACHABLE: $out"
            grep -i 'descriptor\\|authoriz' /tmp/c/log | tail -n 3
            """;

    private static Path home;
    private static BcmProcess bcm;
    private static ClusterEngines cluster;
    private static String dirAuthorities;

    @BeforeAll
    static void setUp() throws Exception {
        home = Files.createTempDirectory("bcm-it-tor");
        Path cache = Path.of(System.getProperty("user.home"), ".bcm", "cache");
        bcm = new BcmProcess(home, Map.of("BCM_CACHE_DIR", cache.toString()));
        cluster = new ClusterEngines(home, CLUSTER, PROJECT);
        bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
        Files.createDirectories(home.resolve("stacks/echo"));
        Files.writeString(home.resolve("stacks/echo/stack.yml"), """
                version: "3.8"
                x-bcm:
                  description: an echo service published as two onion services, for the test
                  requires: [gateway]
                services:
                  echo:
                    image: ${BCM_IMAGE_TOR}
                    entrypoint: ["bash", "-c", "while true; do echo \\"hello from $$(hostname)\\" | nc -l -N 8080 || sleep 1; done"]
                    networks: [tor]
                    expose: [8080]
                    x-bcm-onion:
                      - {name: echo, port: 80, target: 8080, uri: "http://{address}/"}
                      - {name: echo-private, port: 81, target: 8080, client-auth: true}
                    deploy:
                      endpoint_mode: dnsrr
                      placement:
                        constraints: [node.labels.bcm.tier == bitcoin]
                networks:
                  tor:
                    external: true
                    name: gateway_tor
                """);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (bcm != null) {
            BcmProcess.Result destroyed = bcm.run("cluster", "destroy", "--cluster-name=" + CLUSTER);
            assertThat(destroyed.out()).as("destroy leaves no ACL behind").contains("network ACL bcm-" + CLUSTER + "-egress");
        }
        org.bcm.core.home.BcmHome.deleteTree(home);
    }

    private static JsonNode onions() throws Exception {
        BcmProcess.Result listed = bcm.run("onion", "list", "--project-name=" + PROJECT, "--output=json");
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        return JSON.readTree(listed.out());
    }

    private static String address(String onion) throws Exception {
        for (JsonNode o : onions()) {
            if (o.path("name").asText().equals(onion)) {
                return o.path("address").asText();
            }
        }
        throw new AssertionError("no onion service " + onion);
    }

    /**
     * What the test's Tor client on the kafka tier got from {@code onion}:{@code port}: up to {@code attempts}
     * fresh clients, 5 s apart, until one reaches it. A fresh client each time: a Tor client that asked
     * the directories for a descriptor not yet published does not ask them again for 15 minutes.
     */
    private static String reach(String onion, int port, String authPrivateLine, int attempts) throws Exception {
        String said = "";
        for (int attempt = 1; attempt <= attempts; attempt++) {
            said = cluster.runOnOverlay("bcm-kafka-01", "gateway_tor", cluster.image("gateway_tor"), CLIENT,
                    Map.of("DIRAUTH", dirAuthorities, "ONION", onion, "PORT", Integer.toString(port), "AUTH", authPrivateLine,
                            "TRIES", "1"), Duration.ofMinutes(3));
            if (said.contains("REACHED")) {
                return said;
            }
            Thread.sleep(5000);
        }
        return said;
    }

    @Test
    @Order(1)
    void badOnionInputEndsInOneClearError() throws Exception {
        assertThat(bcm.run("project", "create", "--project-name=" + PROJECT, "--chain=regtest", "--stacks=gateway,echo").exitCode()).isZero();

        // a target port the service does not publish
        Files.createDirectories(home.resolve("stacks/badport"));
        Files.writeString(home.resolve("stacks/badport/stack.yml"), """
                version: "3.8"
                x-bcm: {description: bad, requires: [gateway]}
                services:
                  web:
                    image: ${BCM_IMAGE_TOR}
                    networks: [tor]
                    expose: [8080]
                    x-bcm-onion: [{name: web, port: 80, target: 8081}]
                networks:
                  tor: {external: true, name: gateway_tor}
                """);
        assertThat(bcm.run("project", "create", "--project-name=badport", "--stacks=gateway,badport").exitCode()).isZero();
        BcmProcess.Result badPort = bcm.run("onion", "list", "--project-name=badport");
        assertThat(badPort.exitCode()).isEqualTo(2);
        assertThat(badPort.err()).contains("the target port 8081 is not published by the service").doesNotContain("Exception");

        // a second declaration of the name "echo"
        Files.createDirectories(home.resolve("stacks/dupe"));
        Files.writeString(home.resolve("stacks/dupe/stack.yml"), Files.readString(home.resolve("stacks/badport/stack.yml"))
                .replace("{name: web, port: 80, target: 8081}", "{name: echo, port: 80, target: 8080}"));
        assertThat(bcm.run("project", "create", "--project-name=dupe", "--stacks=gateway,echo,dupe").exitCode()).isZero();
        BcmProcess.Result dupe = bcm.run("project", "deploy", "--project-name=dupe", "--cluster-name=" + CLUSTER);
        assertThat(dupe.exitCode()).as(dupe.toString()).isEqualTo(2);
        assertThat(dupe.err()).contains("The onion service name 'echo' is declared twice: by echo/echo and by dupe/web");

        // a client name with bad characters, a client of a service without client authorization
        BcmProcess.Result badClient = bcm.run("onion", "client", "add", "--project-name=" + PROJECT, "--service=echo-private",
                "--client=../me");
        assertThat(badClient.exitCode()).isEqualTo(2);
        assertThat(badClient.err()).contains("Invalid client name '../me'");
        BcmProcess.Result open = bcm.run("onion", "client", "add", "--project-name=" + PROJECT, "--service=echo", "--client=me");
        assertThat(open.exitCode()).isEqualTo(2);
        assertThat(open.err()).contains("does not require client authorization");

        // a malformed .auth file a client handed over
        Path malformed = home.resolve("phone.auth");
        Files.writeString(malformed, "descriptor:x25519:tooshort\n");
        BcmProcess.Result badFile = bcm.run("onion", "client", "add", "--project-name=" + PROJECT, "--service=echo-private",
                "--client=phone", "--auth-file=" + malformed);
        assertThat(badFile.exitCode()).isEqualTo(2);
        assertThat(badFile.err()).contains("Cannot use " + malformed + " as a client's .auth file");

        // none of it authorized anyone
        for (JsonNode onion : onions()) {
            assertThat(onion.path("clients")).isEmpty();
        }
    }

    @Test
    @Order(2)
    void anOnionServiceIsReachableByItsAddressFromAnotherTier() throws Exception {
        assertThat(bcm.run("cluster", "create", "--cluster-name=" + CLUSTER).exitCode()).isZero();
        long start = System.nanoTime();
        BcmProcess.Result deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        assertThat(deployed.out()).contains("created service gateway_tornet", "created service echo_echo");
        dirAuthorities = cluster.readFile("bcm-gateway-01", "gateway_tornet", "/var/lib/tornet/dirauthorities.conf");
        assertThat(dirAuthorities.lines().toList()).hasSize(3).allMatch(l -> l.matches(
                "DirAuthority bcma[123] orport=700[123] no-v2 v3ident=[0-9A-F]{40} [0-9.]+:710[123] [0-9A-F]{40}"));

        // the private network's bootstrap, as the gateway's Tor saw it: from its first log line (it starts
        // once the network's keys exist) to Bootstrapped 100% (a first consensus of a new network included)
        String torLog = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                .until(() -> cluster.logs("bcm-gateway-01", "gateway_tor"), log -> log.contains("Bootstrapped 100%"));
        List<String> lines = torLog.lines().filter(l -> l.matches("[A-Z][a-z]{2} \\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*")).toList();
        var first = java.time.LocalTime.parse(lines.get(0).substring(7, 19));
        var done = java.time.LocalTime.parse(lines.stream().filter(l -> l.contains("Bootstrapped 100%")).findFirst().orElseThrow().substring(7, 19));
        System.out.printf("benchmark: private Tor network bootstrap (gateway Tor, first line to 100%%): %d s%n",
                Duration.between(first, done).toSeconds());
        assertThat(torLog).as("the gateway's Tor knows no public relay").doesNotContain("fallback", "Bridge");

        String echo = address("echo");
        assertThat(echo).matches("[a-z2-7]{56}\\.onion");
        String reached = reach(echo, 80, "", 40);
        assertThat(reached).contains("REACHED", "hello from");
        System.out.printf("benchmark: deploy to a reachable onion service: %.1f s%n", (System.nanoTime() - start) / 1e9);
        BcmProcess.Result show = bcm.run("show", "--cluster-name=" + CLUSTER);
        assertThat(show.out()).contains("onion " + PROJECT + "/echo: " + echo);
    }

    @Test
    @Order(3)
    void clientAuthorizationLetsInAuthorizedClientsOnly() throws Exception {
        String priv = address("echo-private");
        BcmProcess.Result laptop = bcm.run("onion", "client", "add", "--project-name=" + PROJECT, "--service=echo-private",
                "--client=laptop");
        assertThat(laptop.exitCode()).as(laptop.toString()).isZero();
        String laptopKey = laptop.out().lines().findFirst().orElseThrow();
        assertThat(laptopKey).matches(priv.replace(".onion", "") + ":descriptor:x25519:[A-Z2-7]{52}");
        assertThat(laptop.err()).contains("authorized by the Tor of cluster " + CLUSTER);
        // the same name again: the same key, also as a QR code for a phone's camera
        String again = bcm.run("onion", "client", "add", "--project-name=" + PROJECT, "--service=echo-private", "--client=laptop",
                "--qr").out();
        assertThat(again).startsWith(laptopKey).contains("\u2588\u2588\u2588\u2588");

        // a client that made its own key pair hands over the public half only
        ClientAuthKey phone = ClientAuthKey.generate();
        Path auth = home.resolve("phone.auth");
        Files.writeString(auth, "# the phone's key\n" + phone.authLine() + "\n");
        BcmProcess.Result added = bcm.run("onion", "client", "add", "--project-name=" + PROJECT, "--service=echo-private",
                "--client=phone", "--auth-file=" + auth);
        assertThat(added.exitCode()).as(added.toString()).isZero();
        assertThat(added.out()).doesNotContain("descriptor:x25519:");

        assertThat(reach(priv, 81, "", 3)).as("without a key").contains("UNREACHABLE");
        assertThat(reach(priv, 81, laptopKey, 12)).as("with the laptop's key").contains("REACHED", "hello from");

        BcmProcess.Result revoked = bcm.run("onion", "client", "remove", "--project-name=" + PROJECT, "--service=echo-private",
                "--client=laptop");
        assertThat(revoked.exitCode()).as(revoked.toString()).isZero();
        assertThat(revoked.out()).contains("revoked on cluster " + CLUSTER);
        // the service's new descriptor (without the laptop) replaces the old one on the directories within seconds
        Thread.sleep(10_000);
        assertThat(reach(priv, 81, laptopKey, 3)).as("with the revoked key").contains("UNREACHABLE");
        assertThat(reach(priv, 81, phone.authPrivateLine(priv), 12)).as("with the phone's own key").contains("REACHED");
        JsonNode listed = onions();
        assertThat(listed.toString()).contains("\"clients\":[\"phone\"]");
    }

    @Test
    @Order(4)
    void torOnlyEgressLetsNothingOutButTheGatewaysTor() throws Exception {
        // a listener on the host's own address on the cluster network: outside the cluster for its instances
        String subnet = JSON.readTree(bcm.run("show", "--cluster-name=" + CLUSTER, "--output=json").out()).path("subnet").asText();
        String hostAddress = subnet.substring(0, subnet.lastIndexOf('.')) + ".1";
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getByName(hostAddress), 0));
            listener.setSoTimeout(200);
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try (var socket = listener.accept()) {
                        accepted.incrementAndGet();
                    } catch (SocketTimeoutException e) {
                        // again
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            acceptor.start();
            String probe = """
                    if timeout 10 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null; then echo "direct open"; else echo "direct refused"; fi
                    exec 4<>/dev/tcp/tor/9050
                    printf '\\x05\\x01\\x00' >&4
                    echo "socks greeting $(head -c2 <&4 | od -An -tx1 | tr -d ' ')"
                    printf '\\x05\\x01\\x00\\x01' >&4; printf "$(printf '\\\\x%02x' ${HOST//./ })" >&4; printf "$(printf '\\\\x%02x\\\\x%02x' $((PORT >> 8)) $((PORT & 255)))" >&4
                    reply=$(timeout 60 head -c2 <&4 | od -An -tx1 | tr -d ' ')
                    echo "socks reply ${reply:-none}"
                    getent hosts deb.debian.org >/dev/null && echo "dns answered" || echo "dns failed"
                    """;
            Map<String, String> env = Map.of("HOST", hostAddress, "PORT", Integer.toString(listener.getLocalPort()));
            // EGRESS=direct (regtest's default): the host is reachable, so the probe can tell
            assertThat(cluster.runOnOverlay("bcm-bitcoin-01", "gateway_tor", cluster.image("gateway_tor"), probe, env))
                    .contains("direct open");
            int before = accepted.get();
            assertThat(before).isPositive();

            assertThat(bcm.run("project", "set", "--project-name=" + PROJECT, "gateway.EGRESS=tor-only").exitCode()).isZero();
            BcmProcess.Result deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
            assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
            assertThat(deployed.err()).contains("creating network ACL bcm-" + CLUSTER + "-egress");
            BcmProcess.Result verified = bcm.run("cluster", "verify", "--cluster-name=" + CLUSTER);
            assertThat(verified.exitCode()).as(verified.toString()).isZero();
            assertThat(verified.out()).containsPattern("egress\\s+ok\\s+tor-only");

            String blocked = cluster.runOnOverlay("bcm-bitcoin-01", "gateway_tor", cluster.image("gateway_tor"), probe, env);
            assertThat(blocked).contains("direct refused", "socks greeting 0500", "dns failed").doesNotContain("socks reply 0500");
            assertThat(accepted.get()).as("nothing reached the host: not directly, not through Tor (no exit)").isEqualTo(before);
            // the onion services still work
            assertThat(reach(address("echo"), 80, "", 12)).contains("REACHED");
            listener.close();
            acceptor.join(5000);
        }
    }

    @Test
    @Order(5)
    void noTorOfTheProjectConnectsOutsideTheCluster() throws Exception {
        String gatewayTor = cluster.containerOf("bcm-gateway-01", "gateway_tor");
        // every TCP socket of the gateway's Tor, and of the gateway host's namespace (the private network's Tors)
        List<String> peers = new ArrayList<>();
        for (String network : List.of("container:" + gatewayTor, "host")) {
            String sockets = cluster.runOnOverlay("bcm-gateway-01", network, cluster.image("gateway_tor"),
                    "ss -Htan | awk '{print $1, $5}'", Map.of());
            sockets.lines().filter(l -> !l.startsWith("LISTEN")).map(l -> l.substring(l.indexOf(' ') + 1))
                    .map(p -> p.substring(0, p.lastIndexOf(':')).replace("[", "").replace("]", "")).forEach(peers::add);
        }
        assertThat(peers).as("Tor holds connections").isNotEmpty();
        // the cluster network (172.27-31.x.0/24), the overlay and bridge networks of Docker (10/8, 172.16/12), loopback
        assertThat(peers).allMatch(p -> p.replaceFirst("^::ffff:", "").matches("10\\..*|172\\.(1[6-9]|2[0-9]|3[01])\\..*|127\\..*|\\*|::1"),
                "inside the cluster");
    }

    @Test
    @Order(6)
    void anAddressOutlivesProjectRemoveAndTheTorDataVolume() throws Exception {
        String echo = address("echo");
        assertThat(bcm.run("project", "remove", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER).exitCode()).isZero();
        // as a new gateway instance would start: without Tor's data (once the removed task's container is gone)
        try (DockerClient docker = cluster.docker("bcm-gateway-01")) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .until(() -> {
                        docker.removeVolumeCmd("gateway_tor-data").exec();
                        return true;
                    });
        }
        BcmProcess.Result deployed = bcm.run("project", "deploy", "--project-name=" + PROJECT, "--cluster-name=" + CLUSTER);
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        assertThat(address("echo")).isEqualTo(echo);
        // the private network's Tors start again once the removed ones freed their ports
        dirAuthorities = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
                .ignoreExceptions().until(() -> cluster.readFile("bcm-gateway-01", "gateway_tornet", "/var/lib/tornet/dirauthorities.conf"),
                        text -> !text.isBlank());
        assertThat(reach(echo, 80, "", 40)).contains("REACHED");
    }
}
