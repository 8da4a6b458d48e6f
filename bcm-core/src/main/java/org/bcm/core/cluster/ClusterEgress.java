package org.bcm.core.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.cluster.Subnets.Cidr;
import org.bcm.core.port.InstanceServer;
import org.bcm.lxd.Network;
import org.bcm.lxd.NetworkAcl;
import org.bcm.lxd.NetworkSpec;

/**
 * Where the cluster's instances may connect to, enforced by LXD on the cluster's bridge (a network ACL,
 * LXD's nftables firewall driver):
 * <ul>
 *   <li>{@link Mode#TOR_ONLY}: the gateway host is the only instance that reaches beyond the cluster
 *       (its Tor); every other instance, and every container on it, reaches the other instances of the
 *       cluster's subnet and the bridge's DHCP and DNS, and nothing else (the host's other addresses and
 *       the outside are rejected). The bridge's DNS (LXD's dnsmasq) forwards only to the gateway Tor's
 *       DNSPort ({@code raw.dnsmasq}: {@code no-resolv}, {@code server=GATEWAY#9053}), so names are
 *       resolved through Tor and no query leaves in the clear.</li>
 *   <li>{@link Mode#DIRECT}: LXD's default, NAT to the outside.</li>
 * </ul>
 * The ACL is {@code <network>-egress}, labelled as the cluster's; the network's configuration keys are
 * {@code security.acls}, {@code security.acls.default.egress.action}, {@code security.acls.default.ingress.action}
 * and {@code raw.dnsmasq}. Applying a mode again changes nothing; the gateway host's address is
 * written again when it changed.
 */
final class ClusterEgress {

    /** The gateway Tor's DNSPort, published on the gateway host. */
    static final int TOR_DNS_PORT = 9053;

    /** The egress modes ({@code gateway.EGRESS}). */
    enum Mode {
        TOR_ONLY("tor-only"), DIRECT("direct");

        final String setting;

        Mode(String setting) {
            this.setting = setting;
        }

        static Mode of(String setting) {
            for (Mode mode : values()) {
                if (mode.setting.equals(setting)) {
                    return mode;
                }
            }
            throw new BcmException(Kind.INVALID_INPUT, "Unknown egress mode '" + setting + "'", "use tor-only or direct");
        }
    }

    private static final List<String> KEYS = List.of("security.acls", "security.acls.default.egress.action",
            "security.acls.default.ingress.action", "raw.dnsmasq");

    private final Progress progress;

    ClusterEgress(Progress progress) {
        this.progress = progress;
    }

    /**
     * Makes the cluster's network enforce {@code mode}.
     *
     * @param gatewayAddress the gateway host's IPv4 address on the cluster network
     */
    void apply(InstanceServer lxd, ClusterLayout layout, Mode mode, String gatewayAddress) {
        Network network = lxd.network(layout.network()).filter(n -> layout.owns(n.config())).orElseThrow(() -> new BcmException(
                Kind.NOT_FOUND, "The network " + layout.network() + " of cluster '" + layout.clusterName() + "' is missing",
                "run 'bcm cluster create --cluster-name=" + layout.clusterName() + "' again"));
        String acl = acl(layout);
        Map<String, String> config = new LinkedHashMap<>(network.config());
        KEYS.forEach(config::remove);
        if (mode == Mode.TOR_ONLY) {
            NetworkAcl wanted = wanted(layout, Cidr.parse(network.config().get("ipv4.address")), gatewayAddress);
            Optional<NetworkAcl> existing = lxd.networkAcl(acl);
            if (existing.isEmpty()) {
                progress.report("lxd", "creating network ACL " + acl + " (tor-only egress)");
                lxd.createNetworkAcl(wanted);
            } else if (!existing.get().egress().equals(wanted.egress()) || !existing.get().ingress().equals(wanted.ingress())) {
                progress.report("lxd", "updating network ACL " + acl + " (gateway host " + gatewayAddress + ")");
                lxd.updateNetworkAcl(wanted);
            }
            config.put("security.acls", acl);
            config.put("security.acls.default.egress.action", "reject");
            config.put("security.acls.default.ingress.action", "allow");
            config.put("raw.dnsmasq", "no-resolv\nserver=" + gatewayAddress + "#" + TOR_DNS_PORT);
        }
        if (!config.equals(network.config())) {
            progress.report("lxd", "network " + layout.network() + ": egress " + mode.setting);
            lxd.updateNetwork(new NetworkSpec(network.name(), network.type(), network.description(), config));
        }
        if (mode == Mode.DIRECT) {
            remove(lxd, layout);
        }
    }

    /** The mode the network enforces now. */
    static Mode current(Network network) {
        return network.config().containsKey("security.acls") ? Mode.TOR_ONLY : Mode.DIRECT;
    }

    /**
     * What is wrong with the network's egress: empty when it enforces its mode as it should for the
     * gateway host at {@code gatewayAddress}.
     */
    static List<String> problems(InstanceServer lxd, ClusterLayout layout, Network network, String gatewayAddress) {
        List<String> problems = new ArrayList<>();
        if (current(network) == Mode.DIRECT) {
            return problems;
        }
        Optional<NetworkAcl> acl = lxd.networkAcl(acl(layout));
        if (!acl(layout).equals(network.config().get("security.acls")) || acl.isEmpty()) {
            problems.add("the network applies " + network.config().get("security.acls") + ", not the ACL " + acl(layout));
        } else if (!acl.get().egress().equals(wanted(layout, Cidr.parse(network.config().get("ipv4.address")), gatewayAddress).egress())) {
            problems.add("the ACL " + acl(layout) + " does not let out the gateway host at " + gatewayAddress + " only");
        }
        if (!"reject".equals(network.config().get("security.acls.default.egress.action"))) {
            problems.add("the network's default egress action is not reject");
        }
        if (!network.config().getOrDefault("raw.dnsmasq", "").contains("server=" + gatewayAddress + "#" + TOR_DNS_PORT)) {
            problems.add("the network's DNS does not forward to the gateway's Tor");
        }
        return problems;
    }

    /** Deletes the cluster's ACL when it exists (a network no longer applies it). */
    static List<String> remove(InstanceServer lxd, ClusterLayout layout) {
        if (lxd.networkAcl(acl(layout)).filter(a -> layout.owns(a.config())).isEmpty()) {
            return List.of();
        }
        lxd.deleteNetworkAcl(acl(layout));
        return List.of("network ACL " + acl(layout));
    }

    static String acl(ClusterLayout layout) {
        return layout.network() + "-egress";
    }

    private static NetworkAcl wanted(ClusterLayout layout, Cidr subnet, String gatewayAddress) {
        List<NetworkAcl.Rule> egress = List.of(
                new NetworkAcl.Rule("allow", gatewayAddress + "/32", "", "the gateway host: its Tor reaches the Tor network"),
                new NetworkAcl.Rule("allow", "", subnet.host(2) + "-" + subnet.host(subnet.size() - 2),
                        "the cluster's instances (not the host's address on the bridge)"));
        return new NetworkAcl(acl(layout), "bcm cluster " + layout.clusterName() + ": tor-only egress", egress, List.of(),
                layout.sharedLabels());
    }
}
