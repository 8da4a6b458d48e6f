package org.bcm.core.project;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Sha256;
import org.bcm.core.home.BcmHome;
import org.bcm.core.tor.ClientAuthKey;
import org.bcm.core.tor.OnionKey;
import org.bcm.core.tor.OnionService;

/**
 * The onion services of a project: their keys and their clients' keys (generated secrets, kept as every
 * project secret is: encrypted to the operator's identity where there is one), and what is public of
 * them in {@code projects/PROJECT/onions.yml}: each service's address and its authorized clients'
 * public keys ({@code NAME: {address, clients: {CLIENT: X25519-PUBLIC-BASE32}}}), so that listing them
 * needs neither the device nor the cluster.
 *
 * <p>Secrets, under the declaring stack: {@code onion_NAME} (the 32-byte ed25519 seed, hex) and
 * {@code onion_NAME_client_CLIENT} (the client's 32-byte x25519 private key, hex). The key of a service
 * outlives deploys, {@code project remove} and new gateway instances; {@code project destroy} deletes it.
 */
final class ProjectOnions {

    private static final String STATE_FILE = "onions.yml";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What is public of one onion service. */
    record State(String address, Map<String, String> clients) {
        State {
            clients = new TreeMap<>(clients == null ? Map.of() : clients);
        }
    }

    private final BcmHome home;
    private final ProjectSecrets secrets;

    ProjectOnions(BcmHome home, ProjectSecrets secrets) {
        this.home = home;
        this.secrets = secrets;
    }

    /** The service's address, its key generated and stored the first time. */
    String address(String project, OnionService onion) {
        Map<String, State> states = stateFile(project).read();
        State state = states.get(onion.name());
        ProjectSecrets.Secret seed = secrets.generated(project, onion.stack(), keySecret(onion), () -> {
            byte[] random = new byte[32];
            RANDOM.nextBytes(random);
            return HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
        });
        if (state == null || state.address() == null) {
            // a new key, or the public state was lost: the address from the key (through the device when it is encrypted)
            state = new State(key(seed).address(), state == null ? Map.of() : state.clients());
            states.put(onion.name(), state);
            stateFile(project).write(states);
        }
        return state.address();
    }

    /** The service's address when its key exists and the address is recorded; nothing is generated or decrypted. */
    java.util.Optional<String> knownAddress(String project, OnionService onion) {
        return java.util.Optional.ofNullable(stateFile(project).read().get(onion.name())).map(State::address);
    }

    /** The names and x25519 public keys (base32) of the service's authorized clients. */
    Map<String, String> clients(String project, OnionService onion) {
        State state = stateFile(project).read().get(onion.name());
        return state == null ? Map.of() : state.clients();
    }

    /**
     * Authorizes a client: with {@code publicKey} null, its key is generated and stored the first time
     * (the same key when the client is added again) and returned; with a public key the client made
     * itself, that key is authorized (any key bcm kept for the name is deleted) and null is returned.
     *
     * @param publicKey the client's x25519 public key (base32), or null
     * @throws BcmException INVALID_INPUT for a bad client name, or a service that does not require client authorization
     */
    ClientAuthKey addClient(String project, OnionService onion, String client, String publicKey) {
        OnionService.validateClientName(client);
        if (!onion.clientAuth()) {
            throw new BcmException(Kind.INVALID_INPUT, "The onion service " + onion.name() + " does not require client authorization:"
                    + " every client may connect", "authorize clients of a service whose x-bcm-onion says client-auth: true");
        }
        address(project, onion);
        ClientAuthKey key = null;
        if (publicKey == null) {
            ProjectSecrets.Secret secret = secrets.generated(project, onion.stack(), clientSecret(onion, client),
                    () -> HexFormat.of().formatHex(ClientAuthKey.generate().privateKey()).getBytes(StandardCharsets.US_ASCII));
            key = new ClientAuthKey(HexFormat.of().parseHex(new String(secret.value().get(), StandardCharsets.US_ASCII).strip()));
            publicKey = key.publicKeyBase32();
        } else {
            secrets.forget(project, onion.stack(), clientSecret(onion, client));
        }
        Map<String, State> states = stateFile(project).read();
        State state = states.get(onion.name());
        Map<String, String> clients = new TreeMap<>(state.clients());
        clients.put(client, publicKey);
        states.put(onion.name(), new State(state.address(), clients));
        stateFile(project).write(states);
        return key;
    }

    /**
     * Revokes the client: its key is deleted, so adding the name again makes a new one.
     *
     * @return whether it was authorized
     */
    boolean removeClient(String project, OnionService onion, String client) {
        OnionService.validateClientName(client);
        secrets.forget(project, onion.stack(), clientSecret(onion, client));
        Map<String, State> states = stateFile(project).read();
        State state = states.get(onion.name());
        if (state == null || !state.clients().containsKey(client)) {
            return false;
        }
        Map<String, String> clients = new TreeMap<>(state.clients());
        clients.remove(client);
        states.put(onion.name(), new State(state.address(), clients));
        stateFile(project).write(states);
        return true;
    }

    /**
     * The gateway Tor's {@code onion_services} secret: for each service, the line
     * {@code onion NAME HOST PORT TARGET public|auth}, its key ({@code key NAME BASE64} of Tor's
     * {@code hs_ed25519_secret_key} file) and its clients ({@code client NAME CLIENT KEY}); the tor
     * image's {@code bcm-tor-onion} reads it. Named by the text with each key replaced by its secret's
     * suffix, so it is renamed when a service, a key or a client changes.
     */
    ProjectSecrets.Secret secret(String project, List<OnionService> onions) {
        StringBuilder named = new StringBuilder();
        Map<String, ProjectSecrets.Secret> seeds = new TreeMap<>();
        for (OnionService onion : onions) {
            address(project, onion);
            ProjectSecrets.Secret seed = secrets.generated(project, onion.stack(), keySecret(onion), () -> {
                throw new IllegalStateException("the key was generated a line above");
            });
            seeds.put(onion.name(), seed);
            named.append(declaration(onion)).append("key ").append(onion.name()).append(" <key ").append(seed.suffix()).append(">\n");
            clients(project, onion).forEach((client, key) -> named.append("client ").append(onion.name()).append(' ')
                    .append(client).append(' ').append(key).append('\n'));
        }
        String suffix = Sha256.hex(named.toString()).substring(0, 8);
        return new ProjectSecrets.Secret(suffix, ProjectSecrets.memoized(() -> {
            StringBuilder text = new StringBuilder("# bcm: the onion services of project " + project + " (bcm-tor-onion reads it)\n");
            for (OnionService onion : onions) {
                text.append(declaration(onion)).append("key ").append(onion.name()).append(' ')
                        .append(Base64.getEncoder().encodeToString(key(seeds.get(onion.name())).torSecretKeyFile())).append('\n');
                clients(project, onion).forEach((client, key) -> text.append("client ").append(onion.name()).append(' ')
                        .append(client).append(' ').append(key).append('\n'));
            }
            return text.toString().getBytes(StandardCharsets.US_ASCII);
        }));
    }

    private static String declaration(OnionService onion) {
        return "onion " + onion.name() + " " + onion.host() + " " + onion.port() + " " + onion.target() + " "
                + (onion.clientAuth() ? "auth" : "public") + "\n";
    }

    private static OnionKey key(ProjectSecrets.Secret seed) {
        return new OnionKey(HexFormat.of().parseHex(new String(seed.value().get(), StandardCharsets.US_ASCII).strip()));
    }

    private static String keySecret(OnionService onion) {
        return "onion_" + onion.name();
    }

    private static String clientSecret(OnionService onion, String client) {
        return "onion_" + onion.name() + "_client_" + client;
    }

    private StateFile<State> stateFile(String project) {
        return new StateFile<>(home.projectDir(project).resolve(STATE_FILE), State.class,
                "delete it: the next deploy writes it again from the keys (clients must then be added again)");
    }
}
