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
import org.bcm.core.image.DockerImageRecipe;
import org.bcm.swarm.StackSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped lightning stack read with the gateway and bitcoin stacks as a deploy reads them: the one
 * implementation's service and secrets, and the configuration bcm generates for it, every option one
 * its program documents.
 */
class LightningStackTest {

    /**
     * The options of Core Lightning's config file bcm may write: doc/lightningd-config.5.md of
     * ElementsProject/lightning (v26.06), including the bcli and clnrest plugins' options.
     */
    private static final Set<String> CLN_OPTIONS = Set.of("network", "bitcoin-cli", "bitcoin-datadir", "bitcoin-rpcuser",
            "bitcoin-rpcpassword", "bitcoin-rpcconnect", "bitcoin-rpcport", "bind-addr", "announce-addr", "addr", "proxy",
            "always-use-proxy", "clnrest-port", "clnrest-host", "clnrest-protocol", "log-level", "log-file", "alias");
    /** lnd.conf's options bcm may write, by section: sample-lnd.conf of lightningnetwork/lnd (v0.21). */
    private static final Set<String> LND_OPTIONS = Set.of("Application Options/listen", "Application Options/rpclisten",
            "Application Options/restlisten", "Application Options/tlsextradomain", "Application Options/wallet-unlock-password-file",
            "Application Options/wallet-unlock-allow-create", "Application Options/debuglevel", "Application Options/externalhosts",
            "Bitcoin/bitcoin.mainnet", "Bitcoin/bitcoin.testnet4", "Bitcoin/bitcoin.signet", "Bitcoin/bitcoin.regtest",
            "Bitcoin/bitcoin.node", "Bitcoind/bitcoind.rpchost", "Bitcoind/bitcoind.rpcuser", "Bitcoind/bitcoind.rpcpass",
            "Bitcoind/bitcoind.zmqpubrawblock", "Bitcoind/bitcoind.zmqpubrawtx", "tor/tor.active", "tor/tor.socks");

    @TempDir
    Path dir;

    private ProjectSecrets secrets() {
        BcmHome home = new BcmHome(dir);
        return new ProjectSecrets(home, new IdentityService(home), () -> {
            throw new AssertionError("no device without an identity");
        });
    }

    private ProjectService service() {
        return new ProjectService(new ProjectStore(new BcmHome(dir)), secrets(), null, (step, message) -> { });
    }

    private StackSpec lightning(ProjectDefinition project) {
        return stack(project, "lightning");
    }

    private StackSpec stack(ProjectDefinition project, String name) {
        return new StackPreparer(new ProjectStore(new BcmHome(dir)), secrets()).prepare(project, ClusterVariables.unknown()).stacks().stream()
                .filter(p -> p.stack().name().equals(name)).findFirst().orElseThrow().spec();
    }

    private static String content(StackSpec spec, String secret) {
        return new String(spec.secrets().get(secret).content().bytes().get(), StandardCharsets.UTF_8);
    }

    private String password(String project) throws Exception {
        return Files.readString(dir.resolve("projects/" + project + "/secrets/bitcoin/rpc_lightning"));
    }

    /** The options of a file of {@code key=value} lines ({@code section/key} for lnd's), in order. */
    private static List<String> options(String conf, boolean sections) {
        List<String> options = new java.util.ArrayList<>();
        String section = "";
        for (String line : conf.split("\n")) {
            if (line.startsWith("[")) {
                section = line.substring(1, line.length() - 1);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                String key = line.substring(0, line.indexOf('='));
                options.add(sections ? section + "/" + key : key);
            }
        }
        return options;
    }

    @ParameterizedTest
    @ValueSource(strings = {"regtest", "signet", "testnet", "mainnet"})
    void coreLightningRunsAloneWithItsGeneratedConfigurationOnEveryChain(String chain) throws Exception {
        ProjectDefinition project = service().create("ln", chain, List.of("gateway", "bitcoin", "lightning"), Map.of());
        assertThat(project.stacks().get("lightning")).containsEntry("IMPLEMENTATION", "cln");
        StackSpec lightning = lightning(project);
        assertThat(lightning.services()).containsOnlyKeys("cln");
        assertThat(lightning.secrets()).as("no lnd secret is generated").containsOnlyKeys("cln_config", "hsm_secret");
        StackSpec.Service cln = lightning.services().get("cln");
        assertThat(cln.image()).matches("127\\.0\\.0\\.1:5000/bcm/lightningd:[0-9a-f]{12}");
        assertThat(cln.ports()).as("nothing published on the tier hosts").isEmpty();
        assertThat(cln.deploy().constraints()).containsExactly("node.labels.bcm.tier == bitcoin");
        assertThat(content(lightning, "hsm_secret")).matches("[0-9a-f]{64}");

        String conf = content(lightning, "cln_config");
        assertThat(new TreeSet<>(options(conf, false))).isSubsetOf(CLN_OPTIONS);
        String network = Map.of("regtest", "regtest", "signet", "signet", "testnet", "testnet4", "mainnet", "bitcoin").get(chain);
        assertThat(conf).contains("network=" + network + "\n", "bitcoin-cli=/usr/local/bin/bitcoin-cli\n",
                "bitcoin-rpcconnect=bitcoind\n", "bitcoin-rpcuser=lightning\n", "bitcoin-rpcpassword=" + password("ln") + "\n",
                "bind-addr=0.0.0.0:9735\n", "clnrest-port=3010\n");
        if (chain.equals("regtest")) {
            assertThat(conf).doesNotContain("proxy", "announce-addr");
        } else {
            // lightningd resolves the proxy's host name only before always-use-proxy is set
            assertThat(conf).contains("proxy=tor:9050\nalways-use-proxy=true\n").containsPattern("announce-addr=[a-z2-7]{56}\\.onion:9735\n");
        }
        String bitcoinConf = content(stack(project, "bitcoin"), "bitcoin_conf");
        assertThat(bitcoinConf).containsPattern("(?m)^rpcauth=lightning:[0-9a-f]{32}\\$[0-9a-f]{64}$")
                .contains("zmqpubrawblock=tcp://0.0.0.0:28332\n", "zmqpubrawtx=tcp://0.0.0.0:28333\n");
    }

    @Test
    void onAPrunedNodeCoreLightningGoesThroughTheProxyAndLndStraightToBitcoind() throws Exception {
        ProjectService service = service();
        service.create("ln", "regtest", List.of("gateway", "bitcoin", "lightning"), Map.of("bitcoin.PRUNE", "550"));
        ProjectDefinition cln = service.definition("ln");
        assertThat(stack(cln, "bitcoin").services().get("rpcproxy").deploy().replicas()).isEqualTo(1);
        assertThat(content(lightning(cln), "cln_config")).contains("bitcoin-rpcconnect=rpcproxy\n", "bitcoin-rpcport=18443\n");
        assertThat(content(stack(cln, "bitcoin"), "rpcproxy_conf")).containsPattern("(?m)^rpcauth=lightning:");

        ProjectDefinition lnd = service.set("ln", "lightning.IMPLEMENTATION", "lnd");
        assertThat(content(lightning(lnd), "lnd_conf")).contains("bitcoind.rpchost=bitcoind:18443\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"regtest", "mainnet"})
    void lndRunsAloneWithItsConfigurationPasswordAndRootKey(String chain) throws Exception {
        ProjectDefinition project = service().create("ln", chain, List.of("gateway", "bitcoin", "lightning"),
                Map.of("lightning.IMPLEMENTATION", "lnd"));
        StackSpec lightning = lightning(project);
        assertThat(lightning.services()).containsOnlyKeys("lnd");
        assertThat(lightning.secrets()).containsOnlyKeys("lnd_conf", "wallet_password", "root_key");
        assertThat(lightning.services().get("lnd").mounts()).extracting(StackSpec.Mount::type).contains("tmpfs");

        String conf = content(lightning, "lnd_conf");
        assertThat(new TreeSet<>(options(conf, true))).isSubsetOf(LND_OPTIONS);
        assertThat(conf).contains("bitcoin." + chain + "=true\n", "bitcoin.node=bitcoind\n", "bitcoind.rpcuser=lightning\n",
                "bitcoind.rpcpass=" + password("ln") + "\n", "bitcoind.zmqpubrawblock=tcp://bitcoind:28332\n",
                "bitcoind.zmqpubrawtx=tcp://bitcoind:28333\n", "wallet-unlock-password-file=/run/secrets/wallet_password\n",
                "wallet-unlock-allow-create=true\n", "restlisten=0.0.0.0:8080\n");
        if (chain.equals("mainnet")) {
            assertThat(conf).contains("[tor]\ntor.active=true\ntor.socks=tor:9050\n").containsPattern("externalhosts=[a-z2-7]{56}\\.onion:9735\n");
        } else {
            assertThat(conf).doesNotContain("tor.", "externalhosts");
        }
        // lnd's InitWallet wants a root key of its network: tprv on the test chains, xprv on mainnet; and its birthday
        assertThat(content(lightning, "root_key")).matches((chain.equals("mainnet") ? "xprv" : "tprv") + "[1-9A-HJ-NP-Za-km-z]{107} \\d{10}");
        assertThat(content(lightning, "wallet_password")).matches("[0-9a-f]{64}");
        // generated once: the same on the next read
        assertThat(content(lightning(project), "root_key")).isEqualTo(content(lightning, "root_key"));
    }

    @Test
    void switchingTheImplementationSwitchesTheServiceAndARefusedValueIsClear() {
        ProjectService service = service();
        service.create("ln", "regtest", List.of("gateway", "bitcoin", "lightning"), Map.of());
        assertThat(lightning(service.set("ln", "lightning.IMPLEMENTATION", "lnd")).services()).containsOnlyKeys("lnd");
        assertThat(lightning(service.set("ln", "lightning.IMPLEMENTATION", "cln")).services()).containsOnlyKeys("cln");
        assertThatThrownBy(() -> service.set("ln", "lightning.IMPLEMENTATION", "eclair"))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.getMessage()).contains("lightning.IMPLEMENTATION cannot be 'eclair'"));
        assertThatThrownBy(() -> service.create("alone", "regtest", List.of("lightning"), Map.of()))
                .as("the node needs the bitcoin stack").isInstanceOf(BcmException.class);
    }

    @Test
    void aStackIsAddedToAProjectWithItsDefaultsAndTheOthersKeepTheirSettings() {
        ProjectService service = service();
        service.create("std", "regtest", List.of("gateway", "bitcoin", "electrum"), Map.of("bitcoin.DBCACHE", "200"));
        ProjectDefinition added = service.addStacks("std", List.of("lightning"));
        assertThat(added.stacks()).containsOnlyKeys("gateway", "bitcoin", "electrum", "lightning");
        assertThat(added.stacks().get("bitcoin")).containsEntry("DBCACHE", "200");
        assertThat(added.stacks().get("lightning")).containsEntry("IMPLEMENTATION", "cln");
        assertThat(service.addStacks("std", List.of("lightning"))).as("again: nothing changes").isEqualTo(added);

        service.create("small", "regtest", List.of("gateway"), Map.of());
        assertThatThrownBy(() -> service.addStacks("small", List.of("lightning"))).as("the node needs the bitcoin stack")
                .isInstanceOf(BcmException.class);
        assertThat(service.definition("small").stacks()).containsOnlyKeys("gateway");
        service.create("pruned", "regtest", List.of("gateway", "bitcoin"), Map.of("bitcoin.PRUNE", "550"));
        assertThatThrownBy(() -> service.addStacks("pruned", List.of("electrum")))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.getMessage()).contains("electrum needs an unpruned node"));
        assertThatThrownBy(() -> service.addStacks("pruned", List.of("nonesuch"))).isInstanceOfSatisfying(BcmException.class,
                e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.NOT_FOUND));
    }

    @Test
    void aConditionOnAnUnknownSettingIsAMalformedStack() throws Exception {
        Path stack = Files.createDirectories(dir.resolve("stacks/odd"));
        Files.writeString(stack.resolve("stack.yml"), """
                version: "3.8"
                x-bcm:
                  settings:
                    MODE: {values: [a, b], default: a}
                services:
                  one:
                    image: example/one
                    x-bcm-when: {FLAVOUR: a}
                """);
        ProjectDefinition project = service().create("odd", "regtest", List.of("odd"), Map.of());
        assertThatThrownBy(() -> stack(project, "odd")).isInstanceOfSatisfying(BcmException.class,
                e -> assertThat(e.getMessage()).isEqualTo("Stack odd: service one: x-bcm-when names FLAVOUR, which is no setting of the stack"));
    }

    @Test
    void coreLightningsBitcoinCliComesFromTheSameVerifiedCoreReleaseAsBitcoind() throws Exception {
        var bitcoind = DockerImageRecipe.read("bitcoind", Path.of("../stacks/bitcoin/images/bitcoind.yml"), "a".repeat(64)).releases();
        var lightningd = DockerImageRecipe.read("lightningd", Path.of("../stacks/lightning/images/lightningd.yml"), "a".repeat(64)).releases();
        assertThat(lightningd).extracting(r -> r.title()).containsExactly("Core Lightning 26.06.7", "Bitcoin Core 31.1");
        var core = lightningd.get(1);
        assertThat(core.sha256()).isEqualTo(bitcoind.get(0).sha256());
        assertThat(core.signers()).isEqualTo(bitcoind.get(0).signers());
        assertThat(core.threshold()).isEqualTo(bitcoind.get(0).threshold());
        assertThat(core.keysDigest()).as("the same key files").isEqualTo(bitcoind.get(0).keysDigest());
        assertThat(core.install()).containsExactly(Map.entry("bitcoin-31.1/bin/bitcoin-cli", "/usr/local/bin/bitcoin-cli"));
        assertThat(lightningd.get(0).install()).containsEntry("usr/libexec/c-lightning/", "/usr/libexec/c-lightning/");
    }
}
