package org.bcm.core.monero;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * What monerod said of itself at its last healthcheck: the image's {@code bcm-monerod-health} prints
 * the answer of {@code get_info} (Monero's RPC, docs: "get_info"), which the engine keeps; bcm reads it
 * back without the RPC login.
 *
 * @param network      monerod's {@code nettype}: {@code mainnet}, {@code testnet}, {@code stagenet}, {@code fakechain} (regtest)
 * @param height       the node's chain height
 * @param targetHeight the height its peers report (0 when it has none)
 * @param synced       whether monerod considers itself synchronized
 * @param outgoing     outgoing P2P connections
 * @param incoming     incoming P2P connections
 */
public record MoneroStatus(String network, long height, long targetHeight, boolean synced, long outgoing, long incoming) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The status in a healthcheck's output, or empty when it is not a get_info answer. */
    public static Optional<MoneroStatus> parse(String output) {
        try {
            JsonNode root = JSON.readTree(output);
            JsonNode result = root == null ? null : root.path("result");
            if (result == null || !result.path("height").isNumber()) {
                return Optional.empty();
            }
            return Optional.of(new MoneroStatus(result.path("nettype").asText(), result.path("height").asLong(),
                    result.path("target_height").asLong(), result.path("synchronized").asBoolean(),
                    result.path("outgoing_connections_count").asLong(), result.path("incoming_connections_count").asLong()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** One line: {@code fakechain, height 6, synchronized, 0 out / 0 in peers}. */
    public String summary() {
        return network + ", height " + height + (synced ? ", synchronized" : ", syncing to " + targetHeight) + ", "
                + outgoing + " out / " + incoming + " in peers";
    }
}
