package org.bcm.core.monero;

import java.util.Map;

/**
 * The configuration file of monerod bcm writes for a project (a swarm secret; monerod runs with
 * {@code --config-file=} it). Every option is monerod's ({@code monerod --help}; the config file takes
 * them without the leading dashes), as Monero's docs/ and src/daemon/command_line_args.h name them:
 *
 * <ul>
 *   <li>the network: {@code testnet=1}, {@code stagenet=1}, or on regtest {@code regtest=1},
 *       {@code offline=1} and {@code fixed-difficulty=1} (blocks come from {@code generateblocks});
 *       bcm's chains map to Monero's networks: mainnet to mainnet, testnet to testnet, signet to
 *       stagenet;</li>
 *   <li>{@code data-dir=/data}; {@code prune-blockchain}, {@code max-concurrency}, {@code out-peers},
 *       {@code log-level} from the stack's settings;</li>
 *   <li>RPC: the full RPC on the container's loopback only ({@code rpc-bind-ip=127.0.0.1},
 *       {@code rpc-bind-port}: the network's RPC port), the restricted RPC on every address of the
 *       container ({@code rpc-restricted-bind-ip=0.0.0.0}, {@code rpc-restricted-bind-port=18089},
 *       {@code confirm-external-bind=1}) for the stack's overlay network, both behind
 *       {@code rpc-login=monero:PASSWORD} (digest authentication);</li>
 *   <li>P2P: {@code no-igd=1}, {@code hide-my-port=1}, {@code no-zmq=1},
 *       {@code disable-dns-checkpoints=1} and {@code check-updates=disabled} (no DNS lookups outside
 *       Tor); on the public networks every P2P connection through the gateway's Tor (its SOCKS address is
 *       given on the command line by the image's entrypoint, from the comment {@code # bcm-tor-socks:}),
 *       and inbound connections only through the project's onion service ({@code anonymous-inbound});
 *       on regtest {@code offline=1}: no P2P at all.</li>
 * </ul>
 */
public final class MonerodConf {

    /** The stack that runs monerod, and its service. */
    public static final String STACK = "monero";
    public static final String SERVICE = "monerod";
    /** The restricted RPC port (on the overlay network) and the anonymous inbound P2P port (the onion service's target). */
    public static final int RESTRICTED_RPC_PORT = 18089;
    public static final int ANONYMOUS_INBOUND_PORT = 18084;
    /** The RPC user; its password is generated per project. */
    public static final String RPC_USER = "monero";

    private MonerodConf() {
    }

    /** Monero's network for bcm's chain: {@code mainnet}, {@code testnet}, {@code stagenet} (bcm's signet), {@code regtest}. */
    public static String network(String chain) {
        return switch (chain) {
            case "signet" -> "stagenet";
            default -> chain;
        };
    }

    /** The network's full RPC port (src/cryptonote_config.h): 18081, 28081 (testnet), 38081 (stagenet); regtest uses mainnet's. */
    public static int rpcPort(String chain) {
        return switch (network(chain)) {
            case "testnet" -> 28081;
            case "stagenet" -> 38081;
            default -> 18081;
        };
    }

    /**
     * The file's text.
     *
     * @param settings the stack's settings (PRUNE_BLOCKCHAIN, MAX_CONCURRENCY, OUT_PEERS, LOG_LEVEL)
     * @param password the RPC password (or, for the secret's name, a stand-in)
     * @param onion    the node's P2P onion address ({@code NAME.onion}), or null
     */
    public static String text(String project, String chain, Map<String, String> settings, String password, String onion) {
        String network = network(chain);
        StringBuilder conf = new StringBuilder()
                .append("# monerod of project ").append(project).append(", written by bcm (monerod --help). Edit the project's settings:\n")
                .append("# bcm project set --project-name=").append(project).append(" monero.SETTING=VALUE\n");
        switch (network) {
            case "regtest" -> conf.append("regtest=1\noffline=1\nfixed-difficulty=1\n");
            case "testnet" -> conf.append("testnet=1\n");
            case "stagenet" -> conf.append("stagenet=1\n");
            default -> { }
        }
        conf.append("data-dir=/data\n")
                .append("log-level=").append(settings.getOrDefault("LOG_LEVEL", "0")).append('\n')
                .append("rpc-bind-ip=127.0.0.1\n")
                .append("rpc-bind-port=").append(rpcPort(chain)).append('\n')
                .append("rpc-restricted-bind-ip=0.0.0.0\n")
                .append("rpc-restricted-bind-port=").append(RESTRICTED_RPC_PORT).append('\n')
                .append("confirm-external-bind=1\n")
                .append("rpc-login=").append(RPC_USER).append(':').append(password).append('\n')
                .append("no-igd=1\n")
                .append("hide-my-port=1\n")
                .append("no-zmq=1\n")
                .append("disable-dns-checkpoints=1\n")
                .append("check-updates=disabled\n")
                .append("out-peers=").append(settings.getOrDefault("OUT_PEERS", "8")).append('\n');
        if ("1".equals(settings.get("PRUNE_BLOCKCHAIN"))) {
            conf.append("prune-blockchain=1\n");
        }
        String concurrency = settings.getOrDefault("MAX_CONCURRENCY", "0");
        if (!"0".equals(concurrency)) {
            conf.append("max-concurrency=").append(concurrency).append('\n');
        }
        if (!network.equals("regtest")) {
            conf.append("# bcm-tor-socks: tor:9050\n");
            if (onion != null) {
                conf.append("anonymous-inbound=").append(onion).append(':').append(ANONYMOUS_INBOUND_PORT).append(",0.0.0.0:")
                        .append(ANONYMOUS_INBOUND_PORT).append(",16\n");
            }
        }
        return conf.toString();
    }
}
