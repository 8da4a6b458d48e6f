package org.bcm.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.bcm.core.cluster.Subnets.Cidr;
import org.junit.jupiter.api.Test;

class SubnetsTest {

    @Test
    void parsesAndClearsHostBits() {
        assertThat(Cidr.parse("172.27.1.1/24")).hasToString("172.27.1.0/24");
        assertThat(Cidr.parse("10.0.0.0/8").host(1)).isEqualTo("10.0.0.1");
        assertThatThrownBy(() -> Cidr.parse("300.1.1.1/24")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidr.parse("fd00::/64")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void overlapUsesTheShorterPrefix() {
        assertThat(Cidr.parse("172.16.0.0/12").overlaps(Cidr.parse("172.27.5.0/24"))).isTrue();
        assertThat(Cidr.parse("172.27.5.0/24").overlaps(Cidr.parse("172.27.6.0/24"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").overlaps(Cidr.parse("192.0.2.0/24"))).isTrue();
    }

    @Test
    void firstFreeSkipsEverythingUsed() {
        assertThat(Subnets.firstFree(List.of())).contains(Cidr.parse("172.27.1.0/24"));
        assertThat(Subnets.firstFree(List.of(Cidr.parse("172.27.1.1/24"), Cidr.parse("172.27.2.0/23"))))
                .contains(Cidr.parse("172.27.4.0/24"));
        assertThat(Subnets.firstFree(List.of(Cidr.parse("172.27.0.0/16")))).contains(Cidr.parse("172.28.1.0/24"));
    }

    @Test
    void firstFreeIsEmptyWhenEveryCandidateIsTaken() {
        List<Cidr> used = new ArrayList<>(List.of(Cidr.parse("172.16.0.0/12")));
        assertThat(Subnets.firstFree(used)).isEmpty();
    }

    @Test
    void readsTheKernelRoutingTable() {
        List<String> table = List.of(
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
                "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
                "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
                "tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0");
        assertThat(Subnets.parseProcNetRoute(table)).containsExactly(Cidr.parse("192.0.2.0/24"), Cidr.parse("10.0.0.0/8"));
    }
}
