package org.bcm.core.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.core.cluster.ClusterStatus.InstanceStatus;
import org.bcm.core.cluster.Subnets.Cidr;
import org.bcm.core.image.BaseImage;
import org.bcm.core.image.ImageRecipe;
import org.bcm.lxd.ImageSource;
import org.bcm.lxd.Instance;
import org.bcm.lxd.InstanceAction;
import org.bcm.lxd.InstanceSpec;
import org.bcm.lxd.InstanceState;
import org.bcm.lxd.LxdClient;
import org.bcm.lxd.LxdException;
import org.bcm.lxd.LxdUnavailableException;
import org.bcm.lxd.Network;
import org.bcm.lxd.NetworkSpec;
import org.bcm.lxd.Operation;
import org.bcm.lxd.Profile;
import org.bcm.lxd.ProfileSpec;
import org.bcm.lxd.Project;
import org.bcm.lxd.ProjectSpec;
import org.bcm.lxd.StoragePool;
import org.bcm.lxd.StoragePoolSpec;
import org.bcm.swarm.DockerEngine;
import org.bcm.swarm.DockerEngineException;
import org.bcm.swarm.SwarmNode;

/**
 * Creates, inspects, stops and destroys clusters on an LXD endpoint. Every operation converges from
 * what LXD reports, found by the {@link ClusterLayout#CLUSTER_LABEL} label: a rerun of
 * {@link #create} finishes a create that was killed half-way, and {@link #destroy} removes whatever
 * carries the label, however much of it exists.
 *
 * <p>Adapter failures (LXD, Docker) leave this class as {@link BcmException}s.
 */
public final class ClusterService {

    private static final Duration OPERATION_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration ADDRESS_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(90);
    private static final String DOCKER_DEVICE = "docker";
    private static final String REGISTRY_DEVICE = "registry";
    /** The port of the cluster registry: on the gateway host, and forwarded on every other tier host. */
    public static final int REGISTRY_PORT = 5000;

    private final ClusterStore store;
    private final Supplier<LxdClient> lxdConnector;
    private final Progress progress;

    /**
     * @param lxdConnector opens the LXD endpoint (e.g. {@link LxdClient#connectLocal()}); may throw
     *                     {@link LxdUnavailableException}
     */
    public ClusterService(ClusterStore store, Supplier<LxdClient> lxdConnector, Progress progress) {
        this.store = store;
        this.lxdConnector = lxdConnector;
        this.progress = progress;
    }

    /** The endpoint of the local LXD daemon, e.g. {@code unix:///var/lib/lxd/unix.socket}, or why there is none. */
    public static String localEndpoint() {
        return LxdClient.localSocket().map(socket -> "unix://" + socket).orElse("none (no LXD socket found)");
    }

    // ---------------------------------------------------------------- create

    /**
     * Creates the cluster, or converges an existing or half-made one to its definition.
     *
     * @param provider only {@link ClusterDefinition#LOCAL_PROVIDER}
     * @return the stored definition
     * @throws BcmException INVALID_INPUT (name, provider), CONFLICT (a name bcm would use is taken by
     *                      something it did not create), LXD_UNAVAILABLE, HOST_PREREQUISITE (image
     *                      build), DOCKER_FAILED, TIMEOUT
     */
    public ClusterDefinition create(String name, String provider) {
        ClusterLayout layout = new ClusterLayout(name);
        if (!ClusterDefinition.LOCAL_PROVIDER.equals(provider)) {
            throw new BcmException(Kind.INVALID_INPUT, "Unknown provider '" + provider + "'",
                    "use --provider=local (the LXD daemon on this machine)");
        }
        return withLxd(lxd -> {
            requireNoForeignObjects(lxd, layout);
            Instant started = Instant.now();
            ClusterDefinition stored = store.load(name).orElse(null);
            String subnet = chooseSubnet(lxd, layout, stored);
            ClusterDefinition definition = new ClusterDefinition(name, provider, localEndpoint(), subnet,
                    stored == null ? ClusterDefinition.defaultHostsPerTier() : stored.hostsPerTier(),
                    stored == null ? Instant.now() : stored.createdAt());
            store.save(definition);
            store.setActiveCluster(name);

            String image = new BaseImage(ImageRecipe.baseImage(), store.home().imageCacheDir(), progress).ensure(lxd);
            ensureStoragePool(lxd, layout);
            ensureNetwork(lxd, layout, Cidr.parse(subnet));
            ensureProject(lxd, layout);
            LxdClient project = lxd.useProject(layout.project());
            ensureProfile(project, layout);
            List<TierHost> hosts = ClusterLayout.tierHosts(definition.hostsPerTier());
            ensureInstances(project, layout, hosts, image);
            Map<TierHost, String> addresses = awaitAddresses(project, hosts);
            ensureRegistryForwarding(project, hosts, addresses);
            convergeSwarm(layout, hosts, addresses);
            progress.report("cluster", "cluster '" + name + "' is up (" + Duration.between(started, Instant.now()).toSeconds() + " s)");
            return definition;
        });
    }

    private void requireNoForeignObjects(LxdClient lxd, ClusterLayout layout) {
        List<String> foreign = new ArrayList<>();
        lxd.project(layout.project()).filter(p -> !owned(p.config(), layout)).ifPresent(p -> foreign.add("project '" + p.name() + "'"));
        lxd.network(layout.network()).filter(n -> !owned(n.config(), layout)).ifPresent(n -> foreign.add("network '" + n.name() + "'"));
        lxd.storagePool(layout.storagePool()).filter(s -> !owned(s.config(), layout)).ifPresent(s -> foreign.add("storage pool '" + s.name() + "'"));
        if (!foreign.isEmpty()) {
            throw new BcmException(Kind.CONFLICT,
                    "Cluster '" + layout.clusterName() + "' cannot be created: LXD already has " + String.join(", ", foreign)
                            + " not created by bcm for this cluster",
                    "choose another --cluster-name, or remove or rename those LXD objects");
        }
    }

    private static boolean owned(Map<String, String> config, ClusterLayout layout) {
        return layout.clusterName().equals(config.get(ClusterLayout.CLUSTER_LABEL));
    }

    private String chooseSubnet(LxdClient lxd, ClusterLayout layout, ClusterDefinition stored) {
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

    private void ensureStoragePool(LxdClient lxd, ClusterLayout layout) {
        if (lxd.storagePool(layout.storagePool()).isEmpty()) {
            progress.report("lxd", "creating storage pool " + layout.storagePool());
            lxd.createStoragePool(new StoragePoolSpec(layout.storagePool(), "dir",
                    "bcm cluster " + layout.clusterName(), layout.sharedLabels()));
        }
    }

    private void ensureNetwork(LxdClient lxd, ClusterLayout layout, Cidr subnet) {
        if (lxd.network(layout.network()).isEmpty()) {
            progress.report("lxd", "creating network " + layout.network() + " (" + subnet + ")");
            Map<String, String> config = new HashMap<>(layout.sharedLabels());
            config.put("ipv4.address", subnet.host(1) + "/" + subnet.prefix());
            config.put("ipv4.nat", "true");
            config.put("ipv6.address", "none");
            lxd.createNetwork(new NetworkSpec(layout.network(), "bridge", "bcm cluster " + layout.clusterName(), config));
        }
    }

    private void ensureProject(LxdClient lxd, ClusterLayout layout) {
        if (lxd.project(layout.project()).isEmpty()) {
            progress.report("lxd", "creating project " + layout.project());
            Map<String, String> config = new HashMap<>(layout.sharedLabels());
            // Images come from the default project (the base image is shared by every cluster);
            // profiles and volumes are the cluster's own.
            config.put("features.images", "false");
            config.put("features.profiles", "true");
            config.put("features.storage.volumes", "true");
            lxd.createProject(new ProjectSpec(layout.project(), "bcm cluster " + layout.clusterName(), config));
        }
    }

    /** The tier-host profile: Docker needs nesting and the syscalls LXD intercepts for it. */
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

    private void ensureProfile(LxdClient project, ClusterLayout layout) {
        ProfileSpec wanted = tierHostProfile(layout);
        Optional<Profile> existing = project.profile(wanted.name());
        if (existing.isEmpty()) {
            project.createProfile(wanted);
        } else if (!existing.get().config().equals(wanted.config()) || !existing.get().devices().equals(wanted.devices())) {
            progress.report("lxd", "updating profile " + wanted.name());
            project.updateProfile(wanted);
        }
    }

    private void ensureInstances(LxdClient project, ClusterLayout layout, List<TierHost> hosts, String image) {
        awaitRunningOperations(project);
        Path sockets = dockerSocketDir(layout);
        List<Operation> creating = new ArrayList<>();
        for (TierHost host : hosts) {
            Map<String, Map<String, String>> devices = Map.of(DOCKER_DEVICE, dockerProxyDevice(sockets, host));
            Optional<Instance> existing = project.instance(host.instanceName());
            if (existing.isEmpty()) {
                progress.report(host.instanceName(), "creating from " + image);
                creating.add(project.createInstance(new InstanceSpec(host.instanceName(), ImageSource.alias(image),
                        "bcm " + host.tier().label() + " tier host of cluster " + layout.clusterName(),
                        List.of(ClusterLayout.TIER_HOST_PROFILE), layout.tierLabels(host.tier()), devices)));
            } else if (!devices.equals(subset(existing.get().devices(), DOCKER_DEVICE))
                    || !existing.get().config().entrySet().containsAll(layout.tierLabels(host.tier()).entrySet())) {
                progress.report(host.instanceName(), "updating labels and devices");
                project.updateInstanceConfig(host.instanceName(), layout.tierLabels(host.tier()), devices);
            }
        }
        Operation.awaitAll(creating, OPERATION_TIMEOUT);
        List<Operation> starting = new ArrayList<>();
        for (TierHost host : hosts) {
            Instance instance = project.instance(host.instanceName()).orElseThrow();
            if (!instance.running()) {
                progress.report(host.instanceName(), "starting");
                starting.add(project.changeState(host.instanceName(), InstanceAction.START, Duration.ofSeconds(60), false));
            }
        }
        Operation.awaitAll(starting, OPERATION_TIMEOUT);
    }

    private static Map<String, Map<String, String>> subset(Map<String, Map<String, String>> devices, String key) {
        return devices.containsKey(key) ? Map.of(key, devices.get(key)) : Map.of();
    }

    /** The directory on the controller where LXD exposes each tier host's Docker socket. */
    private Path dockerSocketDir(ClusterLayout layout) {
        Path dir = store.home().clusterDir(layout.clusterName()).resolve("docker");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed creating " + dir, null, e);
        }
        return dir;
    }

    private static Path dockerSocket(Path dir, TierHost host) {
        return dir.resolve(host.instanceName() + ".sock");
    }

    /**
     * An LXD proxy device that listens on a unix socket on the controller and connects to the
     * container's {@code /run/docker.sock}: the one way bcm reaches a tier's Docker daemon. The
     * socket belongs to the user running bcm, mode 0600.
     */
    private static Map<String, String> dockerProxyDevice(Path dir, TierHost host) {
        Path socket = dockerSocket(dir, host);
        if (socket.toString().length() > 100) {
            throw new BcmException(Kind.INVALID_INPUT, "Docker socket path too long for a unix socket: " + socket,
                    "set BCM_HOME to a shorter directory");
        }
        String uid;
        String gid;
        try {
            uid = String.valueOf(Files.getAttribute(dir, "unix:uid"));
            gid = String.valueOf(Files.getAttribute(dir, "unix:gid"));
        } catch (IOException | UnsupportedOperationException e) {
            uid = "0";
            gid = "0";
        }
        return Map.of("type", "proxy", "bind", "host",
                "listen", "unix:" + socket, "connect", "unix:/run/docker.sock",
                "uid", uid, "gid", gid, "mode", "0600");
    }

    /**
     * Every tier host but the gateway gets an LXD proxy device that listens on
     * {@code 127.0.0.1:}{@value #REGISTRY_PORT} inside it and connects, from the controller, to the
     * same port of the gateway host, where the gateway stack's registry is published: so every
     * swarm node pulls the cluster's images from {@code 127.0.0.1:5000}, which dockerd trusts
     * without TLS (loopback), and the image references are the same on every node. Follows the
     * gateway's address when it changes (the next create updates the device).
     */
    private void ensureRegistryForwarding(LxdClient project, List<TierHost> hosts, Map<TierHost, String> addresses) {
        String gateway = hosts.stream().filter(h -> h.tier() == Tier.GATEWAY).map(addresses::get).findFirst().orElse(null);
        if (gateway == null) {
            return;
        }
        Map<String, String> device = Map.of("type", "proxy", "bind", "instance",
                "listen", "tcp:127.0.0.1:" + REGISTRY_PORT, "connect", "tcp:" + gateway + ":" + REGISTRY_PORT);
        for (TierHost host : hosts) {
            if (host.tier() == Tier.GATEWAY) {
                continue;
            }
            Instance instance = project.instance(host.instanceName()).orElseThrow();
            if (!device.equals(instance.devices().get(REGISTRY_DEVICE))) {
                progress.report(host.instanceName(), "forwarding 127.0.0.1:" + REGISTRY_PORT + " to the registry on " + gateway);
                project.updateInstanceConfig(host.instanceName(), Map.of(), Map.of(REGISTRY_DEVICE, device));
            }
        }
    }

    private Map<TierHost, String> awaitAddresses(LxdClient project, List<TierHost> hosts) {
        Map<TierHost, String> addresses = new LinkedHashMap<>();
        Instant deadline = Instant.now().plus(ADDRESS_TIMEOUT);
        for (TierHost host : hosts) {
            while (true) {
                Optional<String> address = project.instanceState(host.instanceName()).flatMap(ClusterService::eth0Ipv4);
                if (address.isPresent()) {
                    addresses.put(host, address.get());
                    progress.report(host.instanceName(), "running at " + address.get());
                    break;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new BcmException(Kind.TIMEOUT,
                            host.instanceName() + " has no IPv4 address on eth0 after " + ADDRESS_TIMEOUT.toSeconds() + " s",
                            "check 'lxc exec --project " + project.project() + " " + host.instanceName()
                                    + " -- networkctl status eth0'; then run 'bcm cluster create' again");
                }
                SwarmBootstrap.sleep(Duration.ofMillis(500));
            }
        }
        return addresses;
    }

    private static Optional<String> eth0Ipv4(InstanceState state) {
        return state.ipv4("eth0");
    }

    private void convergeSwarm(ClusterLayout layout, List<TierHost> hosts, Map<TierHost, String> addresses) {
        Path sockets = dockerSocketDir(layout);
        List<SwarmBootstrap.Member> members = new ArrayList<>();
        try {
            for (TierHost host : hosts) {
                DockerEngine engine = DockerEngine.connect(dockerSocket(sockets, host));
                members.add(new SwarmBootstrap.Member(host, engine, addresses.get(host)));
                awaitDocker(host, engine);
            }
            SwarmBootstrap.Member manager = members.stream().filter(m -> m.host().tier() == Tier.GATEWAY).findFirst()
                    .orElseThrow(() -> new BcmException(Kind.INVALID_INPUT, "Cluster '" + layout.clusterName() + "' has no gateway tier host",
                            "give the gateway tier at least one host in " + store.home().clusterDir(layout.clusterName()).resolve("cluster.yml")));
            new SwarmBootstrap(layout.clusterName(), progress).converge(manager,
                    members.stream().filter(m -> m != manager).toList());
        } finally {
            members.forEach(m -> m.engine().close());
        }
    }

    private void awaitDocker(TierHost host, DockerEngine engine) {
        Instant deadline = Instant.now().plus(DOCKER_TIMEOUT);
        while (!engine.isAnswering()) {
            if (Instant.now().isAfter(deadline)) {
                throw new BcmException(Kind.DOCKER_FAILED,
                        "The Docker daemon in " + host.instanceName() + " does not answer after " + DOCKER_TIMEOUT.toSeconds() + " s",
                        "check 'systemctl status docker' in the instance; then run 'bcm cluster create' again");
            }
            SwarmBootstrap.sleep(Duration.ofMillis(500));
        }
    }

    // ---------------------------------------------------------------- inspect

    /** Every cluster bcm knows of: stored definitions and clusters whose labelled LXD objects exist. */
    public List<ClusterStatus> list() {
        return withLxd(lxd -> {
            TreeSet<String> names = new TreeSet<>(store.names());
            for (Project project : lxd.projects()) {
                Optional.ofNullable(project.config().get(ClusterLayout.CLUSTER_LABEL)).ifPresent(names::add);
            }
            for (Network network : lxd.networks()) {
                Optional.ofNullable(network.config().get(ClusterLayout.CLUSTER_LABEL)).ifPresent(names::add);
            }
            List<ClusterStatus> all = new ArrayList<>();
            for (String name : names) {
                all.add(status(lxd, name));
            }
            return all;
        });
    }

    /**
     * The cluster's instances, their state and addresses.
     *
     * @throws BcmException NOT_FOUND when neither a definition nor any labelled LXD object exists
     */
    public ClusterStatus show(String name) {
        ClusterLayout.validateName(name);
        return withLxd(lxd -> {
            ClusterStatus status = status(lxd, name);
            if (!status.defined() && status.instances().isEmpty() && status.subnet() == null
                    && lxd.project(new ClusterLayout(name).project()).isEmpty()) {
                throw notFound(name);
            }
            return status;
        });
    }

    private ClusterStatus status(LxdClient lxd, String name) {
        ClusterLayout layout = new ClusterLayout(name);
        Optional<ClusterDefinition> definition = store.load(name);
        String subnet = lxd.network(layout.network()).filter(n -> owned(n.config(), layout))
                .map(n -> n.config().get("ipv4.address")).map(a -> Cidr.parse(a).toString()).orElse(null);
        List<InstanceStatus> instances = new ArrayList<>();
        if (lxd.project(layout.project()).filter(p -> owned(p.config(), layout)).isPresent()) {
            LxdClient project = lxd.useProject(layout.project());
            for (Instance instance : project.instancesWithConfig(ClusterLayout.CLUSTER_LABEL, name)) {
                String ipv4 = instance.running()
                        ? project.instanceState(instance.name()).flatMap(ClusterService::eth0Ipv4).orElse(null) : null;
                instances.add(new InstanceStatus(instance.config().getOrDefault(ClusterLayout.TIER_LABEL, "?"),
                        instance.name(), instance.status(), ipv4));
            }
        }
        instances.sort(java.util.Comparator.comparing((InstanceStatus i) -> tierOrder(i.tier())).thenComparing(InstanceStatus::name));
        return new ClusterStatus(name, definition.map(ClusterDefinition::provider).orElse(null),
                definition.map(ClusterDefinition::endpoint).orElse(localEndpoint()), subnet,
                store.activeCluster().filter(name::equals).isPresent(), definition.isPresent(), instances);
    }

    private static int tierOrder(String tier) {
        for (Tier t : Tier.values()) {
            if (t.label().equals(tier)) {
                return t.ordinal();
            }
        }
        return Tier.values().length;
    }

    /**
     * Checks every piece of the cluster: LXD reachable, the network and project present, every tier
     * host running, its Docker daemon answering, and every swarm node Ready with its tier label.
     * Never throws for a failing piece: the report says which one failed.
     *
     * @throws BcmException NOT_FOUND when the cluster has no definition
     */
    public VerifyReport verify(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        List<VerifyReport.Check> checks = new ArrayList<>();
        LxdClient lxd;
        try {
            lxd = lxdConnector.get();
            checks.add(new VerifyReport.Check("lxd", true, "LXD " + lxd.server().serverVersion() + " at " + definition.endpoint()));
        } catch (LxdException e) {
            checks.add(new VerifyReport.Check("lxd", false, e.getMessage()));
            return new VerifyReport(name, checks);
        }
        try (lxd) {
            boolean network = lxd.network(layout.network()).filter(n -> owned(n.config(), layout)).isPresent();
            checks.add(new VerifyReport.Check("network " + layout.network(), network, network ? "present" : "missing"));
            boolean project = lxd.project(layout.project()).filter(p -> owned(p.config(), layout)).isPresent();
            checks.add(new VerifyReport.Check("project " + layout.project(), project, project ? "present" : "missing"));
            if (!project) {
                return new VerifyReport(name, checks);
            }
            LxdClient projectClient = lxd.useProject(layout.project());
            Path sockets = store.home().clusterDir(name).resolve("docker");
            Map<String, String> nodeIdToInstance = new HashMap<>();
            DockerEngine manager = null;
            List<DockerEngine> engines = new ArrayList<>();
            try {
                for (TierHost host : ClusterLayout.tierHosts(definition.hostsPerTier())) {
                    Optional<Instance> instance = projectClient.instance(host.instanceName());
                    String status = instance.map(Instance::status).orElse("missing");
                    boolean running = "Running".equalsIgnoreCase(status);
                    checks.add(new VerifyReport.Check("instance " + host.instanceName(), running, status));
                    if (!running) {
                        continue;
                    }
                    DockerEngine engine = DockerEngine.connect(dockerSocket(sockets, host));
                    engines.add(engine);
                    try {
                        String version = engine.version().version();
                        var swarm = engine.swarmState();
                        checks.add(new VerifyReport.Check("dockerd " + host.instanceName(), true,
                                "Docker " + version + ", swarm " + swarm.localNodeState().name().toLowerCase(java.util.Locale.ROOT)));
                        nodeIdToInstance.put(swarm.nodeId(), host.instanceName());
                        if (host.tier() == Tier.GATEWAY && manager == null && swarm.controlAvailable()) {
                            manager = engine;
                        }
                    } catch (DockerEngineException e) {
                        checks.add(new VerifyReport.Check("dockerd " + host.instanceName(), false, e.getMessage()));
                    }
                }
                if (manager == null) {
                    checks.add(new VerifyReport.Check("swarm", false, "no gateway host is a swarm manager"));
                } else {
                    List<SwarmNode> nodes = manager.nodes();
                    for (TierHost host : ClusterLayout.tierHosts(definition.hostsPerTier())) {
                        Optional<SwarmNode> node = nodes.stream()
                                .filter(n -> host.instanceName().equals(nodeIdToInstance.get(n.id()))).findFirst();
                        boolean ready = node.filter(n -> n.isReady()
                                && host.tier().label().equals(n.labels().get(ClusterLayout.SWARM_TIER_LABEL))).isPresent();
                        checks.add(new VerifyReport.Check("swarm node " + host.instanceName(), ready,
                                node.map(n -> n.state() + ", " + n.role() + ", bcm.tier=" + n.labels().get(ClusterLayout.SWARM_TIER_LABEL))
                                        .orElse("not in the swarm")));
                    }
                }
            } finally {
                engines.forEach(DockerEngine::close);
            }
            return new VerifyReport(name, checks);
        } catch (LxdException e) {
            checks.add(new VerifyReport.Check("lxd", false, e.getMessage()));
            return new VerifyReport(name, checks);
        }
    }

    // ---------------------------------------------------------------- stop, destroy

    /**
     * Stops every instance of the cluster (gracefully, forced after 30 s).
     *
     * @throws BcmException NOT_FOUND when the cluster has no LXD project
     */
    public void stop(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        withLxd(lxd -> {
            if (lxd.project(layout.project()).filter(p -> owned(p.config(), layout)).isEmpty()) {
                throw notFound(name);
            }
            LxdClient project = lxd.useProject(layout.project());
            List<Operation> stopping = new ArrayList<>();
            for (Instance instance : project.instancesWithConfig(ClusterLayout.CLUSTER_LABEL, name)) {
                if (instance.running()) {
                    progress.report(instance.name(), "stopping");
                    stopping.add(project.changeState(instance.name(), InstanceAction.STOP, Duration.ofSeconds(30), true));
                }
            }
            Operation.awaitAll(stopping, OPERATION_TIMEOUT);
            return null;
        });
    }

    /**
     * Removes everything that carries the cluster's label (instances, profiles, the project, the
     * network, the storage pool) and the cluster's directory in the bcm home. The shared base image
     * stays: it is a cache, labelled as bcm's but not as any cluster's.
     *
     * @return the LXD objects removed, e.g. {@code instance bcm-gateway-01}
     * @throws BcmException NOT_FOUND when there is neither a definition nor any labelled object
     */
    public List<String> destroy(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        return withLxd(lxd -> {
            List<String> removed = new ArrayList<>();
            for (Project project : lxd.projects()) {
                if (!owned(project.config(), layout)) {
                    continue;
                }
                LxdClient projectClient = lxd.useProject(project.name());
                awaitRunningOperations(projectClient);
                for (Instance instance : projectClient.instances()) {
                    progress.report(instance.name(), "deleting");
                    if (!"Stopped".equalsIgnoreCase(instance.status())) {
                        projectClient.changeState(instance.name(), InstanceAction.STOP, Duration.ofSeconds(10), true).await(OPERATION_TIMEOUT);
                    }
                    projectClient.deleteInstance(instance.name()).await(OPERATION_TIMEOUT);
                    removed.add("instance " + instance.name());
                }
                for (Profile profile : projectClient.profiles()) {
                    if (!"default".equals(profile.name())) {
                        projectClient.deleteProfile(profile.name());
                        removed.add("profile " + profile.name());
                    }
                }
                lxd.deleteProject(project.name());
                removed.add("project " + project.name());
            }
            for (Network network : lxd.networks()) {
                if (network.managed() && owned(network.config(), layout)) {
                    progress.report("lxd", "deleting network " + network.name());
                    lxd.deleteNetwork(network.name());
                    removed.add("network " + network.name());
                }
            }
            for (StoragePool pool : lxd.storagePools()) {
                if (owned(pool.config(), layout)) {
                    progress.report("lxd", "deleting storage pool " + pool.name());
                    lxd.deleteStoragePool(pool.name());
                    removed.add("storage pool " + pool.name());
                }
            }
            boolean defined = store.load(name).isPresent() || Files.exists(store.home().clusterDir(name));
            if (removed.isEmpty() && !defined) {
                throw notFound(name);
            }
            store.delete(name);
            return removed;
        });
    }

    /**
     * Waits for the operations still running in a project: those of a bcm killed mid-way (LXD goes
     * on creating or starting an instance after its client is gone), which would otherwise make the
     * instances "busy" for what this run does next.
     */
    private void awaitRunningOperations(LxdClient project) {
        List<Operation> running = project.runningOperations();
        if (!running.isEmpty()) {
            progress.report("lxd", "waiting for " + running.size() + " operation(s) of an earlier run to end");
            try {
                Operation.awaitAll(running, OPERATION_TIMEOUT);
            } catch (LxdException e) {
                // It failed or was cancelled: what it left behind is converged (or removed) next.
            }
        }
    }

    // ---------------------------------------------------------------- engines

    /**
     * The Docker engines of a cluster's tier hosts, reached through their proxy-device sockets on the
     * controller; the gateway's is the swarm manager. Close it to release the connections.
     *
     * @param cluster  the cluster name
     * @param manager  the gateway host's engine, a swarm manager
     * @param gatewayAddress the gateway host's IPv4 address on the cluster network
     * @param engines  every tier host's engine, by instance name
     */
    public record Engines(String cluster, DockerEngine manager, String gatewayAddress, Map<String, DockerEngine> engines)
            implements AutoCloseable {
        @Override
        public void close() {
            engines.values().forEach(DockerEngine::close);
        }
    }

    /**
     * Connects to the engines of a running cluster and checks that its manager answers.
     *
     * @throws BcmException NOT_FOUND when the cluster does not exist; DOCKER_FAILED when a tier host
     *     is not running or its engine does not answer; LXD_UNAVAILABLE
     */
    public Engines engines(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        return withLxd(lxd -> {
            if (lxd.project(layout.project()).filter(p -> owned(p.config(), layout)).isEmpty()) {
                throw new BcmException(Kind.NOT_FOUND, "Cluster '" + name + "' is defined but has no LXD project",
                        "run 'bcm cluster create --cluster-name=" + name + "' to converge it");
            }
            LxdClient project = lxd.useProject(layout.project());
            Path sockets = dockerSocketDir(layout);
            Map<String, DockerEngine> engines = new LinkedHashMap<>();
            String gatewayAddress = null;
            DockerEngine manager = null;
            for (TierHost host : ClusterLayout.tierHosts(definition.hostsPerTier())) {
                Optional<Instance> instance = project.instance(host.instanceName());
                if (instance.isEmpty() || !instance.get().running()) {
                    engines.values().forEach(DockerEngine::close);
                    throw new BcmException(Kind.DOCKER_FAILED, "Tier host " + host.instanceName() + " of cluster '" + name
                            + "' is not running", "run 'bcm cluster create --cluster-name=" + name + "' to start it");
                }
                DockerEngine engine = DockerEngine.connect(dockerSocket(sockets, host));
                engines.put(host.instanceName(), engine);
                if (host.tier() == Tier.GATEWAY && manager == null) {
                    manager = engine;
                    gatewayAddress = project.instanceState(host.instanceName()).flatMap(ClusterService::eth0Ipv4).orElse(null);
                }
            }
            if (manager == null) {
                engines.values().forEach(DockerEngine::close);
                throw new BcmException(Kind.INVALID_INPUT, "Cluster '" + name + "' has no gateway tier host",
                        "give the gateway tier a host in " + store.home().clusterDir(name).resolve("cluster.yml"));
            }
            Engines result = new Engines(name, manager, gatewayAddress, Map.copyOf(engines));
            try {
                manager.ping();
            } catch (DockerEngineException e) {
                result.close();
                throw e;
            }
            return result;
        });
    }

    // ---------------------------------------------------------------- plumbing

    private static BcmException notFound(String name) {
        return new BcmException(Kind.NOT_FOUND, "Cluster '" + name + "' does not exist", "see 'bcm cluster list'");
    }

    /** Runs {@code work} with an LXD connection, turning adapter failures into {@link BcmException}s. */
    private <T> T withLxd(java.util.function.Function<LxdClient, T> work) {
        try (LxdClient lxd = connect()) {
            return work.apply(lxd);
        } catch (LxdUnavailableException e) {
            throw lxdUnavailable(e);
        } catch (LxdException e) {
            throw new BcmException(Kind.INTERNAL, "LXD: " + e.getMessage(),
                    "fix the cause and run the command again; bcm converges from whatever exists", e);
        } catch (DockerEngineException e) {
            throw new BcmException(Kind.DOCKER_FAILED, "Docker: " + e.getMessage(),
                    "check the tier host's dockerd ('bcm cluster verify'), then run the command again", e);
        }
    }

    private LxdClient connect() {
        LxdClient lxd = lxdConnector.get();
        if (!"trusted".equals(lxd.server().auth())) {
            lxd.close();
            throw new BcmException(Kind.LXD_UNAVAILABLE, "LXD does not trust this client",
                    "run bcm as a user in the LXD group (or root)");
        }
        return lxd;
    }

    private static BcmException lxdUnavailable(LxdException e) {
        return new BcmException(Kind.LXD_UNAVAILABLE, "LXD is not reachable: " + e.getMessage(),
                "install and start LXD (scripts/install.sh does both), or set LXD_DIR to its directory", e);
    }
}
