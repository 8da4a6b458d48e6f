package org.bcm.core.project;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Sha256;
import org.bcm.core.bitcoin.BitcoinConf;
import org.bcm.core.bitcoin.BitcoinNode;
import org.bcm.core.bitcoin.FulcrumConf;
import org.bcm.core.bitcoin.RpcAuth;
import org.bcm.core.bitcoin.RpcProxyConf;
import org.bcm.core.lightning.Bip32RootKey;
import org.bcm.core.lightning.ClnConfig;
import org.bcm.core.lightning.LightningNode;
import org.bcm.core.lightning.LndConf;
import org.bcm.core.monero.MonerodConf;
import org.bcm.core.stack.StackDefinition;

/**
 * The secrets bcm makes for a stack ({@code x-bcm-generate: {KIND: PARAMETER}} on a secret of its
 * {@code stack.yml}), by kind:
 *
 * <table>
 *   <caption>kinds of generated secrets</caption>
 *   <tr><th>kind</th><th>content</th><th>stacks</th></tr>
 *   <tr><td>{@code bytes: N}</td><td>N (16-1024) random bytes as hex, generated once</td><td>any</td></tr>
 *   <tr><td>{@code registry-htpasswd: true}</td><td>the htpasswd line of the cluster registry's credentials</td><td>the stack with {@code x-bcm.registry}</td></tr>
 *   <tr><td>{@code bitcoin-conf: true}</td><td>bitcoind's {@code bitcoin.conf} ({@link BitcoinConf})</td><td>{@value BitcoinNode#STACK}</td></tr>
 *   <tr><td>{@code rpcproxy-conf: true}</td><td>the pruned-block proxy's configuration ({@link RpcProxyConf})</td><td>{@value BitcoinNode#STACK}</td></tr>
 *   <tr><td>{@code bitcoin-rpc-password: true}</td><td>the password of the stack's own bitcoin RPC user ({@code x-bcm.bitcoin-rpc-client})</td><td>clients of the node</td></tr>
 *   <tr><td>{@code fulcrum-conf: true}</td><td>Fulcrum's configuration ({@link FulcrumConf}) with the stack's bitcoin RPC user</td><td>clients of the node</td></tr>
 *   <tr><td>{@code onion-services: true}</td><td>the project's onion services, their keys and clients ({@link ProjectOnions#secret})</td><td>the stack with {@code x-bcm.registry} (the gateway)</td></tr>
 *   <tr><td>{@code cln-config: {announce-onion: NAME}}, {@code lnd-conf: {...}}</td><td>Core Lightning's and lnd's configuration ({@link ClnConfig}, {@link LndConf}) with the stack's bitcoin RPC user, announcing the address of the project's onion service NAME (optional)</td><td>clients of the node</td></tr>
 *   <tr><td>{@code monerod-conf: {announce-onion: NAME}}</td><td>monerod's configuration ({@link MonerodConf}) with the RPC password {@code rpc_password} of the stack, generated once</td><td>any (the monero stack)</td></tr>
 *   <tr><td>{@code bip32-root-key: true}</td><td>a BIP-32 root key for the project's chain ({@link Bip32RootKey}) and its birthday: {@code KEY UNIXTIME}, generated once</td><td>any</td></tr>
 *   <tr><td>{@code tls-key: true}</td><td>an RSA 2048 private key, PEM, generated once ({@link TlsIdentity})</td><td>any</td></tr>
 *   <tr><td>{@code tls-certificate: {key: SECRET, name: NAME}}</td><td>a self-signed certificate for the stack's {@code tls-key} secret SECRET, generated once</td><td>any</td></tr>
 * </table>
 *
 * <p>A derived secret (a configuration holding passwords or their rpcauth hashes) is made only when
 * the swarm does not have it yet; its name's suffix is the first 8 hex digits of the SHA-256 of its
 * text with every password replaced by that password's own suffix, so it changes when a setting or a
 * password changes, and it is computed from nothing secret.
 */
final class GeneratedSecrets {

    /** The generated secret, kept with the monero stack's, that is monerod's RPC password. */
    static final String MONERO_RPC_PASSWORD = "rpc_password";

    private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
            new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

    private final ProjectSecrets secrets;
    private final ProjectDefinition project;
    private final Optional<BitcoinNode> node;
    private final ProjectSecrets.Secret registryPassword;
    private final Supplier<ProjectSecrets.Secret> onionServices;
    private final Function<String, String> onionAddress;
    private final java.util.Map<String, ProjectSecrets.Secret> passwords = new java.util.HashMap<>();

    /**
     * @param registryPassword the cluster registry's password, or null when the project has no registry
     * @param onionServices    the gateway Tor's onion services of the project ({@link ProjectOnions#secret})
     * @param onionAddress     the address of the project's onion service of that name, or null when it declares none
     */
    GeneratedSecrets(ProjectSecrets secrets, ProjectDefinition project, Optional<BitcoinNode> node,
            ProjectSecrets.Secret registryPassword, Supplier<ProjectSecrets.Secret> onionServices,
            Function<String, String> onionAddress) {
        this.onionServices = onionServices;
        this.onionAddress = onionAddress;
        this.secrets = secrets;
        this.project = project;
        this.node = node;
        this.registryPassword = registryPassword;
    }

    /**
     * The secret {@code name} of {@code stack}, as its {@code x-bcm-generate} asks.
     *
     * @throws BcmException INVALID_INPUT for an unknown kind, or a kind the stack may not ask for
     */
    ProjectSecrets.Secret generate(StackDefinition stack, String name, JsonNode generate) {
        Iterator<String> kinds = generate.fieldNames();
        String kind = kinds.hasNext() ? kinds.next() : "";
        if (kinds.hasNext() || kind.isEmpty()) {
            throw invalid(stack, name, "x-bcm-generate must name exactly one kind");
        }
        return switch (kind) {
            case "bytes" -> {
                int bytes = generate.path("bytes").asInt(32);
                if (bytes < 16 || bytes > 1024) {
                    throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": secret " + name
                            + " asks for " + bytes + " random bytes", "x-bcm-generate.bytes must be 16 to 1024");
                }
                yield secrets.generated(project.name(), stack.name(), name, bytes);
            }
            case "registry-htpasswd" -> {
                if (stack.registry() == null || registryPassword == null) {
                    throw invalid(stack, name, "asks for the registry's htpasswd, but the stack is not the registry's");
                }
                yield new ProjectSecrets.Secret(registryPassword.suffix(), ProjectSecrets.memoized(() ->
                        RegistryCredentialsFile.htpasswd(text(registryPassword))));
            }
            case "bitcoin-conf" -> {
                BitcoinNode bitcoin = bitcoinStack(stack, name);
                yield derived(rpc -> BitcoinConf.text(project.name(), bitcoin, rpc.rpcauth(),
                        onionAddress.apply(BitcoinNode.P2P_ONION)));
            }
            case "rpcproxy-conf" -> {
                BitcoinNode bitcoin = bitcoinStack(stack, name);
                yield derived(rpc -> RpcProxyConf.text(project.name(), bitcoin, rpc.password().apply(BitcoinNode.PROXY_USER), rpc.rpcauth()));
            }
            case "bitcoin-rpc-password" -> password(clientUser(stack, name));
            case "fulcrum-conf" -> {
                String user = clientUser(stack, name);
                BitcoinNode bitcoin = node.orElseThrow();
                yield derived(rpc -> FulcrumConf.text(project.name(), bitcoin, user, rpc.password().apply(user)));
            }
            case "onion-services" -> {
                if (stack.registry() == null) {
                    throw invalid(stack, name, "asks for the project's onion services, which only the gateway's Tor publishes");
                }
                yield onionServices.get();
            }
            case "cln-config", "lnd-conf" -> {
                String user = clientUser(stack, name);
                BitcoinNode bitcoin = node.orElseThrow();
                LightningNode lightning = new LightningNode(kind.equals("cln-config") ? LightningNode.Implementation.CLN
                        : LightningNode.Implementation.LND, project.chain());
                String announce = generate.path(kind).path("announce-onion").asText(null);
                String onion = announce == null ? null : onionAddress.apply(announce);
                yield derived(rpc -> kind.equals("cln-config")
                        ? ClnConfig.text(project.name(), lightning, bitcoin, user, rpc.password().apply(user), onion)
                        : LndConf.text(project.name(), lightning, bitcoin, user, rpc.password().apply(user), onion));
            }
            case "monerod-conf" -> {
                ProjectSecrets.Secret password = secrets.generated(project.name(), stack.name(), MONERO_RPC_PASSWORD, 32);
                Map<String, String> settings = project.stacks().getOrDefault(stack.name(), Map.of());
                String announce = generate.path(kind).path("announce-onion").asText(null);
                String onion = announce == null ? null : onionAddress.apply(announce);
                UnaryOperator<String> render = pw -> MonerodConf.text(project.name(), project.chain(), settings, pw, onion);
                yield new ProjectSecrets.Secret(Sha256.hex(render.apply("<password " + password.suffix() + ">")).substring(0, 8),
                        ProjectSecrets.memoized(() -> render.apply(text(password)).getBytes(StandardCharsets.UTF_8)));
            }
            case "bip32-root-key" -> secrets.generated(project.name(), stack.name(), name,
                    () -> (Bip32RootKey.generate(project.chain()) + " " + java.time.Instant.now().getEpochSecond())
                            .getBytes(StandardCharsets.US_ASCII));
            case "tls-key" -> secrets.generated(project.name(), stack.name(), name, TlsIdentity::newKey);
            case "tls-certificate" -> {
                String keySecret = generate.path("tls-certificate").path("key").asText("");
                String subject = generate.path("tls-certificate").path("name").asText(stack.name() + "." + project.name() + ".bcm");
                JsonNode keyGenerate = secretsOf(stack).path(keySecret).path("x-bcm-generate");
                if (!keyGenerate.has("tls-key")) {
                    throw invalid(stack, name, "names the key '" + keySecret + "', which is no tls-key secret of the stack");
                }
                ProjectSecrets.Secret key = generate(stack, keySecret, keyGenerate);
                yield secrets.generated(project.name(), stack.name(), name, () -> TlsIdentity.selfSigned(key.value().get(), subject));
            }
            default -> throw invalid(stack, name, "asks for the unknown kind '" + kind + "' (bytes, registry-htpasswd, bitcoin-conf,"
                    + " rpcproxy-conf, bitcoin-rpc-password, fulcrum-conf, cln-config, lnd-conf, bip32-root-key, monerod-conf, onion-services,"
                    + " tls-key, tls-certificate)");
        };
    }

    /** The user of a client stack of the node ({@code x-bcm.bitcoin-rpc-client.user}). */
    private String clientUser(StackDefinition stack, String name) {
        String user = stack.meta().path("bitcoin-rpc-client").path("user").asText("");
        if (node.isEmpty() || !node.get().clients().containsKey(user)) {
            throw invalid(stack, name, "needs the stack's bitcoin RPC user, but the stack declares no x-bcm.bitcoin-rpc-client"
                    + " or the project has no bitcoin stack");
        }
        return user;
    }

    /** The top-level {@code secrets} of the stack's file, as written (their {@code x-bcm-generate}). */
    private static JsonNode secretsOf(StackDefinition stack) {
        try {
            return YAML.readTree(stack.compose()).path("secrets");
        } catch (java.io.IOException e) {
            throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": stack.yml is not valid YAML", "fix it", e);
        }
    }

    /** The password of the bitcoin RPC user {@code user}, generated once and kept as {@code bitcoin/rpc_<user>}. */
    private ProjectSecrets.Secret password(String user) {
        return passwords.computeIfAbsent(user, u -> secrets.generated(project.name(), BitcoinNode.STACK, BitcoinNode.passwordSecret(u), 32));
    }

    /**
     * What a configuration shows of the bitcoin RPC users, by user: the password, and the
     * {@code rpcauth=} value ({@code user:salt$hmac}).
     */
    private record Credentials(UnaryOperator<String> password, UnaryOperator<String> rpcauth) {
    }

    /**
     * A configuration holding RPC credentials: named by its text rendered with each password's suffix
     * in place of the password ({@code <password SUFFIX>}), made with the real credentials only when needed.
     */
    private ProjectSecrets.Secret derived(Function<Credentials, String> render) {
        UnaryOperator<String> shown = user -> "<password " + password(user).suffix() + ">";
        String named = render.apply(new Credentials(shown, user -> user + ":" + shown.apply(user)));
        Supplier<byte[]> content = () -> render.apply(new Credentials(user -> text(password(user)),
                user -> RpcAuth.value(user, text(password(user))))).getBytes(StandardCharsets.UTF_8);
        return new ProjectSecrets.Secret(Sha256.hex(named).substring(0, 8), ProjectSecrets.memoized(content));
    }

    private BitcoinNode bitcoinStack(StackDefinition stack, String name) {
        if (!BitcoinNode.STACK.equals(stack.name()) || node.isEmpty()) {
            throw invalid(stack, name, "asks for a configuration of the bitcoin node, which only the " + BitcoinNode.STACK + " stack can");
        }
        return node.get();
    }

    private static String text(ProjectSecrets.Secret secret) {
        return new String(secret.value().get(), StandardCharsets.US_ASCII);
    }

    private static BcmException invalid(StackDefinition stack, String secret, String problem) {
        return new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": secret " + secret + " " + problem,
                "fix the secret's x-bcm-generate in " + stack.dir().resolve("stack.yml"));
    }
}
