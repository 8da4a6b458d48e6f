package org.bcm.core.bitcoin;

import java.util.function.Function;

/**
 * The {@code bitcoin.conf} bcm writes for a project's node (a swarm secret, mounted at
 * {@code /run/secrets/bitcoin.conf}; bitcoind runs with {@code -datadir=/data -conf=} that file).
 *
 * <p>Every option is Bitcoin Core's, as {@code bitcoind -help} and doc/bitcoin-conf.md describe it:
 * {@code chain} (src/chainparamsbase.cpp, {@code main|testnet4|signet|regtest}); {@code server},
 * {@code rpcbind}, {@code rpcallowip}, {@code rpcport}, {@code rpcauth} (src/httprpc.cpp,
 * src/httpserver.cpp); {@code txindex}, {@code prune} (0, or MiB at least 550), {@code dbcache} (MiB),
 * {@code maxmempool} (MiB), {@code maxconnections}, {@code listen}, {@code port}, {@code proxy},
 * {@code onlynet}, {@code dnsseed}, {@code fixedseeds}, {@code printtoconsole}, {@code disablewallet}
 * (src/init.cpp); {@code zmqpubrawblock}, {@code zmqpubrawtx}, {@code zmqpubhashblock} (doc/zmq.md), on every address of the
 * container, when a client of the node needs them (lnd). Options Core calls network-only ({@code rpcport}, {@code rpcbind}, {@code port}:
 * src/common/args.cpp, {@code NETWORK_ONLY}) are written in the chain's section, where Core reads them
 * for every chain; the rest before it.
 *
 * <p>RPC: only {@code rpcauth} lines (never {@code rpcpassword}), one per client of the node, and the
 * cookie Core writes itself into the data directory (the healthcheck's {@code bitcoin-cli} reads it
 * inside the container). bitcoind listens for RPC on every address of its container and accepts
 * calls from the swarm's overlay networks only ({@code rpcallowip=10.0.0.0/8}, the default address
 * pool of {@code docker swarm init}) and from itself; nothing is published on the tier hosts.
 *
 * <p>P2P: inbound connections only through the project's onion service for the node's P2P port (its
 * address given: {@code listen=1}, {@code bind=0.0.0.0:PORT=onion} so that Core counts them as Tor
 * connections, {@code externalip=ADDRESS} to announce it, {@code listenonion=0} and {@code discover=0}:
 * the gateway's Tor publishes it, Core makes no onion service and announces no other address);
 * otherwise none ({@code listen=0}). On a public chain every outbound connection goes
 * through the gateway's Tor SOCKS port ({@code proxy=tor:9050}, a host name on the gateway's
 * {@code tor} network), to onion peers only ({@code onlynet=onion}) unless {@code bitcoin.CLEARNET=1};
 * when the project's Tor is offline, no DNS or fixed seeds and no clearnet. On regtest: no seeds, no
 * peers outside the project.
 */
public final class BitcoinConf {

    /** Overlay networks of the swarm: {@code docker swarm init}'s default address pool. */
    static final String OVERLAY_SUBNETS = "10.0.0.0/8";

    private BitcoinConf() {
    }

    /**
     * The file's text.
     *
     * @param rpcauth the value of the {@code rpcauth=} line of each user ({@link RpcAuth#value}); for the
     *                secret's name bcm calls it with a stand-in that names the password's suffix only
     * @param onion   the address of the node's P2P onion service ({@code NAME.onion}), or null when it has none
     */
    public static String text(String project, BitcoinNode node, Function<String, String> rpcauth, String onion) {
        StringBuilder conf = new StringBuilder()
                .append("# bitcoin.conf of project ").append(project).append(", written by bcm (chain ").append(node.coreChain()).append(").\n")
                .append("# Options: bitcoind -help, doc/bitcoin-conf.md. Edit the project's settings, not this file:\n")
                .append("# bcm project set --project-name=").append(project).append(" bitcoin.SETTING=VALUE\n")
                .append("chain=").append(node.coreChain()).append('\n')
                .append("server=1\n")
                .append("printtoconsole=1\n")
                .append("disablewallet=1\n")
                .append("txindex=").append(node.txindex() ? 1 : 0).append('\n')
                .append("prune=").append(node.pruneMiB()).append('\n')
                .append("dbcache=").append(node.dbcacheMiB()).append('\n')
                .append("maxmempool=").append(node.maxMempoolMiB()).append('\n')
                .append("maxconnections=").append(node.maxConnections()).append('\n');
        if (onion == null) {
            conf.append("listen=0\n");
        } else {
            conf.append("listen=1\n").append("listenonion=0\n").append("discover=0\n")
                    .append("externalip=").append(onion).append('\n');
        }
        boolean seeds = node.publicChain() && !node.torOffline();
        if (!seeds) {
            conf.append("dnsseed=0\n").append("fixedseeds=0\n");
        }
        if (node.publicChain()) {
            conf.append("proxy=tor:9050\n");
            if (!node.clearnet() || node.torOffline()) {
                conf.append("onlynet=onion\n");
            }
        }
        if (node.zmq()) {
            conf.append("zmqpubrawblock=tcp://0.0.0.0:").append(BitcoinNode.ZMQ_BLOCK_PORT).append('\n')
                    .append("zmqpubrawtx=tcp://0.0.0.0:").append(BitcoinNode.ZMQ_TX_PORT).append('\n')
                    .append("zmqpubhashblock=tcp://0.0.0.0:").append(BitcoinNode.ZMQ_HASHBLOCK_PORT).append('\n');
        }
        conf.append("rpcallowip=").append(OVERLAY_SUBNETS).append('\n');
        for (String user : node.bitcoindUsers()) {
            conf.append("rpcauth=").append(rpcauth.apply(user)).append('\n');
        }
        conf.append('[').append(node.coreChain()).append("]\n")
                .append("rpcbind=0.0.0.0\n")
                .append("rpcport=").append(node.rpcPort()).append('\n')
                .append("port=").append(node.p2pPort()).append('\n');
        if (onion != null) {
            conf.append("bind=0.0.0.0:").append(node.p2pPort()).append("=onion\n");
        }
        return conf.toString();
    }
}
