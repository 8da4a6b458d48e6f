package org.bcm.core.lightning;

import java.util.Map;
import java.util.Optional;
import org.bcm.core.project.ProjectDefinition;

/**
 * The Lightning node of a project that includes the {@value #STACK} stack: which implementation runs,
 * and where its files are in its container.
 *
 * <p>Core Lightning talks to bitcoind through the pruned-block proxy on a pruned node (it cannot fetch
 * pruned blocks itself) and directly otherwise ({@code BitcoinNode.rpcHost()}); lnd always talks to
 * bitcoind directly (it fetches pruned blocks from peers itself) and takes ZMQ notifications.
 *
 * @param implementation {@code lightning.IMPLEMENTATION}
 * @param chain          the project's chain ({@code regtest}, {@code signet}, {@code testnet}, {@code mainnet})
 */
public record LightningNode(Implementation implementation, String chain) {

    /** The stack that runs the node. */
    public static final String STACK = "lightning";
    /** BOLT #1's port for Lightning P2P. */
    public static final int P2P_PORT = 9735;
    /** The data directory in the container (the stack's volume). */
    public static final String DATA = "/data";

    /**
     * An implementation, with the stack's service that runs it, its REST port, and the static channel
     * backup it keeps up to date.
     *
     * @param service  the stack's service (and its host name on the stack's network)
     * @param restPort Core Lightning's {@code clnrest-port} (3010 in its docs), lnd's {@code restlisten} (8080, its default)
     */
    public enum Implementation {
        CLN("cln", 3010),
        LND("lnd", 8080);

        private final String service;
        private final int restPort;

        Implementation(String service, int restPort) {
            this.service = service;
            this.restPort = restPort;
        }

        public String service() {
            return service;
        }

        public int restPort() {
            return restPort;
        }

        /** The setting's value. */
        public String value() {
            return service;
        }

        static Implementation of(String value) {
            return "lnd".equals(value) ? LND : CLN;
        }
    }

    /** The node of {@code project}, when it includes the lightning stack. */
    public static Optional<LightningNode> of(ProjectDefinition project) {
        Map<String, String> settings = project.stacks().get(STACK);
        if (settings == null) {
            return Optional.empty();
        }
        return Optional.of(new LightningNode(Implementation.of(settings.get("IMPLEMENTATION")), project.chain()));
    }

    /**
     * The network's name in Core Lightning's {@code network=} and its directory in the lightning dir:
     * {@code bitcoin}, {@code testnet4}, {@code signet}, {@code regtest} (doc/lightningd-config.5.md).
     */
    public String clnNetwork() {
        return switch (chain) {
            case "mainnet" -> "bitcoin";
            case "testnet" -> "testnet4";
            default -> chain;
        };
    }

    /** lnd's name of the chain ({@code bitcoin.<name>=true}, and its directory under {@code data/chain/bitcoin/}). */
    public String lndNetwork() {
        return switch (chain) {
            case "testnet" -> "testnet4";
            default -> chain;
        };
    }

    /**
     * The node's static channel backup in its container: Core Lightning's {@code emergency.recover} in the
     * network's directory (since v0.12.0), lnd's {@code channel.backup} under {@code data/chain/bitcoin/<net>/}
     * (docs/recovery.md).
     */
    public String staticChannelBackup() {
        return implementation == Implementation.CLN
                ? DATA + "/" + clnNetwork() + "/emergency.recover"
                : DATA + "/data/chain/bitcoin/" + lndNetwork() + "/channel.backup";
    }
}
