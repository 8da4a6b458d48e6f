package org.bcm.core.bitcoin;

import java.util.function.Function;

/**
 * The configuration of the pruned-block proxy in front of a pruned node (a swarm secret mounted at
 * {@code /etc/bcm-rpcproxy/rpcproxy.conf}, owner-only for the proxy's uid, as the proxy requires of a
 * file holding {@code upstream-password}). Keys are bcm-rpcproxy's (bcm-rpcproxy/README.md, "Flags
 * and config keys"): it listens on the node's RPC port, forwards to bitcoind with its own rpcauth user
 * ({@value BitcoinNode#PROXY_USER}), accepts every client of the node with the client's rpcauth line,
 * and keeps fetched blocks in its cache volume.
 */
public final class RpcProxyConf {

    private RpcProxyConf() {
    }

    /**
     * The file's text.
     *
     * @param proxyPassword the proxy's password on bitcoind (or, for the secret's name, a stand-in)
     * @param rpcauth       the {@code rpcauth=} value of each client ({@link RpcAuth#value})
     */
    /** The port of the proxy's Prometheus endpoint ({@code GET /metrics}). */
    public static final int METRICS_PORT = 9331;

    public static String text(String project, BitcoinNode node, String proxyPassword, Function<String, String> rpcauth) {
        StringBuilder conf = new StringBuilder()
                .append("# bcm-rpcproxy of project ").append(project).append(", written by bcm (bcm-rpcproxy/README.md).\n")
                .append("chain=").append(node.coreChain()).append('\n') // Core's chain names, which the proxy takes
                .append("listen=0.0.0.0:").append(node.rpcPort()).append('\n')
                .append("upstream=http://").append(BitcoinNode.BITCOIND_SERVICE).append(':').append(node.rpcPort()).append('\n')
                .append("upstream-user=").append(BitcoinNode.PROXY_USER).append('\n')
                .append("upstream-password=").append(proxyPassword).append('\n')
                .append("cache-dir=/var/cache/bcm-rpcproxy/").append(node.coreChain()).append('\n')
                // Prometheus scrapes it on gateway_metrics (the monitoring stack; the counters name no client)
                .append("metrics-listen=0.0.0.0:").append(METRICS_PORT).append('\n')
                .append("metrics-allow-remote=1\n");
        for (String user : node.clients().keySet()) {
            conf.append("rpcauth=").append(rpcauth.apply(user)).append('\n');
        }
        return conf.toString();
    }
}
