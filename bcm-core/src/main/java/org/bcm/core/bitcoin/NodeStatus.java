package org.bcm.core.bitcoin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * What bitcoind said of itself at its last healthcheck: the healthcheck script of the bitcoind image
 * ({@code bcm-bitcoind-health}) prints {@code {"blockchaininfo": <getblockchaininfo>, "connections":
 * <getconnectioncount>}}, and the engine keeps its output; bcm reads it back without any RPC
 * credential. Fields are Core's {@code getblockchaininfo} (src/rpc/blockchain.cpp).
 *
 * @param chain                Core's chain name ({@code main}, {@code testnet4}, {@code signet}, {@code regtest})
 * @param blocks               the height of the best validated block
 * @param headers              the height of the best known header
 * @param peers                connections to peers ({@code getconnectioncount})
 * @param pruned               whether the node prunes blocks
 * @param pruneHeight          the lowest block still stored, or -1 when not pruned
 * @param verificationProgress an estimate of the chain verified, 0 to 1
 * @param initialBlockDownload whether the node is in its initial block download
 */
public record NodeStatus(String chain, long blocks, long headers, long peers, boolean pruned, long pruneHeight,
        double verificationProgress, boolean initialBlockDownload) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The status in a healthcheck's output, or empty when the output is not the script's (bitcoind not ready, an error). */
    public static Optional<NodeStatus> parse(String output) {
        try {
            JsonNode root = JSON.readTree(output);
            JsonNode info = root == null ? null : root.path("blockchaininfo");
            if (info == null || !info.path("blocks").isNumber() || !root.path("connections").isNumber()) {
                return Optional.empty();
            }
            return Optional.of(new NodeStatus(info.path("chain").asText(), info.path("blocks").asLong(), info.path("headers").asLong(),
                    root.path("connections").asLong(), info.path("pruned").asBoolean(), info.path("pruneheight").asLong(-1),
                    info.path("verificationprogress").asDouble(), info.path("initialblockdownload").asBoolean()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** One line: {@code regtest, 101 blocks, 101 headers, 0 peers, not pruned, 100.00 % verified}. */
    public String summary() {
        return chain + ", " + blocks + " blocks, " + headers + " headers, " + peers + (peers == 1 ? " peer, " : " peers, ")
                + (pruned ? "pruned (blocks from " + pruneHeight + ")" : "not pruned") + ", "
                + String.format(Locale.ROOT, "%.2f", verificationProgress * 100) + " % verified"
                + (initialBlockDownload ? " (initial block download)" : "");
    }
}
