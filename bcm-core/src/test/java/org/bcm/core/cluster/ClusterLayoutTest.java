package org.bcm.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.bcm.core.BcmException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ClusterLayoutTest {

    @ParameterizedTest
    @ValueSource(strings = {"local", "a", "dev-1", "abcdefghijk"})
    void acceptsNamesThatFitAnInterfaceName(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        assertThat(layout.network().length()).isLessThanOrEqualTo(15);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Local", "1abc", "abc-", "-abc", "abcdefghijkl", "a_b", "a.b", "a b"})
    void rejectsInvalidNamesWithAHint(String name) {
        assertThatThrownBy(() -> new ClusterLayout(name))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("'" + name + "'");
                    assertThat(e.hint()).contains("lower-case");
                });
    }

    @Test
    void derivesEveryNameAndLabelFromTheClusterName() {
        ClusterLayout layout = new ClusterLayout("dev");
        assertThat(layout.lxdProject()).isEqualTo("bcm-dev");
        assertThat(layout.network()).isEqualTo("bcm-dev");
        assertThat(layout.storagePool()).isEqualTo("bcm-dev");
        assertThat(layout.tierLabels(Tier.KAFKA)).containsEntry("user.bcm.cluster", "dev").containsEntry("user.bcm.tier", "kafka");
        assertThat(layout.sharedLabels()).containsEntry("user.bcm.tier", "all");
    }

    @Test
    void tierHostsAreNamedPerTierAndOrderedGatewayFirst() {
        var hosts = ClusterLayout.tierHosts(Map.of(Tier.BITCOIN, 2, Tier.GATEWAY, 1, Tier.KAFKA, 1));
        assertThat(hosts).extracting(ClusterLayout.TierHost::instanceName)
                .containsExactly("bcm-gateway-01", "bcm-kafka-01", "bcm-bitcoin-01", "bcm-bitcoin-02");
    }

    @Test
    void tierHostProfileHasNestingAndTheClusterDevices() {
        var profile = ClusterProvisioner.tierHostProfile(new ClusterLayout("dev"));
        assertThat(profile.config()).containsEntry("security.nesting", "true").containsEntry("user.bcm.cluster", "dev");
        assertThat(profile.devices().get("root")).containsEntry("pool", "bcm-dev");
        assertThat(profile.devices().get("eth0")).containsEntry("network", "bcm-dev");
    }

    @Test
    void anAddedEndpointsTierHostsSortAfterTheFirstEndpointsAndItsProfileIsOnTheLan() {
        ClusterDefinition.AddedEndpoint nuc2 = new ClusterDefinition.AddedEndpoint("nuc2", "ssh", "https://10.0.0.2:8443",
                new ClusterDefinition.SshTarget("10.0.0.2", "root", 22), "enp3s0", Map.of(Tier.BITCOIN, 2, Tier.GATEWAY, 1));
        assertThat(nuc2.tierHosts()).extracting(ClusterLayout.TierHost::instanceName)
                .containsExactly("bcm-gateway-nuc2-01", "bcm-bitcoin-nuc2-01", "bcm-bitcoin-nuc2-02");
        assertThat("bcm-gateway-09").as("a tier's first host stays on the first endpoint").isLessThan("bcm-gateway-nuc2-01");
        assertThat(ClusterProvisioner.addedHostProfile(new ClusterLayout("dev"), nuc2).devices().get("eth0"))
                .containsEntry("nictype", "macvlan").containsEntry("parent", "enp3s0").doesNotContainKey("network");
    }

    @Test
    void managersSpreadOverThreeEndpointsWithAGatewayHostElseStayOnTheFirst() {
        ClusterDefinition one = new ClusterDefinition("dev", "local", "unix:///x", "172.27.1.0/24", null, null, null, null, null);
        assertThat(one.swarmManagers()).containsExactly("bcm-gateway-01");
        ClusterDefinition two = one.withAddedEndpoint(added("nuc2", Map.of(Tier.GATEWAY, 1, Tier.BITCOIN, 1)))
                .withAddedEndpoint(added("nuc3", Map.of(Tier.BITCOIN, 1)));
        assertThat(two.swarmManagers()).as("two managers would need both").containsExactly("bcm-gateway-01");
        ClusterDefinition three = two.withAddedEndpoint(added("nuc4", Map.of(Tier.GATEWAY, 2))).withAddedEndpoint(added("nuc5", Map.of(Tier.GATEWAY, 1)));
        assertThat(three.swarmManagers()).containsExactly("bcm-gateway-01", "bcm-gateway-nuc2-01", "bcm-gateway-nuc4-01");
        assertThat(three.withoutAddedEndpoint("nuc2").swarmManagers()).containsExactly("bcm-gateway-01", "bcm-gateway-nuc4-01", "bcm-gateway-nuc5-01");
        assertThat(three.withAddedEndpoint(added("nuc2", Map.of(Tier.GATEWAY, 1))).swarmManagers()).as("a rerun keeps the order")
                .containsExactly("bcm-gateway-01", "bcm-gateway-nuc2-01", "bcm-gateway-nuc4-01");
    }

    private static ClusterDefinition.AddedEndpoint added(String name, Map<Tier, Integer> hosts) {
        return new ClusterDefinition.AddedEndpoint(name, "lxd", "https://" + name + ":8443", null, "eth0", hosts);
    }

    @Test
    void aFirstEndpointsLanNicIsABridgePortOnABridgeElseAMacvlan() {
        ClusterLayout layout = new ClusterLayout("dev");
        assertThat(ClusterProvisioner.tierHostProfile(layout, null, false).devices()).containsOnlyKeys("root", "eth0");
        assertThat(ClusterProvisioner.tierHostProfile(layout, "br0", true).devices().get("eth1"))
                .containsEntry("nictype", "bridged").containsEntry("parent", "br0").containsEntry("name", "eth1");
        assertThat(ClusterProvisioner.tierHostProfile(layout, "enp3s0", false).devices().get("eth1"))
                .containsEntry("nictype", "macvlan").containsEntry("parent", "enp3s0");
        assertThat(ClusterProvisioner.tierHostProfile(layout, "enp3s0", false).devices().get("eth0"))
                .as("eth0 stays on the cluster's bridge").containsEntry("network", "bcm-dev");
    }

    @ParameterizedTest
    @ValueSource(strings = {"first", "", "Nuc", "1nuc", "nuc-", "abcdefghijklm", "a_b"})
    void rejectsInvalidEndpointNames(String name) {
        assertThatThrownBy(() -> ClusterDefinition.validateEndpointName(name))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT));
    }

    @Test
    void anEndpointAddedByHostNameIsNamedByItsFirstLabel() {
        assertThat(ClusterDefinition.endpointNameOf("NUC2.lan", 2)).isEqualTo("nuc2");
        assertThat(ClusterDefinition.endpointNameOf("lexx", 3)).isEqualTo("lexx");
        assertThat(ClusterDefinition.endpointNameOf("192.168.1.20", 2)).isEqualTo("endpoint2");
        assertThat(ClusterDefinition.endpointNameOf("first.lan", 4)).isEqualTo("endpoint4");
        assertThat(ClusterDefinition.endpointNameOf("a-very-long-host-name", 2)).isEqualTo("endpoint2");
    }
}
