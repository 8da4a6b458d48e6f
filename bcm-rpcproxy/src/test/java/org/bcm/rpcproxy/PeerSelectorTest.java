package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Peer choice from getpeerinfo of every Core version: lenient, outbound full-relay NETWORK peers, fastest first. */
class PeerSelectorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void onlyOutboundFullRelayPeersServingFullBlocksFastestFirst() throws Exception {
        String peers = """
            [
             {"id":1,"addr":"a:8333","inbound":true,"connection_type":"inbound","servicesnames":["NETWORK","WITNESS"],"pingtime":0.001},
             {"id":2,"addr":"b:8333","inbound":false,"connection_type":"block-relay-only","servicesnames":["NETWORK","WITNESS"],"pingtime":0.002},
             {"id":3,"addr":"c:8333","inbound":false,"connection_type":"outbound-full-relay","servicesnames":["WITNESS","NETWORK_LIMITED"],"pingtime":0.003},
             {"id":4,"addr":"d:8333","inbound":false,"connection_type":"outbound-full-relay","servicesnames":["NETWORK","WITNESS","NETWORK_LIMITED"],"pingtime":0.2},
             {"id":5,"addr":"e:8333","inbound":false,"connection_type":"manual","servicesnames":["NETWORK","WITNESS"],"pingtime":0.05},
             {"id":6,"addr":"f:8333","inbound":false,"connection_type":"outbound-full-relay","servicesnames":["NETWORK"]},
             {"id":7,"addr":"g:8333","inbound":false,"connection_type":"feeler","servicesnames":["NETWORK"],"pingtime":0.0001},
             {"id":8,"addr":"h:8333","inbound":false,"connection_type":"addr-fetch","servicesnames":["NETWORK"],"pingtime":0.0001},
             {"id":9,"inbound":false,"connection_type":"outbound-full-relay","servicesnames":["NETWORK"],"pingtime":"bogus"},
             {"addr":"no id"}, 7, null
            ]""";
        assertThat(PeerSelector.candidates(JSON.readTree(peers), Set.of()))
                .extracting(PeerSelector.Candidate::id).containsExactly(5L, 4L, 6L, 9L);
        assertThat(PeerSelector.candidates(JSON.readTree(peers), Set.of(5L, 6L)))
                .extracting(PeerSelector.Candidate::id).containsExactly(4L, 9L);
    }

    @Test
    void fieldsOfOldAndNewCoreVersionsAreRead() throws Exception {
        // Core 0.18: no connection_type, no servicesnames (services hex), addnode/banscore/whitelisted present
        String old = """
            [{"id":1,"addr":"a","services":"000000000000040d","inbound":false,"addnode":false,"banscore":0,"whitelisted":false,"pingtime":0.1},
             {"id":2,"addr":"b","services":"0000000000000408","inbound":false,"pingtime":0.01},
             {"id":3,"addr":"c","services":"000000000000040d","inbound":true,"pingtime":0.01}]""";
        assertThat(PeerSelector.candidates(JSON.readTree(old), Set.of())).extracting(PeerSelector.Candidate::id).containsExactly(1L);
        // Core 31: no startingheight; unknown new fields ignored
        String recent = """
            [{"id":11,"addr":"x","inbound":false,"connection_type":"outbound-full-relay","servicesnames":["NETWORK","P2P_V2"],
              "pingtime":0.03,"transport_protocol_type":"v2","session_id":"ab","new_field":{"a":[1]}}]""";
        assertThat(PeerSelector.candidates(JSON.readTree(recent), Set.of())).extracting(PeerSelector.Candidate::id).containsExactly(11L);
        assertThat(PeerSelector.candidates(JSON.readTree("{}"), Set.of())).isEmpty();
        assertThat(PeerSelector.candidates(null, Set.of())).isEmpty();
    }
}
