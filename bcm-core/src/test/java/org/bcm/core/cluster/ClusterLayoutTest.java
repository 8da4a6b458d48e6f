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
}
