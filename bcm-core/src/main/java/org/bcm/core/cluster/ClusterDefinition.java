package org.bcm.core.cluster;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;

/**
 * What the operator asked for when creating a cluster, as stored in
 * {@code clusters/NAME/cluster.yml}. The live LXD labels, not this file, say what exists.
 *
 * @param name         the cluster name ({@link ClusterLayout#validateName})
 * @param provider     where the cluster runs: {@code local} (the LXD daemon on this machine), {@code lxd}
 *                     (a remote LXD that was already set up) or {@code ssh} (a host bcm set up over SSH)
 * @param endpoint     the LXD endpoint, e.g. {@code unix:///var/lib/lxd/unix.socket} or {@code https://192.168.1.20:8443}
 * @param subnet       the IPv4 subnet of the cluster's bridge network, CIDR, e.g. {@code 172.27.1.0/24}
 * @param hostsPerTier how many system containers each tier has
 * @param createdAt    when the definition was first written
 * @param ssh          for provider {@code ssh}: the host bcm logs in to; else null
 * @param lanInterface the first endpoint's LAN interface ({@code create --parent-interface}), e.g.
 *                     {@code enp3s0}: each of its tier hosts gets a second NIC {@value #LAN_NIC}, a
 *                     {@code macvlan} on it with an address from the LAN's DHCP, and the swarm runs on
 *                     those addresses (advertise and data path), so overlay traffic to added endpoints
 *                     crosses no NAT; null: the swarm runs on the cluster's bridge
 * @param addedEndpoints the endpoints added with {@code bcm cluster add-endpoint}, in the order added;
 *                     never null ({@link AddedEndpoint}). The endpoint above is the cluster's first:
 *                     its network, its swarm manager and the volumes of the shipped stacks live there.
 */
public record ClusterDefinition(
        String name,
        String provider,
        String endpoint,
        String subnet,
        Map<Tier, Integer> hostsPerTier,
        Instant createdAt,
        SshTarget ssh,
        String lanInterface,
        List<AddedEndpoint> addedEndpoints) {

    /** The LXD daemon on this machine, through its unix socket. */
    public static final String LOCAL_PROVIDER = "local";
    /** A remote LXD already listening on HTTPS, joined with a trust token. */
    public static final String LXD_PROVIDER = "lxd";
    /** A host bcm logs in to with SSH, installs and initialises LXD on, then drives over HTTPS. */
    public static final String SSH_PROVIDER = "ssh";

    /**
     * Where bcm logs in for provider {@code ssh}.
     *
     * @param hostname host name or address
     * @param user     the login name
     * @param port     the SSH port
     */
    public record SshTarget(String hostname, String user, int port) {
    }

    /** The name, inside a first endpoint's tier host, of its NIC on the LAN when the cluster has a {@code lanInterface}. */
    public static final String LAN_NIC = "eth1";

    /** The swarm label {@code bcm.endpoint} value of the first endpoint's nodes. */
    public static final String FIRST_ENDPOINT = "first";

    /** Endpoint names: lower-case letters, digits and inner hyphens, at most 12 characters. */
    private static final Pattern ENDPOINT_NAME = Pattern.compile("[a-z]([a-z0-9-]{0,10}[a-z0-9])?");

    /**
     * An endpoint added to the cluster ({@code bcm cluster add-endpoint}). Its tier hosts live in the
     * cluster's LXD project there, named {@code bcm-<tier>-<name>-<NN>} (after the first endpoint's
     * {@code bcm-<tier>-<NN>} when sorted, so a tier's first host stays on the first endpoint), and get
     * their address from the endpoint's LAN: a {@code macvlan} NIC on {@code parentInterface}. Their
     * swarm nodes are workers labelled {@code bcm.tier}, {@code bcm.cluster} and {@code bcm.endpoint=<name>}.
     *
     * @param name            the endpoint's name in the cluster ({@link #validateEndpointName}), never {@value #FIRST_ENDPOINT}
     * @param provider        {@code lxd} or {@code ssh}
     * @param endpoint        {@code https://HOST:PORT}
     * @param ssh             for provider {@code ssh}: the host bcm logs in to; else null
     * @param parentInterface the endpoint's network interface its tier hosts' macvlan NICs sit on, e.g. {@code eth0}
     * @param hostsPerTier    how many tier hosts of each tier it holds
     */
    public record AddedEndpoint(String name, String provider, String endpoint, SshTarget ssh, String parentInterface,
            Map<Tier, Integer> hostsPerTier) {

        public AddedEndpoint {
            validateEndpointName(name);
            hostsPerTier = hostsPerTier == null ? Map.of() : Map.copyOf(hostsPerTier);
        }

        /** This endpoint holding {@code counts} tier hosts per tier. */
        public AddedEndpoint withHostsPerTier(Map<Tier, Integer> counts) {
            return new AddedEndpoint(name, provider, endpoint, ssh, parentInterface, counts);
        }

        /** Its tier hosts, in tier order. */
        public List<ClusterLayout.TierHost> tierHosts() {
            return ClusterLayout.tierHosts(hostsPerTier, this.name);
        }
    }

    public ClusterDefinition {
        ClusterLayout.validateName(name);
        hostsPerTier = hostsPerTier == null ? defaultHostsPerTier() : Map.copyOf(hostsPerTier);
        addedEndpoints = addedEndpoints == null ? List.of() : List.copyOf(addedEndpoints);
    }

    /**
     * Checks the name of an added endpoint.
     *
     * @throws BcmException INVALID_INPUT naming the rule
     */
    public static void validateEndpointName(String name) {
        if (name == null || !ENDPOINT_NAME.matcher(name).matches() || FIRST_ENDPOINT.equals(name)) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "Invalid endpoint name '" + name + "'",
                    "use 1 to 12 lower-case letters, digits or inner hyphens, starting with a letter, not '" + FIRST_ENDPOINT + "'");
        }
    }

    /**
     * Checks a network interface name of an endpoint ({@code --parent-interface}).
     *
     * @throws BcmException INVALID_INPUT naming the rule
     */
    public static void validateInterfaceName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "Invalid --parent-interface '" + name + "'",
                    "give the endpoint's LAN interface, e.g. eth0 or enp3s0 (at most 15 characters)");
        }
    }

    /**
     * The name an endpoint added by host name gets ({@code bcm cluster create --hostname=a --hostname=b}):
     * the host name's first label, lower-case, when it is a valid endpoint name (e.g. {@code nuc2} for
     * {@code NUC2.lan}), else {@code endpoint<position>} (e.g. an IP address).
     *
     * @param position the endpoint's place in the cluster, 2 for the first one added
     */
    public static String endpointNameOf(String hostname, int position) {
        String label = hostname.split("\\.", 2)[0].toLowerCase(java.util.Locale.ROOT);
        return ENDPOINT_NAME.matcher(label).matches() && !FIRST_ENDPOINT.equals(label) ? label : "endpoint" + position;
    }

    /** The added endpoint of that name. */
    public Optional<AddedEndpoint> addedEndpoint(String endpointName) {
        return addedEndpoints.stream().filter(e -> e.name().equals(endpointName)).findFirst();
    }

    /** This definition with {@code endpoint} added last, or replacing the added endpoint of its name where it is. */
    public ClusterDefinition withAddedEndpoint(AddedEndpoint endpoint) {
        List<AddedEndpoint> all = new java.util.ArrayList<>(addedEndpoints.stream()
                .map(e -> e.name().equals(endpoint.name()) ? endpoint : e).toList());
        if (addedEndpoint(endpoint.name()).isEmpty()) {
            all.add(endpoint);
        }
        return new ClusterDefinition(name, provider, this.endpoint, subnet, hostsPerTier, createdAt, ssh, lanInterface, all);
    }

    /** How many endpoints with a gateway tier host it takes for managers on several: three, so that one may fail. */
    public static final int MANAGER_ENDPOINTS = 3;

    /**
     * The tier hosts that are swarm managers: the first gateway host of each of the first
     * {@value #MANAGER_ENDPOINTS} endpoints that have one (the first endpoint, then added ones in the
     * order added) when that many do, so that the swarm survives the loss of one endpoint; else the
     * first endpoint's alone. Two managers would need both for a quorum: less tolerant than one.
     *
     * @return instance names, e.g. {@code [bcm-gateway-01, bcm-gateway-nuc2-01, bcm-gateway-nuc3-01]}
     */
    public List<String> swarmManagers() {
        List<String> candidates = new java.util.ArrayList<>();
        ClusterLayout.tierHosts(hostsPerTier).stream().filter(h -> h.tier() == Tier.GATEWAY).findFirst()
                .ifPresent(h -> candidates.add(h.instanceName()));
        for (AddedEndpoint added : addedEndpoints) {
            added.tierHosts().stream().filter(h -> h.tier() == Tier.GATEWAY).findFirst().ifPresent(h -> candidates.add(h.instanceName()));
        }
        return List.copyOf(candidates.size() >= MANAGER_ENDPOINTS ? candidates.subList(0, MANAGER_ENDPOINTS)
                : candidates.subList(0, Math.min(1, candidates.size())));
    }

    /** This definition with the first endpoint holding {@code counts} tier hosts per tier. */
    public ClusterDefinition withHostsPerTier(Map<Tier, Integer> counts) {
        return new ClusterDefinition(name, provider, endpoint, subnet, counts, createdAt, ssh, lanInterface, addedEndpoints);
    }

    /** This definition without the added endpoint of that name. */
    public ClusterDefinition withoutAddedEndpoint(String endpointName) {
        return new ClusterDefinition(name, provider, endpoint, subnet, hostsPerTier, createdAt, ssh, lanInterface,
                addedEndpoints.stream().filter(e -> !e.name().equals(endpointName)).toList());
    }

    /** One host in each tier. */
    public static Map<Tier, Integer> defaultHostsPerTier() {
        Map<Tier, Integer> counts = new EnumMap<>(Tier.class);
        for (Tier tier : Tier.values()) {
            counts.put(tier, 1);
        }
        return counts;
    }

    /** Whether the endpoint is a remote LXD over HTTPS (providers {@code lxd} and {@code ssh}). */
    public boolean remote() {
        return isRemote(endpoint);
    }

    /** Whether an endpoint, as a definition records it, is a remote LXD over HTTPS. */
    static boolean isRemote(String endpoint) {
        return endpoint != null && endpoint.startsWith("https://");
    }

    public ClusterLayout layout() {
        return new ClusterLayout(name);
    }
}
