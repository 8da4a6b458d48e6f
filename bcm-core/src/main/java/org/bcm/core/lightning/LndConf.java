package org.bcm.core.lightning;

import org.bcm.core.bitcoin.BitcoinNode;

/**
 * The {@code lnd.conf} bcm writes for a project (a swarm secret; lnd runs with {@code --lnddir=/data
 * --configfile=} that file). Every option is lnd's, as sample-lnd.conf of lightningnetwork/lnd
 * describes it:
 *
 * <ul>
 *   <li>{@code listen} (P2P, 9735), {@code rpclisten} (gRPC, 10009), {@code restlisten} (REST, 8080) on
 *       every address of the container, reached on the stack's overlay network only;
 *       {@code tlsextradomain=lnd} so that the certificate lnd makes names its host name there;</li>
 *   <li>{@code wallet-unlock-password-file} (the generated wallet password, a swarm secret) and
 *       {@code wallet-unlock-allow-create}: lnd unlocks its wallet at every start without a person,
 *       and waits for the wallet to be created the first time (bcm's entrypoint creates it from the
 *       project's root key through {@code InitWallet}, lnd's non-interactive path);</li>
 *   <li>{@code bitcoin.<chain>=true} ({@code mainnet}, {@code testnet4}, {@code signet},
 *       {@code regtest}), {@code bitcoin.node=bitcoind}; {@code bitcoind.rpchost},
 *       {@code bitcoind.rpcuser}, {@code bitcoind.rpcpass}: the node's own rpcauth user, always on
 *       bitcoind itself (lnd fetches pruned blocks from peers itself);
 *       {@code bitcoind.zmqpubrawblock}, {@code bitcoind.zmqpubrawtx}: bitcoind's ZMQ publishers;</li>
 *   <li>on a public chain {@code tor.active}, {@code tor.socks} (the gateway's Tor), and
 *       {@code externalhosts}: the node's onion address when it has one (the gateway's Tor publishes it;
 *       lnd makes no onion service of its own, so no {@code tor.v3} and no control port).</li>
 * </ul>
 */
public final class LndConf {

    /** Where the stack mounts the wallet password (a swarm secret). */
    public static final String WALLET_PASSWORD = "/run/secrets/wallet_password";
    /** lnd's gRPC port (its default). */
    public static final int RPC_PORT = 10009;

    private LndConf() {
    }

    /**
     * The file's text.
     *
     * @param bitcoin  the project's node
     * @param user     the node's rpcauth user on bitcoind
     * @param password the node's RPC password on bitcoind (or, for the secret's name, a stand-in)
     * @param onion    the node's P2P onion address ({@code NAME.onion}), or null
     */
    public static String text(String project, LightningNode node, BitcoinNode bitcoin, String user, String password, String onion) {
        StringBuilder conf = new StringBuilder()
                .append("# lnd of project ").append(project).append(", written by bcm (sample-lnd.conf).\n")
                .append("[Application Options]\n")
                .append("listen=0.0.0.0:").append(LightningNode.P2P_PORT).append('\n')
                .append("rpclisten=0.0.0.0:").append(RPC_PORT).append('\n')
                .append("restlisten=0.0.0.0:").append(LightningNode.Implementation.LND.restPort()).append('\n')
                .append("tlsextradomain=").append(LightningNode.Implementation.LND.service()).append('\n')
                .append("wallet-unlock-password-file=").append(WALLET_PASSWORD).append('\n')
                .append("wallet-unlock-allow-create=true\n")
                .append("debuglevel=info\n");
        if (onion != null) {
            conf.append("externalhosts=").append(onion).append(':').append(LightningNode.P2P_PORT).append('\n');
        }
        conf.append("\n[Bitcoin]\n")
                .append("bitcoin.").append(node.lndNetwork()).append("=true\n")
                .append("bitcoin.node=bitcoind\n")
                .append("\n[Bitcoind]\n")
                .append("bitcoind.rpchost=").append(BitcoinNode.BITCOIND_SERVICE).append(':').append(bitcoin.rpcPort()).append('\n')
                .append("bitcoind.rpcuser=").append(user).append('\n')
                .append("bitcoind.rpcpass=").append(password).append('\n')
                .append("bitcoind.zmqpubrawblock=tcp://").append(BitcoinNode.BITCOIND_SERVICE).append(':')
                .append(BitcoinNode.ZMQ_BLOCK_PORT).append('\n')
                .append("bitcoind.zmqpubrawtx=tcp://").append(BitcoinNode.BITCOIND_SERVICE).append(':')
                .append(BitcoinNode.ZMQ_TX_PORT).append('\n');
        if (bitcoin.publicChain()) {
            conf.append("\n[tor]\n").append("tor.active=true\n").append("tor.socks=tor:9050\n");
        }
        return conf.toString();
    }
}
