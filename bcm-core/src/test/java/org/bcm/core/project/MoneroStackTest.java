package org.bcm.core.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.monero.MoneroStatus;
import org.bcm.swarm.StackSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shipped monero stack read as a deploy reads it: monerod's generated configuration on every chain, and its settings. */
class MoneroStackTest {

    /** monerod's options bcm may write (monerod --help of 0.18; src/daemon/command_line_args.h, src/rpc/core_rpc_server.cpp, src/p2p/net_node.cpp). */
    private static final Set<String> MONEROD_OPTIONS = Set.of("regtest", "offline", "fixed-difficulty", "testnet", "stagenet", "data-dir",
            "log-level", "rpc-bind-ip", "rpc-bind-port", "rpc-restricted-bind-ip", "rpc-restricted-bind-port", "confirm-external-bind",
            "rpc-login", "no-igd", "hide-my-port", "no-zmq", "disable-dns-checkpoints", "check-updates", "out-peers", "prune-blockchain",
            "max-concurrency", "anonymous-inbound");

    @TempDir
    Path dir;

    private ProjectService service() {
        BcmHome home = new BcmHome(dir);
        return new ProjectService(new ProjectStore(home), secrets(), null, (step, message) -> { });
    }

    private ProjectSecrets secrets() {
        BcmHome home = new BcmHome(dir);
        return new ProjectSecrets(home, new IdentityService(home), () -> {
            throw new AssertionError("no device without an identity");
        });
    }

    private StackSpec monero(ProjectDefinition project) {
        return new StackPreparer(new ProjectStore(new BcmHome(dir)), secrets()).prepare(project, ClusterVariables.unknown()).stacks().stream()
                .filter(p -> p.stack().name().equals("monero")).findFirst().orElseThrow().spec();
    }

    private static String conf(StackSpec spec) {
        return new String(spec.secrets().get("monerod_conf").content().bytes().get(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"regtest", "signet", "testnet", "mainnet"})
    void monerodsConfigurationOnEveryChain(String chain) throws Exception {
        StackSpec monero = monero(service().create("xmr", chain, List.of("gateway", "monero"), Map.of()));
        StackSpec.Service monerod = monero.services().get("monerod");
        assertThat(monerod.image()).matches("127\\.0\\.0\\.1:5000/bcm/monerod:[0-9a-f]{12}");
        assertThat(monerod.ports()).as("nothing published on the tier hosts").isEmpty();
        assertThat(monerod.deploy().constraints()).containsExactly("node.labels.bcm.tier == bitcoin");

        String conf = conf(monero);
        TreeSet<String> options = new TreeSet<>();
        conf.lines().filter(l -> !l.startsWith("#")).forEach(l -> options.add(l.substring(0, l.indexOf('='))));
        assertThat(options).isSubsetOf(MONEROD_OPTIONS);
        String password = Files.readString(dir.resolve("projects/xmr/secrets/monero/rpc_password"));
        assertThat(conf).contains("rpc-login=monero:" + password + "\n", "rpc-bind-ip=127.0.0.1\n", "rpc-restricted-bind-ip=0.0.0.0\n",
                "rpc-restricted-bind-port=18089\n", "no-igd=1\n", "data-dir=/data\n");
        switch (chain) {
            case "regtest" -> assertThat(conf).contains("regtest=1\noffline=1\nfixed-difficulty=1\n", "rpc-bind-port=18081\n")
                    .doesNotContain("bcm-tor-socks", "anonymous-inbound");
            case "signet" -> assertThat(conf).contains("stagenet=1\n", "rpc-bind-port=38081\n");
            case "testnet" -> assertThat(conf).contains("testnet=1\n", "rpc-bind-port=28081\n");
            default -> assertThat(conf).doesNotContain("testnet=", "stagenet=", "regtest=");
        }
        if (!chain.equals("regtest")) {
            assertThat(conf).contains("# bcm-tor-socks: tor:9050\n").containsPattern("anonymous-inbound=[a-z2-7]{56}\\.onion:18084,0\\.0\\.0\\.0:18084,16\n");
        }
    }

    @Test
    void settingsReachTheConfigurationAndBadValuesAreRefused() {
        ProjectService service = service();
        service.create("xmr", "regtest", List.of("gateway", "monero"), Map.of("monero.PRUNE_BLOCKCHAIN", "1", "monero.MAX_CONCURRENCY", "4"));
        String conf = conf(monero(service.definition("xmr")));
        assertThat(conf).contains("prune-blockchain=1\n", "max-concurrency=4\n", "out-peers=8\n");
        String before = monero(service.definition("xmr")).secrets().get("monerod_conf").content().suffix();
        assertThat(monero(service.set("xmr", "monero.OUT_PEERS", "16")).secrets().get("monerod_conf").content().suffix()).isNotEqualTo(before);
        assertThatThrownBy(() -> service.set("xmr", "monero.MAX_CONCURRENCY", "300"))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.getMessage()).contains("monero.MAX_CONCURRENCY cannot be '300'"));
        assertThatThrownBy(() -> service.set("xmr", "monero.PRUNE_BLOCKCHAIN", "yes")).isInstanceOf(BcmException.class);
        assertThatThrownBy(() -> service.create("alone", "regtest", List.of("monero"), Map.of())).as("it needs the gateway's Tor")
                .isInstanceOf(BcmException.class);
    }

    @Test
    void monerodsStateComesFromGetInfo() {
        String answer = "{\"id\":\"0\",\"jsonrpc\":\"2.0\",\"result\":{\"height\":7,\"target_height\":0,\"synchronized\":true,"
                + "\"nettype\":\"fakechain\",\"outgoing_connections_count\":0,\"incoming_connections_count\":0,\"status\":\"OK\"}}";
        assertThat(MoneroStatus.parse(answer)).hasValueSatisfying(s -> assertThat(s.summary())
                .isEqualTo("fakechain, height 7, synchronized, 0 out / 0 in peers"));
        assertThat(MoneroStatus.parse("curl: (7) Failed to connect to 127.0.0.1 port 18081")).isEmpty();
    }
}
