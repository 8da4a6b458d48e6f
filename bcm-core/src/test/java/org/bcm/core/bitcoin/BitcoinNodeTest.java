package org.bcm.core.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.project.ProjectDefinition;
import org.bcm.core.stack.StackDefinition;
import org.junit.jupiter.api.Test;

/** The node of a project, its clients, and the bitcoin.conf and proxy configuration bcm writes for it. */
class BitcoinNodeTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static StackDefinition stack(String name, String meta) throws Exception {
        JsonNode node = meta == null ? YAML.createObjectNode() : YAML.readTree(meta);
        return new StackDefinition(name, Path.of("/stacks", name), "built-in", "", "", List.of(), null, Map.of(), Map.of(), null, node);
    }

    static ProjectDefinition project(String chain, Map<String, String> bitcoin, String... more) {
        Map<String, Map<String, String>> stacks = new LinkedHashMap<>();
        stacks.put("gateway", Map.of("TOR_NETWORK", chain.equals("regtest") ? "offline" : "public"));
        stacks.put("bitcoin", bitcoin);
        for (String stack : more) {
            stacks.put(stack, Map.of());
        }
        return new ProjectDefinition("btc", chain, stacks, Instant.EPOCH);
    }

    private static final String ELECTRUM = "bitcoin-rpc-client: {user: electrum, needs: [txindex, unpruned]}";

    @Test
    void clientsComeFromTheProjectsStacksAndTheirNeedsFromTheNode() throws Exception {
        BitcoinNode node = BitcoinNode.of(project("regtest", Map.of("PRUNE", "0", "TXINDEX", "0"), "electrum"),
                List.of(stack("gateway", null), stack("bitcoin", null), stack("electrum", ELECTRUM))).orElseThrow();
        assertThat(node.clients()).containsExactly(Map.entry("electrum", "electrum"));
        assertThat(node.txindex()).as("an Electrum server needs the transaction index").isTrue();
        assertThat(node.rpcHost()).isEqualTo("bitcoind");
        assertThat(node.bitcoindUsers()).containsExactly("electrum");
        assertThat(node.variables()).containsEntry("BITCOIN_RPC_PORT", "18443").containsEntry("BITCOIN_PROXY_REPLICAS", "0")
                .containsEntry("BITCOIN_CHAIN", "regtest");
        assertThat(BitcoinNode.of(new ProjectDefinition("x", "regtest", Map.of("gateway", Map.of()), Instant.EPOCH), List.of())).isEmpty();
    }

    @Test
    void aPrunedNodeRunsTheProxyAndRefusesAnElectrumServer() throws Exception {
        BitcoinNode pruned = BitcoinNode.of(project("mainnet", Map.of("PRUNE", "550")), List.of(stack("bitcoin", null))).orElseThrow();
        assertThat(pruned.pruned()).isTrue();
        assertThat(pruned.rpcHost()).isEqualTo("rpcproxy");
        assertThat(pruned.bitcoindUsers()).containsExactly("rpcproxy");
        assertThat(pruned.variables()).containsEntry("BITCOIN_PROXY_REPLICAS", "1").containsEntry("BITCOIN_RPC_PORT", "8332");

        assertThatThrownBy(() -> BitcoinNode.of(project("regtest", Map.of("PRUNE", "550"), "electrum"),
                List.of(stack("bitcoin", null), stack("electrum", ELECTRUM))))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("electrum needs an unpruned node", "bitcoin.PRUNE is 550");
                    assertThat(e.hint()).contains("bitcoin.PRUNE=0");
                });
    }

    @Test
    void aClientUserMustBeValidAndUnique() throws Exception {
        assertThatThrownBy(() -> BitcoinNode.of(project("regtest", Map.of(), "a", "b"),
                List.of(stack("a", "bitcoin-rpc-client: {user: same}"), stack("b", "bitcoin-rpc-client: {user: same}"))))
                .hasMessageContaining("both declare the bitcoin RPC user same");
        assertThatThrownBy(() -> BitcoinNode.of(project("regtest", Map.of(), "a"), List.of(stack("a", "bitcoin-rpc-client: {user: rpcproxy}"))))
                .hasMessageContaining("is not a user name");
        assertThatThrownBy(() -> BitcoinNode.of(project("regtest", Map.of(), "a"), List.of(stack("a", "bitcoin-rpc-client: {user: 'x:y'}"))))
                .hasMessageContaining("is not a user name");
    }

    @Test
    void rpcauthIsCoresHmacOfThePasswordKeyedWithTheSaltsText() {
        // share/rpcauth/rpcauth.py: hmac.new(salt.encode('utf-8'), password.encode('utf-8'), 'SHA256').hexdigest()
        assertThat(RpcAuth.value("electrum", "hunter2", "0123456789abcdef0123456789abcdef"))
                .isEqualTo("electrum:0123456789abcdef0123456789abcdef$3920d54ec70f500ee54e1da041d2364a8e57dd252f7a81ed8acd58ad6cf3b6d0");
        assertThat(RpcAuth.value("electrum", "hunter2")).matches("electrum:[0-9a-f]{32}\\$[0-9a-f]{64}")
                .isNotEqualTo(RpcAuth.value("electrum", "hunter2"));
    }

    /** Every option bcm writes is one of Core's (bitcoind -help, doc/bitcoin-conf.md); network-only ones only in the chain's section. */
    private static final List<String> CORE_OPTIONS = List.of("chain", "server", "printtoconsole", "disablewallet", "txindex", "prune",
            "dbcache", "maxmempool", "maxconnections", "listen", "dnsseed", "fixedseeds", "proxy", "onlynet", "rpcallowip", "rpcauth",
            "rpcbind", "rpcport", "port", "listenonion", "discover", "externalip", "bind");
    private static final List<String> NETWORK_ONLY = List.of("rpcbind", "rpcport", "port", "bind", "connect", "addnode");

    private static void coreOptionsOnly(String conf, String chain) {
        boolean inSection = false;
        for (String line : conf.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                assertThat(line).isEqualTo("[" + chain + "]");
                inSection = true;
                continue;
            }
            String option = line.substring(0, line.indexOf('='));
            assertThat(CORE_OPTIONS).as(line).contains(option);
            assertThat(inSection || !NETWORK_ONLY.contains(option)).as("%s outside [%s]", option, chain).isTrue();
        }
    }

    @Test
    void theRegtestConfHasNoPeersOutsideTheProjectAndRpcauthForEveryClient() throws Exception {
        BitcoinNode node = BitcoinNode.of(project("regtest", Map.of("PRUNE", "0", "DBCACHE", "100", "MAX_MEMPOOL", "50",
                "MAX_CONNECTIONS", "40", "TXINDEX", "0", "CLEARNET", "0"), "electrum"),
                List.of(stack("bitcoin", null), stack("electrum", ELECTRUM))).orElseThrow();
        String conf = BitcoinConf.text("btc", node, user -> RpcAuth.value(user, "pw-" + user), null);
        coreOptionsOnly(conf, "regtest");
        assertThat(conf).contains("chain=regtest\n", "server=1\n", "txindex=1\n", "prune=0\n", "dbcache=100\n", "maxmempool=50\n",
                "listen=0\n", "dnsseed=0\n", "fixedseeds=0\n", "rpcallowip=10.0.0.0/8\n", "[regtest]\nrpcbind=0.0.0.0\nrpcport=18443\nport=18444\n")
                .doesNotContain("proxy=", "onlynet", "rpcpassword", "rpcuser", "pw-electrum");
        assertThat(Pattern.compile("(?m)^rpcauth=electrum:[0-9a-f]{32}\\$[0-9a-f]{64}$").matcher(conf).find()).isTrue();
    }

    @Test
    void publicChainsGoThroughTorToOnionPeersUnlessClearnetIsAllowedAndTorIsOnline() throws Exception {
        BitcoinNode main = BitcoinNode.of(project("mainnet", Map.of("PRUNE", "550")), List.of(stack("bitcoin", null))).orElseThrow();
        String conf = BitcoinConf.text("btc", main, user -> user + ":x$y", null);
        coreOptionsOnly(conf, "main");
        assertThat(conf).contains("chain=main\n", "prune=550\n", "proxy=tor:9050\n", "onlynet=onion\n", "rpcauth=rpcproxy:x$y\n",
                "[main]\nrpcbind=0.0.0.0\nrpcport=8332\nport=8333\n").doesNotContain("dnsseed=0");

        Map<String, String> clearnet = Map.of("PRUNE", "0", "CLEARNET", "1");
        String open = BitcoinConf.text("btc", BitcoinNode.of(project("testnet", clearnet), List.of()).orElseThrow(), u -> u, null);
        coreOptionsOnly(open, "testnet4");
        assertThat(open).contains("chain=testnet4\n", "proxy=tor:9050\n", "[testnet4]\nrpcbind=0.0.0.0\nrpcport=48332\nport=48333\n")
                .doesNotContain("onlynet");

        ProjectDefinition offline = project("signet", clearnet).withSetting("gateway", "TOR_NETWORK", "offline");
        String closed = BitcoinConf.text("btc", BitcoinNode.of(offline, List.of()).orElseThrow(), u -> u, null);
        coreOptionsOnly(closed, "signet");
        assertThat(closed).as("an offline Tor: no seeds, no clearnet").contains("dnsseed=0\n", "fixedseeds=0\n", "onlynet=onion\n", "rpcport=38332\n");
        ProjectDefinition privateTor = project("signet", clearnet).withSetting("gateway", "TOR_NETWORK", "private");
        assertThat(BitcoinConf.text("btc", BitcoinNode.of(privateTor, List.of()).orElseThrow(), u -> u, null))
                .as("the project's own Tor network has no exit either").contains("dnsseed=0\n", "onlynet=onion\n");
    }

    @Test
    void anOnionServiceForP2pIsWhereCoreListensAndWhatItAnnounces() throws Exception {
        BitcoinNode main = BitcoinNode.of(project("mainnet", Map.of("PRUNE", "0")), List.of()).orElseThrow();
        String onion = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion";
        String conf = BitcoinConf.text("btc", main, u -> u, onion);
        coreOptionsOnly(conf, "main");
        assertThat(conf).contains("listen=1\n", "listenonion=0\n", "discover=0\n", "externalip=" + onion + "\n",
                "[main]\nrpcbind=0.0.0.0\nrpcport=8332\nport=8333\nbind=0.0.0.0:8333=onion\n").doesNotContain("listen=0");
        assertThat(BitcoinConf.text("btc", main, u -> u, null)).contains("listen=0\n").doesNotContain("externalip", "\nbind=");
    }

    @Test
    void theProxyForwardsToBitcoindWithItsOwnUserAndAcceptsTheClients() throws Exception {
        BitcoinNode node = BitcoinNode.of(project("regtest", Map.of("PRUNE", "550"), "probe"),
                List.of(stack("bitcoin", null), stack("probe", "bitcoin-rpc-client: {user: probe}"))).orElseThrow();
        String conf = RpcProxyConf.text("btc", node, "secret-pw", user -> user + ":salt$hmac");
        assertThat(conf).contains("chain=regtest\n", "listen=0.0.0.0:18443\n", "upstream=http://bitcoind:18443\n", "upstream-user=rpcproxy\n",
                "upstream-password=secret-pw\n", "cache-dir=/var/cache/bcm-rpcproxy/regtest\n", "rpcauth=probe:salt$hmac\n");
        assertThat(node.bitcoindUsers()).containsExactly("probe", "rpcproxy");

        // the clients come out by user, whatever the stacks' order: the file's text (and its secret's name) stays put
        List<String> users = List.of("zeta", "mu", "alpha", "kappa", "omega", "beta");
        Map<String, String> clients = new LinkedHashMap<>();
        users.forEach(u -> clients.put(u, u));
        BitcoinNode many = new BitcoinNode("regtest", 550, 300, false, 125, 300, false, true, false, clients);
        assertThat(many.clients().keySet()).containsExactly("alpha", "beta", "kappa", "mu", "omega", "zeta");
        assertThat(RpcProxyConf.text("btc", many, "pw", u -> u).lines().filter(l -> l.startsWith("rpcauth=")))
                .containsExactly("rpcauth=alpha", "rpcauth=beta", "rpcauth=kappa", "rpcauth=mu", "rpcauth=omega", "rpcauth=zeta");
    }

    @Test
    void fulcrumTalksToTheNodeWithItsOwnUserAndKeepsToItself() throws Exception {
        BitcoinNode node = BitcoinNode.of(project("regtest", Map.of("PRUNE", "0"), "electrum"),
                List.of(stack("bitcoin", null), stack("electrum", ELECTRUM))).orElseThrow();
        assertThat(FulcrumConf.text("btc", node, "electrum", "pw")).contains("datadir = /data\n", "bitcoind = bitcoind:18443\n",
                "rpcuser = electrum\n", "rpcpassword = pw\n", "tcp = 0.0.0.0:50001\n", "ssl = 0.0.0.0:50002\n",
                "cert = /run/secrets/tls_cert\n", "key = /run/secrets/tls_key\n", "stats = 127.0.0.1:8080\n", "peering = false\n",
                "announce = false\n");
    }

    @Test
    void theNodesStatusIsReadBackFromItsHealthcheck() {
        String output = "{\"blockchaininfo\":{\"chain\":\"regtest\",\"blocks\":101,\"headers\":101,\"verificationprogress\":1,"
                + "\"initialblockdownload\":false,\"pruned\":true,\"pruneheight\":12},\"connections\":0}\n";
        NodeStatus status = NodeStatus.parse(output).orElseThrow();
        assertThat(status.summary()).isEqualTo("regtest, 101 blocks, 101 headers, 0 peers, pruned (blocks from 12), 100.00 % verified");
        assertThat(NodeStatus.parse("error code: -28\nerror message:\nLoading block index…")).isEmpty();
    }
}
