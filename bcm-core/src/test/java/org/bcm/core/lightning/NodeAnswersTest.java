package org.bcm.core.lightning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.bcm.core.lightning.LightningNode.Implementation;
import org.junit.jupiter.api.Test;

/**
 * The two CLIs' answers in one shape. The JSON is shaped as each program documents it: Core Lightning's
 * doc/schemas (getinfo, newaddr, listpeers, listpeerchannels; msat as numbers), lnd's
 * lnrpc/lightning.proto as lncli prints it (64-bit numbers as strings).
 */
class NodeAnswersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "02" + "ab".repeat(32);

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void coreLightning() throws Exception {
        var info = NodeAnswers.info(Implementation.CLN, json("{\"id\":\"" + ID + "\",\"alias\":\"SILENTARTIST\",\"network\":\"regtest\","
                + "\"blockheight\":101,\"num_peers\":1,\"num_active_channels\":1,\"num_pending_channels\":0,\"num_inactive_channels\":0,"
                + "\"version\":\"v26.06.7\",\"address\":[{\"type\":\"torv3\",\"address\":\"abc.onion\",\"port\":9735}]}"));
        assertThat(info).isEqualTo(new NodeAnswers.Info(ID, "SILENTARTIST", "regtest", 101, 1, 1, 0, 0, "v26.06.7", List.of("abc.onion:9735")));
        assertThat(info.summary()).isEqualTo(ID.substring(0, 16) + "..., regtest, v26.06.7, block height 101, 1 peer, "
                + "1 active channel(s), 0 pending");
        assertThat(NodeAnswers.parseInfo(Implementation.CLN, "{\"id\":\"" + ID + "\",\"blockheight\":5}")).hasValueSatisfying(i -> assertThat(i.blockHeight()).isEqualTo(5));
        assertThat(NodeAnswers.parseInfo(Implementation.CLN, "lightning-cli: Connecting to 'lightning-rpc': No such file or directory")).isEmpty();
        assertThat(NodeAnswers.parseInfo(Implementation.LND, "{\"id\":\"" + ID + "\"}")).as("lnd's answer has identity_pubkey").isEmpty();
        assertThat(NodeAnswers.address(Implementation.CLN, json("{\"bech32\":\"bcrt1qexample\"}"))).isEqualTo("bcrt1qexample");
        assertThat(NodeAnswers.peers(Implementation.CLN, json("{\"peers\":[{\"id\":\"" + ID + "\",\"connected\":true,\"netaddr\":[\"10.0.1.5:9735\"]}]}")))
                .containsExactly(new NodeAnswers.Peer(ID, true, "10.0.1.5:9735"));
        assertThat(NodeAnswers.channels(Implementation.CLN, json("{\"channels\":[{\"peer_id\":\"" + ID + "\",\"short_channel_id\":\"103x1x0\","
                + "\"state\":\"CHANNELD_NORMAL\",\"total_msat\":1000000000,\"to_us_msat\":250000000}]}")))
                .containsExactly(new NodeAnswers.Channel(ID, "103x1x0", "CHANNELD_NORMAL", 1_000_000, 250_000));
    }

    @Test
    void lnd() throws Exception {
        var info = NodeAnswers.info(Implementation.LND, json("{\"identity_pubkey\":\"" + ID + "\",\"alias\":\"" + ID.substring(0, 20) + "\","
                + "\"num_peers\":2,\"num_active_channels\":1,\"num_pending_channels\":1,\"num_inactive_channels\":0,\"block_height\":205,"
                + "\"version\":\"0.21.3-beta\",\"chains\":[{\"chain\":\"bitcoin\",\"network\":\"regtest\"}],\"uris\":[\"" + ID + "@abc.onion:9735\"]}"));
        assertThat(info).isEqualTo(new NodeAnswers.Info(ID, ID.substring(0, 20), "regtest", 205, 2, 1, 1, 0, "0.21.3-beta", List.of("abc.onion:9735")));
        assertThat(NodeAnswers.address(Implementation.LND, json("{\"address\":\"bcrt1pexample\"}"))).isEqualTo("bcrt1pexample");
        assertThat(NodeAnswers.peers(Implementation.LND, json("{\"peers\":[{\"pub_key\":\"" + ID + "\",\"address\":\"10.0.1.6:9735\"}]}")))
                .containsExactly(new NodeAnswers.Peer(ID, true, "10.0.1.6:9735"));
        assertThat(NodeAnswers.channels(Implementation.LND, json("{\"channels\":[{\"remote_pubkey\":\"" + ID + "\",\"chan_id\":\"113249697726464\","
                + "\"active\":true,\"capacity\":\"1000000\",\"local_balance\":\"250000\"}]}")))
                .containsExactly(new NodeAnswers.Channel(ID, "113249697726464", "active", 1_000_000, 250_000));
    }
}
