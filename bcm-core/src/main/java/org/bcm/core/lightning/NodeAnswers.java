package org.bcm.core.lightning;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.bcm.core.lightning.LightningNode.Implementation;

/**
 * What the two implementations' CLIs answer, in one shape for {@code bcm lightning}. Field names are
 * Core Lightning's (doc/schemas: getinfo, newaddr, listpeers, listpeerchannels; amounts in msat) and
 * lnd's (lnrpc/lightning.proto: GetInfoResponse, NewAddressResponse, ListPeersResponse,
 * ListChannelsResponse; amounts in sat, 64-bit numbers as JSON strings).
 */
public final class NodeAnswers {

    private NodeAnswers() {
    }

    /**
     * The node's state.
     *
     * @param id          its public key, hex
     * @param blockHeight the height of the chain it has seen
     * @param addresses   the addresses it announces ({@code host:port})
     */
    public record Info(String id, String alias, String network, long blockHeight, int peers, int activeChannels,
            int pendingChannels, int inactiveChannels, String version, List<String> addresses) {

        /** One line: {@code 02ab..., regtest, v26.06.7, block height 101, 1 peer, 1 active channel(s), 0 pending}. */
        public String summary() {
            return (id.length() > 16 ? id.substring(0, 16) + "..." : id) + ", " + network + ", " + version + ", block height " + blockHeight
                    + ", " + peers + (peers == 1 ? " peer, " : " peers, ") + activeChannels + " active channel(s), "
                    + pendingChannels + " pending";
        }
    }

    /**
     * The node's getinfo in a healthcheck's output (the image's {@code bcm-lightning health}), or empty when
     * the output is not one (the node not ready, an error).
     */
    public static java.util.Optional<Info> parseInfo(Implementation implementation, String output) {
        try {
            JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(output);
            boolean shaped = json != null && (implementation == Implementation.CLN ? json.path("id").isTextual()
                    : json.path("identity_pubkey").isTextual());
            return shaped ? java.util.Optional.of(info(implementation, json)) : java.util.Optional.empty();
        } catch (java.io.IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** A peer: its public key, whether it is connected, its address (or null). */
    public record Peer(String id, boolean connected, String address) {
    }

    /**
     * A channel.
     *
     * @param capacitySat its total, satoshis
     * @param localSat    what the node owns of it, satoshis
     */
    public record Channel(String peer, String id, String state, long capacitySat, long localSat) {
    }

    public static Info info(Implementation implementation, JsonNode json) {
        List<String> addresses = new ArrayList<>();
        if (implementation == Implementation.CLN) {
            json.path("address").forEach(a -> addresses.add(a.path("address").asText() + ":" + a.path("port").asText()));
            return new Info(json.path("id").asText(), json.path("alias").asText(), json.path("network").asText(),
                    json.path("blockheight").asLong(), json.path("num_peers").asInt(), json.path("num_active_channels").asInt(),
                    json.path("num_pending_channels").asInt(), json.path("num_inactive_channels").asInt(), json.path("version").asText(),
                    addresses);
        }
        json.path("uris").forEach(u -> addresses.add(u.asText().replaceFirst("^[0-9a-f]+@", "")));
        return new Info(json.path("identity_pubkey").asText(), json.path("alias").asText(),
                json.path("chains").path(0).path("network").asText(), json.path("block_height").asLong(), json.path("num_peers").asInt(),
                json.path("num_active_channels").asInt(), json.path("num_pending_channels").asInt(),
                json.path("num_inactive_channels").asInt(), json.path("version").asText(), addresses);
    }

    /** The new address: Core Lightning's {@code bech32} or {@code p2tr}, lnd's {@code address}. */
    public static String address(Implementation implementation, JsonNode json) {
        if (implementation == Implementation.LND) {
            return json.path("address").asText();
        }
        return json.hasNonNull("p2tr") ? json.path("p2tr").asText() : json.path("bech32").asText();
    }

    public static List<Peer> peers(Implementation implementation, JsonNode json) {
        List<Peer> peers = new ArrayList<>();
        for (JsonNode p : json.path("peers")) {
            peers.add(implementation == Implementation.CLN
                    ? new Peer(p.path("id").asText(), p.path("connected").asBoolean(), p.path("netaddr").path(0).asText(null))
                    : new Peer(p.path("pub_key").asText(), true, p.path("address").asText(null)));
        }
        return peers;
    }

    public static List<Channel> channels(Implementation implementation, JsonNode json) {
        List<Channel> channels = new ArrayList<>();
        for (JsonNode c : json.path("channels")) {
            channels.add(implementation == Implementation.CLN
                    ? new Channel(c.path("peer_id").asText(), c.path("short_channel_id").asText(c.path("channel_id").asText()),
                            c.path("state").asText(), c.path("total_msat").asLong() / 1000, c.path("to_us_msat").asLong() / 1000)
                    : new Channel(c.path("remote_pubkey").asText(), c.path("chan_id").asText(),
                            c.path("active").asBoolean() ? "active" : "inactive", c.path("capacity").asLong(),
                            c.path("local_balance").asLong()));
        }
        return channels;
    }
}
