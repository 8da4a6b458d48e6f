package org.bcm.core.bitcoin;

/**
 * The configuration of Fulcrum, the Electrum server of the {@code electrum} stack (a swarm secret,
 * given to Fulcrum as its config-file argument). Every key is Fulcrum's (cculianu/Fulcrum
 * doc/fulcrum-example-config.conf): {@code datadir}, {@code bitcoind} (host:port of the node's RPC),
 * {@code rpcuser}/{@code rpcpassword} (the stack's own rpcauth user on bitcoind), {@code tcp} and
 * {@code ssl} (50001 and 50002 on every address of the container, reached on the stack's overlay
 * network only), {@code cert}/{@code key} (PEM; Fulcrum supports RSA keys fully, so bcm makes an RSA
 * key), {@code stats} (the HTTP statistics the healthcheck asks, on the container's loopback),
 * {@code peering} and {@code announce} off (a private server: it neither looks for nor advertises
 * itself to other servers).
 */
public final class FulcrumConf {

    /** Where the stack mounts the TLS certificate and key (swarm secrets). */
    public static final String CERT = "/run/secrets/tls_cert";
    public static final String KEY = "/run/secrets/tls_key";
    /** Electrum's usual ports: TCP and SSL. */
    public static final int TCP_PORT = 50001;
    public static final int SSL_PORT = 50002;
    /** Fulcrum's stats server, on the container's loopback. */
    public static final int STATS_PORT = 8080;

    private FulcrumConf() {
    }

    /**
     * The file's text.
     *
     * @param user     the stack's bitcoin RPC user
     * @param password its password (or, for the secret's name, a stand-in)
     */
    public static String text(String project, BitcoinNode node, String user, String password) {
        return "# Fulcrum of project " + project + ", written by bcm (Fulcrum's doc/fulcrum-example-config.conf).\n"
                + "datadir = /data\n"
                + "bitcoind = " + node.rpcHost() + ":" + node.rpcPort() + "\n"
                + "rpcuser = " + user + "\n"
                + "rpcpassword = " + password + "\n"
                + "tcp = 0.0.0.0:" + TCP_PORT + "\n"
                + "ssl = 0.0.0.0:" + SSL_PORT + "\n"
                + "cert = " + CERT + "\n"
                + "key = " + KEY + "\n"
                + "stats = 127.0.0.1:" + STATS_PORT + "\n"
                + "peering = false\n"
                + "announce = false\n";
    }
}
