package org.bcm.core.lightning;

import org.bcm.core.bitcoin.BitcoinNode;

/**
 * The configuration file of Core Lightning bcm writes for a project (a swarm secret; lightningd runs
 * with {@code --lightning-dir=/data --conf=} that file). Every option is lightningd's, as
 * doc/lightningd-config.5.md of ElementsProject/lightning describes it:
 *
 * <ul>
 *   <li>{@code network}: {@code bitcoin}, {@code testnet4}, {@code signet}, {@code regtest};</li>
 *   <li>{@code bitcoin-cli} (the bcli plugin runs it), {@code bitcoin-rpcconnect},
 *       {@code bitcoin-rpcport}, {@code bitcoin-rpcuser}, {@code bitcoin-rpcpassword}: the node's own
 *       rpcauth user, on the pruned-block proxy when bitcoind prunes (the proxy serves the pruned blocks
 *       Core Lightning asks for), else on bitcoind;</li>
 *   <li>{@code bind-addr}: P2P on every address of the container, port 9735; {@code announce-addr}: the
 *       node's onion address, when it has one;</li>
 *   <li>on a public chain, {@code proxy} (the gateway's Tor SOCKS port) then {@code always-use-proxy=true}:
 *       every connection through Tor, no DNS. The order matters: lightningd resolves the proxy's host
 *       name only while {@code always-use-proxy} is not yet set;</li>
 *   <li>{@code clnrest-port}, {@code clnrest-host}: the REST plugin on every address of the container
 *       (reached on the stack's overlay network and its onion service only).</li>
 * </ul>
 */
public final class ClnConfig {

    /** Where the image installs bitcoin-cli (Bitcoin Core's release). */
    public static final String BITCOIN_CLI = "/usr/local/bin/bitcoin-cli";

    private ClnConfig() {
    }

    /**
     * The file's text.
     *
     * @param bitcoin  the project's node
     * @param user     the node's rpcauth user on bitcoind
     * @param password the node's RPC password (or, for the secret's name, a stand-in)
     * @param onion    the node's P2P onion address ({@code NAME.onion}), or null
     */
    public static String text(String project, LightningNode node, BitcoinNode bitcoin, String user, String password, String onion) {
        StringBuilder conf = new StringBuilder()
                .append("# Core Lightning of project ").append(project).append(", written by bcm (lightningd-config(5)).\n")
                .append("network=").append(node.clnNetwork()).append('\n')
                .append("bitcoin-cli=").append(BITCOIN_CLI).append('\n')
                .append("bitcoin-rpcconnect=").append(bitcoin.rpcHost()).append('\n')
                .append("bitcoin-rpcport=").append(bitcoin.rpcPort()).append('\n')
                .append("bitcoin-rpcuser=").append(user).append('\n')
                .append("bitcoin-rpcpassword=").append(password).append('\n')
                .append("bind-addr=0.0.0.0:").append(LightningNode.P2P_PORT).append('\n');
        if (onion != null) {
            conf.append("announce-addr=").append(onion).append(':').append(LightningNode.P2P_PORT).append('\n');
        }
        if (bitcoin.publicChain()) {
            conf.append("proxy=tor:9050\n").append("always-use-proxy=true\n");
        }
        conf.append("clnrest-port=").append(LightningNode.Implementation.CLN.restPort()).append('\n')
                .append("clnrest-host=0.0.0.0\n")
                .append("log-level=info\n");
        return conf.toString();
    }
}
