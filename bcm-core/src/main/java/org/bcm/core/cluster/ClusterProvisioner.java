package org.bcm.core.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.core.cluster.Subnets.Cidr;
import org.bcm.core.image.BaseImage;
import org.bcm.core.image.ImageRecipe;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.PendingOperation;
import org.bcm.core.port.Ports;
import org.bcm.lxd.ImageSource;
import org.bcm.lxd.Instance;
import org.bcm.lxd.InstanceAction;
import org.bcm.lxd.InstanceSpec;
import org.bcm.lxd.Network;
import org.bcm.lxd.NetworkSpec;
import org.bcm.lxd.Profile;
import org.bcm.lxd.ProfileSpec;
import org.bcm.lxd.ProjectSpec;
import org.bcm.lxd.StoragePoolSpec;

/**
 * The ensure steps of {@code bcm cluster create}: each looks at what LXD has (by the cluster's labels)
 * and creates or corrects only what differs, so a create killed at any point is finished by the next.
 * In order: no foreign object under the cluster's names, the subnet, the storage pool, the network, the
 * LXD project, the tier-host profile, the instances (created, labelled, started), their addresses, the
 * registry forwarding, the swarm ({@link SwarmBootstrap}).
 */
final class ClusterProvisioner {

    private static final String REGISTRY_DEVICE = "registry";
    private static final String KAFKA_DEVICE = "kafka";

    /** Where a tier host's systemd-networkd reads {@link #LAN_NETWORK}. */
    static final String LAN_NETWORK_FILE = "/etc/systemd/network/20-" + ClusterDefinition.LAN_NIC + ".network";
    /**
     * systemd-networkd's configuration of {@value ClusterDefinition#LAN_NIC}: an address from the LAN's
     * DHCP, and nothing else from it: the default route, DNS and other routes stay on {@code eth0} (the
     * cluster's bridge, where its egress mode applies). Pushed before the tier host first starts.
     */
    static final String LAN_NETWORK = """
            [Match]
            Name=%s

            [Network]
            DHCP=ipv4
            LinkLocalAddressing=no

            [DHCPv4]
            UseGateway=false
            UseRoutes=false
            UseDNS=false
            UseNTP=false
            UseHostname=false
            """.formatted(ClusterDefinition.LAN_NIC);

    private final ClusterStore store;
    private final Ports ports;
    private final ClusterTimeouts timeouts;
    private final Progress progress;

    ClusterProvisioner(ClusterStore store, Ports ports, ClusterTimeouts timeouts, Progress progress) {
        this.store = store;
        this.ports = ports;
        this.timeouts = timeouts;
        this.progress = progress;
    }

    /**
     * Converges the cluster on {@code lxd} to its definition, storing the definition first.
     *
     * @param requested    name, provider, endpoint and SSH target; subnet, host counts and creation
     *                     time come from the stored definition when there is one
     * @param controllerId on a remote endpoint, this controller's {@link RemoteEndpoint#CONTROLLER_LABEL}
     *                     value (the caller checked that no other controller manages it); null on the local one
     * @throws BcmException CONFLICT, HOST_PREREQUISITE (image build), DOCKER_FAILED, TIMEOUT; adapter
     *     exceptions pass through
     */
    ClusterDefinition create(InstanceServer lxd, ClusterDefinition requested, String controllerId) {
        String name = requested.name();
        ClusterLayout layout = new ClusterLayout(name);
        requireNoForeignObjects(lxd, layout);
        Instant started = Instant.now();
        ClusterDefinition stored = store.load(name).orElse(null);
        String subnet = chooseSubnet(lxd, layout, stored);
        ClusterDefinition definition = new ClusterDefinition(name, requested.provider(), requested.endpoint(), subnet,
                stored == null ? ClusterDefinition.defaultHostsPerTier() : stored.hostsPerTier(),
                stored == null ? Instant.now() : stored.createdAt(), requested.ssh(), requested.lanInterface(),
                stored == null ? null : stored.addedEndpoints());
        store.save(definition);
        store.setActiveCluster(name);

        ensureNetwork(lxd, layout, Cidr.parse(subnet));
        List<TierHost> hosts = ClusterLayout.tierHosts(definition.hostsPerTier());
        InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
        String lan = definition.lanInterface();
        Map<TierHost, String> addresses = ensureTierHosts(lxd, layout, controllerId,
                tierHostProfile(layout, lan, lan != null && lxd.network(lan).filter(n -> "bridge".equals(n.type())).isPresent()),
                hosts, definition.remote());
        // the swarm runs on the LAN NIC when there is one: endpoints added later reach it without NAT
        Map<TierHost, String> swarmAddresses = lan == null ? addresses
                : awaitAddresses(inProject, hosts, ClusterDefinition.LAN_NIC);
        ensureForwarding(inProject, hosts, Tier.GATEWAY, firstAddress(hosts, addresses, Tier.GATEWAY), ClusterService.REGISTRY_PORT,
                REGISTRY_DEVICE, "the registry");
        ensureForwarding(inProject, hosts, Tier.KAFKA, firstAddress(hosts, addresses, Tier.KAFKA), ClusterService.KAFKA_PORT,
                KAFKA_DEVICE, "Kafka");
        try (TierHostEngines engines = new TierHostEngines(store.home(), definition, inProject, ports)) {
            new SwarmBootstrap(layout, store.home(), timeouts, progress).converge(engines, hosts, swarmAddresses, addresses);
        }
        progress.report("cluster", "cluster '" + name + "' is up (" + Duration.between(started, Instant.now()).toSeconds() + " s)");
        return definition;
    }

    /**
     * Converges the tier hosts of an added endpoint: the base image, the storage pool, the cluster's
     * LXD project and its tier-host profile (a macvlan NIC on the endpoint's LAN instead of the
     * cluster's bridge, which lives on the first endpoint), the instances, their addresses, and the
     * forwarding of the registry and Kafka to the first endpoint's hosts. The caller joins them to the swarm.
     *
     * @param lxd         the added endpoint, trusting this controller
     * @param firstHosts  the first endpoint's addresses of its tiers' first hosts (gateway and kafka)
     * @return each added tier host's address on the LAN
     * @throws BcmException CONFLICT (a project or pool of the cluster's name there that bcm did not
     *     create for it), TIMEOUT (no address from the LAN's DHCP), HOST_PREREQUISITE (image build)
     */
    Map<TierHost, String> ensureAdded(InstanceServer lxd, ClusterLayout layout, ClusterDefinition.AddedEndpoint endpoint,
            String controllerId, Map<Tier, String> firstHosts) {
        requireNoForeignObjects(lxd, layout);
        List<TierHost> hosts = endpoint.tierHosts();
        Map<TierHost, String> addresses = ensureTierHosts(lxd, layout, controllerId, addedHostProfile(layout, endpoint), hosts, true);
        InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
        ensureForwarding(inProject, hosts, null, firstHosts.get(Tier.GATEWAY), ClusterService.REGISTRY_PORT, REGISTRY_DEVICE, "the registry");
        ensureForwarding(inProject, hosts, null, firstHosts.get(Tier.KAFKA), ClusterService.KAFKA_PORT, KAFKA_DEVICE, "Kafka");
        return addresses;
    }

    /** The image, storage pool, LXD project, profile and instances of {@code hosts}, started; returns their addresses. */
    private Map<TierHost, String> ensureTierHosts(InstanceServer lxd, ClusterLayout layout, String controllerId, ProfileSpec profile,
            List<TierHost> hosts, boolean remote) {
        String image = new BaseImage(ImageRecipe.baseImage(), store.home().imageCacheDir(), progress).ensure(lxd);
        ensureStoragePool(lxd, layout);
        ensureLxdProject(lxd, layout, controllerId);
        InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
        ensureProfile(inProject, profile);
        ensureInstances(inProject, layout, hosts, image, remote, profile.devices().containsKey(ClusterDefinition.LAN_NIC));
        return awaitAddresses(inProject, hosts, "eth0");
    }

    /** The address of the tier's first host, or null when the tier has none. */
    private static String firstAddress(List<TierHost> hosts, Map<TierHost, String> addresses, Tier tier) {
        return hosts.stream().filter(h -> h.tier() == tier).map(addresses::get).findFirst().orElse(null);
    }

    private static void requireNoForeignObjects(InstanceServer lxd, ClusterLayout layout) {
        List<String> foreign = new ArrayList<>();
        lxd.lxdProject(layout.lxdProject()).filter(p -> !layout.owns(p.config())).ifPresent(p -> foreign.add("LXD project '" + p.name() + "'"));
        lxd.network(layout.network()).filter(n -> !layout.owns(n.config())).ifPresent(n -> foreign.add("network '" + n.name() + "'"));
        lxd.storagePool(layout.storagePool()).filter(s -> !layout.owns(s.config())).ifPresent(s -> foreign.add("storage pool '" + s.name() + "'"));
        if (!foreign.isEmpty()) {
            throw new BcmException(Kind.CONFLICT,
                    "Cluster '" + layout.clusterName() + "' cannot be created: LXD already has " + String.join(", ", foreign)
                            + " not created by bcm for this cluster",
                    "choose another --cluster-name, or remove or rename those LXD objects");
        }
    }

    /** The network's subnet when it exists; else the stored one if still free; else the first free /24. */
    private static String chooseSubnet(InstanceServer lxd, ClusterLayout layout, ClusterDefinition stored) {
        Optional<String> existing = lxd.network(layout.network()).map(n -> n.config().get("ipv4.address"));
        if (existing.isPresent() && existing.get() != null && !existing.get().isBlank()) {
            return Cidr.parse(existing.get()).toString();
        }
        List<Cidr> used = new ArrayList<>(Subnets.hostNetworks());
        for (Network network : lxd.networks()) {
            String address = network.config().get("ipv4.address");
            if (address != null && address.contains("/")) {
                used.add(Cidr.parse(address));
            }
        }
        if (stored != null && stored.subnet() != null) {
            Cidr wanted = Cidr.parse(stored.subnet());
            if (used.stream().noneMatch(wanted::overlaps)) {
                return wanted.toString();
            }
        }
        return Subnets.firstFree(used).map(Cidr::toString).orElseThrow(() -> new BcmException(Kind.CONFLICT,
                "No free /24 subnet left in 172.27.0.0/16-172.31.0.0/16 for the cluster network",
                "destroy clusters you no longer need"));
    }

    private void ensureStoragePool(InstanceServer lxd, ClusterLayout layout) {
        if (lxd.storagePool(layout.storagePool()).isEmpty()) {
            progress.report("lxd", "creating storage pool " + layout.storagePool());
            lxd.createStoragePool(new StoragePoolSpec(layout.storagePool(), "dir",
                    "bcm cluster " + layout.clusterName(), layout.sharedLabels()));
        }
    }

    private void ensureNetwork(InstanceServer lxd, ClusterLayout layout, Cidr subnet) {
        if (lxd.network(layout.network()).isEmpty()) {
            progress.report("lxd", "creating network " + layout.network() + " (" + subnet + ")");
            Map<String, String> config = new HashMap<>(layout.sharedLabels());
            config.put("ipv4.address", subnet.host(1) + "/" + subnet.prefix());
            config.put("ipv4.nat", "true");
            config.put("ipv6.address", "none");
            lxd.createNetwork(new NetworkSpec(layout.network(), "bridge", "bcm cluster " + layout.clusterName(), config));
        }
    }

    private void ensureLxdProject(InstanceServer lxd, ClusterLayout layout, String controllerId) {
        if (lxd.lxdProject(layout.lxdProject()).isEmpty()) {
            progress.report("lxd", "creating LXD project " + layout.lxdProject());
            Map<String, String> config = new HashMap<>(layout.sharedLabels());
            if (controllerId != null) {
                config.put(RemoteEndpoint.CONTROLLER_LABEL, controllerId);
            }
            // Images come from the default LXD project (the base image is shared by every cluster);
            // profiles and volumes are the cluster's own.
            config.put("features.images", "false");
            config.put("features.profiles", "true");
            config.put("features.storage.volumes", "true");
            lxd.createLxdProject(new ProjectSpec(layout.lxdProject(), "bcm cluster " + layout.clusterName(), config));
        }
    }

    /**
     * The first endpoint's tier-host profile: Docker needs nesting and the syscalls LXD intercepts for
     * it; {@code eth0} on the cluster's bridge; with a {@code lanInterface}, also {@value ClusterDefinition#LAN_NIC}
     * on it: a port of it when it is a bridge (a server's {@code br0}: the endpoint itself reaches its
     * tier hosts there), else a macvlan NIC (the endpoint does not reach a macvlan child of its own
     * interface; bcm never needs to: it uses the cluster's bridge and LXD).
     *
     * @param lanIsBridge whether the endpoint reports {@code lanInterface} as a bridge (LXD: GET /1.0/networks/NAME, {@code type})
     */
    static ProfileSpec tierHostProfile(ClusterLayout layout, String lanInterface, boolean lanIsBridge) {
        ProfileSpec bridged = tierHostProfile(layout);
        if (lanInterface == null) {
            return bridged;
        }
        Map<String, Map<String, String>> devices = new LinkedHashMap<>(bridged.devices());
        devices.put(ClusterDefinition.LAN_NIC, lanIsBridge
                ? Map.of("type", "nic", "name", ClusterDefinition.LAN_NIC, "nictype", "bridged", "parent", lanInterface)
                : macvlan(ClusterDefinition.LAN_NIC, lanInterface));
        return new ProfileSpec(bridged.name(), bridged.description(), bridged.config(), devices);
    }

    private static Map<String, String> macvlan(String name, String parent) {
        return Map.of("type", "nic", "name", name, "nictype", "macvlan", "parent", parent);
    }

    /** The tier-host profile on the cluster's bridge. */
    static ProfileSpec tierHostProfile(ClusterLayout layout) {
        Map<String, String> config = new LinkedHashMap<>(layout.sharedLabels());
        config.put("security.nesting", "true");
        config.put("security.syscalls.intercept.mknod", "true");
        config.put("security.syscalls.intercept.setxattr", "true");
        Map<String, Map<String, String>> devices = new LinkedHashMap<>();
        devices.put("root", Map.of("type", "disk", "path", "/", "pool", layout.storagePool()));
        devices.put("eth0", Map.of("type", "nic", "name", "eth0", "network", layout.network()));
        return new ProfileSpec(ClusterLayout.TIER_HOST_PROFILE, "bcm tier host of cluster " + layout.clusterName(), config, devices);
    }

    /** The tier-host profile on an added endpoint: {@code eth0} a macvlan NIC on the endpoint's {@code parentInterface}. */
    static ProfileSpec addedHostProfile(ClusterLayout layout, ClusterDefinition.AddedEndpoint endpoint) {
        ProfileSpec first = tierHostProfile(layout);
        Map<String, Map<String, String>> devices = new LinkedHashMap<>(first.devices());
        devices.put("eth0", macvlan("eth0", endpoint.parentInterface()));
        return new ProfileSpec(first.name(), "bcm tier host of cluster " + layout.clusterName() + " on endpoint " + endpoint.name(),
                first.config(), devices);
    }

    private void ensureProfile(InstanceServer inProject, ProfileSpec wanted) {
        Optional<Profile> existing = inProject.profile(wanted.name());
        if (existing.isEmpty()) {
            inProject.createProfile(wanted);
        } else if (!existing.get().config().equals(wanted.config()) || !existing.get().devices().equals(wanted.devices())) {
            progress.report("lxd", "updating profile " + wanted.name());
            inProject.updateProfile(wanted);
        }
    }

    /**
     * @param remote on a remote endpoint tier hosts get no Docker proxy device: a {@link DockerRelay} reaches them
     * @param lan    whether they have a LAN NIC: its networkd configuration goes in before they start
     */
    private void ensureInstances(InstanceServer inProject, ClusterLayout layout, List<TierHost> hosts, String image, boolean remote,
            boolean lan) {
        LxdOperations.awaitLeftOver(inProject, timeouts.operation(), progress);
        TierHostSockets sockets = new TierHostSockets(store.home(), layout.clusterName());
        List<PendingOperation> creating = new ArrayList<>();
        for (TierHost host : hosts) {
            Map<String, Map<String, String>> devices = remote ? Map.of()
                    : Map.of(TierHostSockets.DOCKER_DEVICE, sockets.dockerProxyDevice(host));
            Optional<Instance> existing = inProject.instance(host.instanceName());
            if (existing.isEmpty()) {
                progress.report(host.instanceName(), "creating from " + image);
                creating.add(inProject.createInstance(new InstanceSpec(host.instanceName(), ImageSource.alias(image),
                        "bcm " + host.tier().label() + " tier host of cluster " + layout.clusterName(),
                        List.of(ClusterLayout.TIER_HOST_PROFILE), layout.tierLabels(host.tier()), devices)));
            } else if (!devices.equals(subset(existing.get().devices(), TierHostSockets.DOCKER_DEVICE))
                    || !existing.get().config().entrySet().containsAll(layout.tierLabels(host.tier()).entrySet())) {
                progress.report(host.instanceName(), "updating labels and devices");
                inProject.updateInstanceConfig(host.instanceName(), layout.tierLabels(host.tier()), devices);
            }
        }
        inProject.awaitAll(creating, timeouts.operation());
        List<PendingOperation> starting = new ArrayList<>();
        for (TierHost host : hosts) {
            Instance instance = inProject.instance(host.instanceName()).orElseThrow(() -> new BcmException(Kind.INTERNAL,
                    "Instance " + host.instanceName() + " is gone right after it was created",
                    "run 'bcm cluster create' again"));
            if (!instance.running()) {
                if (lan) {
                    inProject.pushFile(host.instanceName(), LAN_NETWORK_FILE, LAN_NETWORK.getBytes(StandardCharsets.UTF_8), 0644);
                }
                progress.report(host.instanceName(), "starting");
                starting.add(inProject.changeState(host.instanceName(), InstanceAction.START, Duration.ofSeconds(60), false));
            }
        }
        inProject.awaitAll(starting, timeouts.operation());
    }

    private static Map<String, Map<String, String>> subset(Map<String, Map<String, String>> devices, String key) {
        return devices.containsKey(key) ? Map.of(key, devices.get(key)) : Map.of();
    }

    /**
     * Every tier host but those of {@code skipTier} gets an LXD proxy device {@code device} that listens on
     * {@code 127.0.0.1:port} inside it and connects, from its endpoint, to the same port of {@code target},
     * the tier's first host, where a stack publishes it in host mode: so a service's address is the same on
     * every tier host. The gateway's registry ({@value ClusterService#REGISTRY_PORT}): every swarm node pulls
     * the cluster's images from {@code 127.0.0.1:5000}, which dockerd trusts without TLS (loopback);
     * Kafka's HOST listener ({@value ClusterService#KAFKA_PORT}): every tier host's rsyslog ships its logs
     * to {@code 127.0.0.1:9094}. Follows the address when it changes (the next create updates the device).
     *
     * @param skipTier the tier whose hosts publish the port themselves; null on an added endpoint
     * @param target   the tier's first host's address; null (no such tier): nothing to forward
     */
    private void ensureForwarding(InstanceServer inProject, List<TierHost> hosts, Tier skipTier, String target,
            int port, String device, String what) {
        if (target == null) {
            return;
        }
        Map<String, String> wanted = Map.of("type", "proxy", "bind", "instance",
                "listen", "tcp:127.0.0.1:" + port, "connect", "tcp:" + target + ":" + port);
        for (TierHost host : hosts) {
            if (host.tier() == skipTier) {
                continue;
            }
            Optional<Instance> instance = inProject.instance(host.instanceName());
            if (instance.isEmpty() || !wanted.equals(instance.get().devices().get(device))) {
                progress.report(host.instanceName(), "forwarding 127.0.0.1:" + port + " to " + what + " on " + target);
                inProject.updateInstanceConfig(host.instanceName(), Map.of(), Map.of(device, wanted));
            }
        }
    }

    /** Each host's IPv4 address on its NIC {@code nic}, waiting for DHCP. */
    private Map<TierHost, String> awaitAddresses(InstanceServer inProject, List<TierHost> hosts, String nic) {
        Map<TierHost, String> addresses = new LinkedHashMap<>();
        Instant deadline = Instant.now().plus(timeouts.address());
        for (TierHost host : hosts) {
            String address = Polling.until(() -> ipv4(inProject, host.instanceName(), nic), Duration.between(Instant.now(), deadline),
                    timeouts.poll()).orElseThrow(() -> new BcmException(Kind.TIMEOUT,
                    host.instanceName() + " has no IPv4 address on " + nic + " after " + timeouts.address().toSeconds() + " s",
                    "check 'lxc exec --project " + inProject.lxdProjectInUse() + " " + host.instanceName()
                            + " -- networkctl status " + nic + "'" + ("eth0".equals(nic) ? "" : " and the LAN's DHCP server")
                            + "; then run 'bcm cluster create' again"));
            addresses.put(host, address);
            progress.report(host.instanceName(), "running at " + address + ("eth0".equals(nic) ? "" : " (" + nic + ", the LAN)"));
        }
        return addresses;
    }

    /** The IPv4 address of the instance's {@code eth0} (on the cluster's bridge, or an added endpoint's LAN), where it has one. */
    static Optional<String> ipv4(InstanceServer inProject, String instance) {
        return ipv4(inProject, instance, "eth0");
    }

    /** The IPv4 address of the instance's NIC {@code nic} (e.g. {@code eth0}), where it has one. */
    static Optional<String> ipv4(InstanceServer inProject, String instance, String nic) {
        return inProject.instanceState(instance).flatMap(state -> state.ipv4(nic));
    }
}
