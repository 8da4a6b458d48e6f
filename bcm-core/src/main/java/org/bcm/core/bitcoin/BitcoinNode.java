package org.bcm.core.bitcoin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.project.ProjectDefinition;
import org.bcm.core.stack.StackDefinition;

/**
 * The Bitcoin node of a project that includes the {@value #STACK} stack: its chain and settings, and
 * the clients of its JSON-RPC, which the other stacks of the project declare in their {@code x-bcm}:
 *
 * <pre>
 * x-bcm:
 *   bitcoin-rpc-client: {user: electrum, needs: [txindex, unpruned]}
 * </pre>
 *
 * Every client has its own rpcauth user, whose password bcm generates and keeps with the project's
 * secrets ({@code bitcoin/rpc_<user>}). On a pruned node ({@code bitcoin.PRUNE > 0}) the pruned-block
 * proxy runs in front of bitcoind with a user of its own on bitcoind, and the clients talk to the proxy;
 * on an unpruned node they talk to bitcoind.
 *
 * @param chain        the project's chain ({@code regtest}, {@code signet}, {@code testnet}, {@code mainnet})
 * @param pruneMiB     {@code bitcoin.PRUNE}: 0, or the MiB of blocks kept (Core's {@code -prune}, at least 550)
 * @param dbcacheMiB   {@code bitcoin.DBCACHE} (Core's {@code -dbcache})
 * @param txindex      {@code bitcoin.TXINDEX}, or a client that needs the transaction index
 * @param maxConnections {@code bitcoin.MAX_CONNECTIONS}
 * @param maxMempoolMiB {@code bitcoin.MAX_MEMPOOL}
 * @param clearnet     {@code bitcoin.CLEARNET}: peers outside Tor allowed (public chains only)
 * @param torOffline   the gateway's Tor reaches no public relay ({@code gateway.TOR_NETWORK=offline} or {@code private}):
 *                     no DNS seeds, no clearnet
 * @param zmq          a client needs bitcoind's ZMQ notifications of blocks and transactions (lnd): bitcoind
 *                     publishes them on {@value #ZMQ_BLOCK_PORT}, {@value #ZMQ_TX_PORT} and {@value #ZMQ_HASHBLOCK_PORT}
 * @param clients      the rpcauth users of the project's stacks, by user (sorted): the stack that declared it
 */
public record BitcoinNode(String chain, long pruneMiB, long dbcacheMiB, boolean txindex, long maxConnections,
        long maxMempoolMiB, boolean clearnet, boolean torOffline, boolean zmq, Map<String, String> clients) {

    /** The stack that runs bitcoind. */
    public static final String STACK = "bitcoin";
    /** The rpcauth user of the pruned-block proxy on bitcoind. */
    public static final String PROXY_USER = "rpcproxy";
    /** The stack's service names, which are also the host names on its {@code rpc} network. */
    public static final String BITCOIND_SERVICE = "bitcoind";
    public static final String PROXY_SERVICE = "rpcproxy";
    /** The name of the onion service of bitcoind's P2P port (the stack's x-bcm-onion), which bitcoin.conf announces. */
    public static final String P2P_ONION = "bitcoin-p2p";
    /** bitcoind's ZMQ publishers ({@code zmqpubrawblock}, {@code zmqpubrawtx}), the ports Core's doc/zmq.md and lnd's docs use. */
    public static final int ZMQ_BLOCK_PORT = 28332;
    public static final int ZMQ_TX_PORT = 28333;
    /** bitcoind's {@code zmqpubhashblock} publisher (the chain-events bridge). */
    public static final int ZMQ_HASHBLOCK_PORT = 28334;
    private static final Pattern USER = Pattern.compile("[a-z][a-z0-9_]{0,31}");

    public BitcoinNode {
        clients = Collections.unmodifiableMap(new TreeMap<>(clients)); // by user: generated files must not change order
    }

    /**
     * The node of {@code project}, when it includes the bitcoin stack.
     *
     * @param stacks the project's stacks (definitions), in dependency order
     * @throws BcmException INVALID_INPUT for a malformed {@code bitcoin-rpc-client}, a user declared twice,
     *     or a client whose needs the node's settings refuse (an unpruned node for an Electrum server)
     */
    public static Optional<BitcoinNode> of(ProjectDefinition project, List<StackDefinition> stacks) {
        Map<String, String> settings = project.stacks().get(STACK);
        if (settings == null) {
            return Optional.empty();
        }
        long prune = number(settings, "PRUNE", 0);
        boolean txindex = "1".equals(settings.get("TXINDEX"));
        Map<String, String> clients = new LinkedHashMap<>();
        List<String> needUnpruned = new ArrayList<>();
        boolean zmq = false;
        for (StackDefinition stack : stacks) {
            JsonNode client = stack.meta().path("bitcoin-rpc-client");
            if (client.isMissingNode()) {
                continue;
            }
            String user = client.path("user").asText("");
            if (!USER.matcher(user).matches() || user.equals(PROXY_USER)) {
                throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": x-bcm.bitcoin-rpc-client.user '" + user
                        + "' is not a user name ([a-z][a-z0-9_]{0,31}, not " + PROXY_USER + ")", "fix its stack.yml");
            }
            String other = clients.put(user, stack.name());
            if (other != null) {
                throw new BcmException(Kind.INVALID_INPUT, "Stacks " + other + " and " + stack.name() + " both declare the bitcoin RPC user "
                        + user, "give each its own user in x-bcm.bitcoin-rpc-client");
            }
            for (JsonNode need : client.path("needs")) {
                switch (need.asText()) {
                    case "txindex" -> txindex = true;
                    case "unpruned" -> needUnpruned.add(stack.name());
                    case "zmq" -> zmq = true;
                    default -> throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": x-bcm.bitcoin-rpc-client.needs '"
                            + need.asText() + "' is unknown", "use txindex, unpruned or zmq");
                }
            }
        }
        if (prune > 0 && !needUnpruned.isEmpty()) {
            throw new BcmException(Kind.INVALID_INPUT, "Stack " + String.join(", ", needUnpruned) + " needs an unpruned node with the"
                    + " transaction index, but bitcoin.PRUNE is " + prune,
                    "set bitcoin.PRUNE=0, or leave " + String.join(", ", needUnpruned) + " out of the project");
        }
        Map<String, String> gateway = project.stacks().getOrDefault("gateway", Map.of());
        return Optional.of(new BitcoinNode(project.chain(), prune, number(settings, "DBCACHE", 450), txindex,
                number(settings, "MAX_CONNECTIONS", 40), number(settings, "MAX_MEMPOOL", 300), "1".equals(settings.get("CLEARNET")),
                List.of("offline", "private").contains(gateway.get("TOR_NETWORK")), zmq, clients));
    }

    private static long number(Map<String, String> settings, String name, long fallback) {
        String value = settings.get(name);
        return value == null ? fallback : Long.parseLong(value);
    }

    /** Whether the node prunes its blocks (and so runs the pruned-block proxy). */
    public boolean pruned() {
        return pruneMiB > 0;
    }

    /** Core's name of the chain ({@code -chain=}): {@code main}, {@code testnet4}, {@code signet}, {@code regtest}. bcm's testnet is testnet4. */
    public String coreChain() {
        return switch (chain) {
            case "mainnet" -> "main";
            case "testnet" -> "testnet4";
            default -> chain;
        };
    }

    /** Whether the chain is a public one (peers through Tor), rather than the project's own regtest. */
    public boolean publicChain() {
        return !"regtest".equals(chain);
    }

    /** Core's JSON-RPC port of the chain (src/chainparamsbase.cpp): 8332, 48332, 38332, 18443. */
    public int rpcPort() {
        return switch (coreChain()) {
            case "main" -> 8332;
            case "testnet4" -> 48332;
            case "signet" -> 38332;
            default -> 18443;
        };
    }

    /** Core's P2P port of the chain (src/kernel/chainparams.cpp): 8333, 48333, 38333, 18444. */
    public int p2pPort() {
        return switch (coreChain()) {
            case "main" -> 8333;
            case "testnet4" -> 48333;
            case "signet" -> 38333;
            default -> 18444;
        };
    }

    /** Where the clients' JSON-RPC goes: the proxy on a pruned node, bitcoind otherwise (a host name on the stack's rpc network). */
    public String rpcHost() {
        return pruned() ? PROXY_SERVICE : BITCOIND_SERVICE;
    }

    /**
     * The users with an rpcauth line on bitcoind: every client's (a client that fetches pruned blocks
     * itself, as lnd does, may talk to bitcoind directly), and the proxy's on a pruned node.
     */
    public Set<String> bitcoindUsers() {
        Set<String> users = new java.util.TreeSet<>(clients.keySet());
        if (pruned()) {
            users.add(PROXY_USER);
        }
        return users;
    }

    /** The variables every stack's {@code stack.yml} of a project with this node can use. */
    public Map<String, String> variables() {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("BITCOIN_CHAIN", coreChain());
        variables.put("BITCOIN_RPC_HOST", rpcHost());
        variables.put("BITCOIN_RPC_PORT", Integer.toString(rpcPort()));
        variables.put("BITCOIN_P2P_PORT", Integer.toString(p2pPort()));
        variables.put("BITCOIN_PROXY_REPLICAS", pruned() ? "1" : "0");
        return variables;
    }

    /** The swarm secret of a client's password: {@code rpc_<user>} of the bitcoin stack. */
    public static String passwordSecret(String user) {
        return "rpc_" + user;
    }
}
