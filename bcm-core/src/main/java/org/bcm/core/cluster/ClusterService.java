package org.bcm.core.cluster;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.Ports;
import org.bcm.lxd.LxdException;

/**
 * Creates, inspects, stops and destroys clusters on an LXD endpoint. Every command converges from
 * what LXD reports, found by the {@link ClusterLayout#CLUSTER_LABEL} label: a rerun of
 * {@link #create} finishes a create that was killed half-way, and {@link #destroy} removes whatever
 * carries the label, however much of it exists.
 *
 * <p>This class checks names and options, opens the endpoint through {@link ClusterAccess} (which
 * checks that it trusts bcm and turns adapter failures, LXD and Docker, into {@link BcmException}s),
 * and hands it to the step that does the work: {@link ClusterProvisioner}, {@link AddedEndpoints},
 * {@link ClusterInspector}, {@link ClusterVerifier}, {@link ClusterTeardown}, {@link EngineAccess}.
 */
public final class ClusterService {

    /** The port of the cluster registry: on the gateway host, and forwarded on every other tier host. */
    public static final int REGISTRY_PORT = 5000;
    /** The port of Kafka's HOST listener, published on the kafka tier host and forwarded to 127.0.0.1 of every other tier host. */
    public static final int KAFKA_PORT = 9094;

    private final ClusterStore store;
    private final Ports ports;
    private final ClusterTimeouts timeouts;
    private final Progress progress;
    private final ClusterAccess access;

    /** A service with the {@linkplain ClusterTimeouts#DEFAULT default timeouts}. */
    public ClusterService(ClusterStore store, Ports ports, Progress progress) {
        this(store, ports, ClusterTimeouts.DEFAULT, progress);
    }

    public ClusterService(ClusterStore store, Ports ports, ClusterTimeouts timeouts, Progress progress) {
        this.store = store;
        this.ports = ports;
        this.timeouts = timeouts;
        this.progress = progress;
        this.access = new ClusterAccess(store, ports, progress);
    }

    /**
     * Where {@code bcm cluster create} puts a cluster.
     *
     * @param provider   {@code local}, {@code lxd} or {@code ssh}; null: the stored definition's, else {@code local}
     * @param endpoint   for {@code lxd}: {@code https://HOST[:8443]}
     * @param trustToken for {@code lxd}: a token from {@code lxc config trust add}, needed until the endpoint trusts bcm
     * @param ssh        for {@code ssh}: the login; null otherwise
     */
    public record Placement(String provider, String endpoint, String trustToken, SshLogin ssh) {
        /** The controller's own LXD. */
        public static Placement local() {
            return new Placement(ClusterDefinition.LOCAL_PROVIDER, null, null, null);
        }
    }

    /**
     * Creates the cluster, or converges an existing or half-made one to its definition. On a remote
     * endpoint it first makes sure the endpoint trusts this controller and its certificate is pinned
     * ({@link RemoteEndpoint}; with {@code ssh}, {@link SshBootstrap} installs LXD first).
     *
     * @return the stored definition
     * @throws BcmException INVALID_INPUT (name, provider, options), CONFLICT (a name bcm would use is
     *                      taken by something it did not create; another controller's endpoint),
     *                      LXD_UNAVAILABLE, SSH_FAILED, HOST_PREREQUISITE (image build), DOCKER_FAILED, TIMEOUT
     */
    public ClusterDefinition create(String name, Placement placement) {
        return create(name, placement, null);
    }

    /**
     * {@link #create(String, Placement)} with the first endpoint's tier hosts on its LAN as well: each
     * gets a second NIC ({@value ClusterDefinition#LAN_NIC}, macvlan on {@code lanInterface}) and the
     * swarm runs on those addresses, so that endpoints added later reach them and overlay traffic to
     * them crosses no NAT ({@link ClusterDefinition#lanInterface}). It is chosen when the swarm is
     * formed: a rerun keeps it.
     *
     * @param lanInterface the first endpoint's LAN interface, e.g. {@code enp3s0}; null: as stored, else none
     * @throws BcmException as {@link #create(String, Placement)}; INVALID_INPUT when it differs from the
     *     stored one (the swarm would have to be formed again: destroy the cluster first)
     */
    public ClusterDefinition create(String name, Placement placement, String lanInterface) {
        ClusterLayout.validateName(name);
        ClusterDefinition stored = store.load(name).orElse(null);
        if (lanInterface != null) {
            ClusterDefinition.validateInterfaceName(lanInterface);
        }
        if (stored != null && lanInterface != null && !lanInterface.equals(stored.lanInterface())) {
            throw new BcmException(Kind.INVALID_INPUT, "Cluster '" + name + "' formed its swarm "
                    + (stored.lanInterface() == null ? "on its bridge" : "on " + stored.lanInterface()) + ", not on " + lanInterface,
                    "leave out --parent-interface to converge it as it is, or destroy the cluster and create it again");
        }
        String lan = lanInterface != null ? lanInterface : stored == null ? null : stored.lanInterface();
        String provider = placement.provider() != null ? placement.provider()
                : stored != null ? stored.provider() : ClusterDefinition.LOCAL_PROVIDER;
        if (stored != null && !stored.provider().equals(provider)) {
            throw new BcmException(Kind.INVALID_INPUT, "Cluster '" + name + "' runs with --provider=" + stored.provider()
                    + " at " + stored.endpoint(), "leave out --provider, or destroy the cluster first to move it");
        }
        RemoteEndpoint remote = access.remote();
        String storedEndpoint = stored == null ? null : stored.endpoint();
        Target target = switch (provider) {
            case ClusterDefinition.LOCAL_PROVIDER -> local(name, placement, lan);
            case ClusterDefinition.LXD_PROVIDER, ClusterDefinition.SSH_PROVIDER -> {
                ClusterAccess.Reached reached = access.reach("Cluster '" + name + "'", remote.pinnedCertificate(name), provider, placement,
                        storedEndpoint, stored == null ? null : stored.ssh());
                yield new Target(new ClusterDefinition(name, provider, reached.endpoint(), null, null, null, reached.ssh(), lan, null),
                        remote.controllerId(), reached.trustedNow());
            }
            default -> throw ClusterAccess.unknownProvider(provider);
        };
        ClusterDefinition created = withLxd(target.requested(), lxd -> {
            if (target.controllerId() != null) {
                remote.requireNoOtherController(lxd, target.requested().endpoint(), target.trustedNow());
            }
            return new ClusterProvisioner(store, ports, timeouts, progress).create(lxd, target.requested(), target.controllerId());
        });
        for (ClusterDefinition.AddedEndpoint added : created.addedEndpoints()) {
            added().converge(created, added);
        }
        return created;
    }

    /**
     * Adds an endpoint to the cluster, or converges one added before ({@code bcm cluster add-endpoint}):
     * makes it trust this controller as {@link #create} does for a first endpoint ({@code lxd} or
     * {@code ssh}; pinned in {@code clusters/NAME/endpoints/ENDPOINT/lxd-server.crt}), creates its tier
     * hosts with addresses on the endpoint's LAN (macvlan on {@code parentInterface}) and joins them to
     * the swarm labelled {@code bcm.endpoint=<endpointName>}, promoting the managers
     * {@link ClusterDefinition#swarmManagers} names. The volumes of the shipped stacks stay on the first endpoint.
     *
     * @param placement       where it is; without a provider: {@code ssh} with a host name, {@code lxd} with an endpoint, else as stored
     * @param hostsPerTier    the tier hosts it holds; null: as stored, else one bitcoin tier host
     * @param parentInterface the endpoint's LAN interface; null: as stored, else {@code eth0}
     * @return the stored definition
     * @throws BcmException NOT_FOUND (no such cluster), INVALID_INPUT (names, provider, options; the
     *     endpoint is already in the cluster), CONFLICT (another controller's endpoint),
     *     LXD_UNAVAILABLE, SSH_FAILED, DOCKER_FAILED, TIMEOUT
     */
    public ClusterDefinition addEndpoint(String name, String endpointName, Placement placement, Map<Tier, Integer> hostsPerTier,
            String parentInterface) {
        ClusterLayout.validateName(name);
        ClusterDefinition.validateEndpointName(endpointName);
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        ClusterDefinition.AddedEndpoint stored = definition.addedEndpoint(endpointName).orElse(null);
        String provider = placement.provider() != null ? placement.provider()
                : placement.ssh() != null && placement.ssh().hostname() != null ? ClusterDefinition.SSH_PROVIDER
                : placement.endpoint() != null ? ClusterDefinition.LXD_PROVIDER
                : stored != null ? stored.provider() : null;
        if (provider == null || ClusterDefinition.LOCAL_PROVIDER.equals(provider)) {
            throw new BcmException(Kind.INVALID_INPUT, "An added endpoint is a remote LXD",
                    "give --provider=ssh --hostname=HOST or --provider=lxd --endpoint=https://HOST:8443");
        }
        if (!ClusterDefinition.LXD_PROVIDER.equals(provider) && !ClusterDefinition.SSH_PROVIDER.equals(provider)) {
            throw ClusterAccess.unknownProvider(provider);
        }
        if (stored != null && !stored.provider().equals(provider)) {
            throw new BcmException(Kind.INVALID_INPUT, "Endpoint '" + endpointName + "' was added with --provider=" + stored.provider(),
                    "leave out --provider, or remove the endpoint first ('bcm cluster remove-endpoint')");
        }
        String parent = parentInterface != null ? parentInterface : stored != null ? stored.parentInterface() : "eth0";
        ClusterDefinition.validateInterfaceName(parent);
        Map<Tier, Integer> hosts = hostsPerTier != null ? hostsPerTier : stored != null ? stored.hostsPerTier() : Map.of(Tier.BITCOIN, 1);
        if (hosts.values().stream().mapToInt(Integer::intValue).sum() == 0 || hosts.values().stream().anyMatch(n -> n < 0 || n > 9)) {
            throw new BcmException(Kind.INVALID_INPUT, "An added endpoint holds 1 to 9 hosts of a tier, and at least one host",
                    "give --tier=TIER[:COUNT], e.g. --tier=bitcoin:1");
        }
        return added().add(definition, endpointName, provider, placement, parent, hosts);
    }

    /**
     * Removes an added endpoint from the cluster ({@code bcm cluster remove-endpoint}): its managers
     * are demoted (and others as {@link ClusterDefinition#swarmManagers} says without it), its tier hosts
     * leave the swarm (their services are rescheduled where their placement allows), everything the
     * cluster has on it is deleted (and, when no bcm cluster is left there, bcm's base image and the
     * endpoint's trust in this controller), and it leaves the definition.
     *
     * @return what was removed
     * @throws BcmException NOT_FOUND (no such cluster or endpoint), LXD_UNAVAILABLE (the endpoint does
     *     not answer: {@link #cull} forgets it)
     */
    public List<String> removeEndpoint(String name, String endpointName) {
        ClusterLayout.validateName(name);
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        ClusterDefinition.AddedEndpoint added = definition.addedEndpoint(endpointName).orElseThrow(() -> new BcmException(Kind.NOT_FOUND,
                "Cluster '" + name + "' has no endpoint '" + endpointName + "'", "see 'bcm cluster show --cluster-name=" + name + "'"));
        return added().remove(definition, added);
    }

    /**
     * What {@link #cull} would remove ({@link CullPlan}): added endpoints that stopped answering, and
     * down tier hosts of answering endpoints.
     *
     * @throws BcmException NOT_FOUND, and as {@link #engines} when the first endpoint's swarm manager does not answer
     */
    public CullPlan cullCandidates(String name) {
        ClusterLayout.validateName(name);
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        try (Engines engines = access.engines(definition, true)) {
            return added().cullCandidates(definition, engines);
        }
    }

    /**
     * Removes from the cluster what stopped answering ({@code bcm cluster cull}), as the operator
     * confirmed it: an added endpoint's swarm nodes are removed and it leaves the definition (what the
     * cluster had on it stays there: it does not answer); a down tier host's instance is deleted where
     * it still exists, its swarm node removed, and its tier's host count lowered. The swarm reschedules
     * their services where placement allows.
     *
     * @param confirmed what {@link #cullCandidates} returned and the operator confirmed
     * @return what was removed, e.g. {@code swarm node bcm-bitcoin-nuc2-01}, {@code instance bcm-bitcoin-02}
     * @throws BcmException NOT_FOUND; INVALID_INPUT when one of them is no candidate any more (it answers again)
     */
    public List<String> cull(String name, CullPlan confirmed) {
        ClusterLayout.validateName(name);
        return added().cull(store.load(name).orElseThrow(() -> notFound(name)), confirmed);
    }

    private AddedEndpoints added() {
        return new AddedEndpoints(store, ports, timeouts, progress, access);
    }

    /**
     * Where a create goes, once the endpoint is ready for it.
     *
     * @param requested    name, provider, endpoint and SSH target
     * @param controllerId this controller's label on a remote endpoint; null on the local one
     * @param trustedNow   whether this run made the remote endpoint trust the controller
     */
    private record Target(ClusterDefinition requested, String controllerId, boolean trustedNow) {
    }

    private Target local(String name, Placement placement, String lan) {
        if (placement.endpoint() != null || placement.trustToken() != null
                || placement.ssh() != null && placement.ssh().hostname() != null) {
            throw new BcmException(Kind.INVALID_INPUT, "--endpoint, --trust-token and --hostname are for a remote endpoint",
                    "add --provider=lxd (with --endpoint) or --provider=ssh (with --hostname)");
        }
        return new Target(new ClusterDefinition(name, ClusterDefinition.LOCAL_PROVIDER, ports.lxdEndpoint(), null, null, null, null, lan, null),
                null, false);
    }

    /**
     * Every cluster bcm knows of: stored definitions and clusters whose labelled LXD objects exist on
     * the local LXD. A remote cluster is shown from its own endpoint; when that does not answer, with
     * no instances.
     */
    public List<ClusterStatus> list() {
        List<ClusterStatus> all = new ArrayList<>();
        List<ClusterStatus> known;
        try {
            known = withLxd(null, lxd -> inspector().list(lxd));
        } catch (BcmException e) {
            // A controller without LXD of its own: its remote clusters, from their definitions.
            List<ClusterDefinition> remotes = store.names().stream().map(store::load).flatMap(Optional::stream)
                    .filter(ClusterDefinition::remote).toList();
            if (e.kind() != Kind.LXD_UNAVAILABLE || remotes.isEmpty()) {
                throw e;
            }
            known = remotes.stream().map(d -> new ClusterStatus(d.name(), d.provider(), d.endpoint(), null,
                    store.activeCluster().filter(d.name()::equals).isPresent(), true, List.of())).toList();
        }
        for (ClusterStatus local : known) {
            Optional<ClusterDefinition> definition = store.load(local.name());
            if (definition.isPresent() && definition.get().remote()) {
                try {
                    all.add(withLxd(definition.get(), lxd -> inspector().status(lxd, local.name())));
                } catch (BcmException e) {
                    all.add(local);
                }
            } else {
                all.add(local);
            }
        }
        return all;
    }

    /**
     * The cluster's instances, their state and addresses: on its first endpoint, then on each added
     * one (an added endpoint that does not answer shows its tier hosts with the status
     * {@code Unreachable}).
     *
     * @throws BcmException NOT_FOUND when neither a definition nor any labelled LXD object exists
     */
    public ClusterStatus show(String name) {
        ClusterLayout.validateName(name);
        ClusterDefinition definition = store.load(name).orElse(null);
        ClusterStatus status = withLxd(definition, lxd -> {
            ClusterStatus first = inspector().status(lxd, name);
            if (!ClusterInspector.exists(lxd, first)) {
                throw notFound(name);
            }
            return first;
        });
        if (definition == null || definition.addedEndpoints().isEmpty()) {
            return status;
        }
        List<ClusterStatus.InstanceStatus> instances = new ArrayList<>(status.instances());
        for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
            try (InstanceServer lxd = access.connectAdded(name, added)) {
                instances.addAll(ClusterInspector.instances(lxd, definition.layout()));
            } catch (BcmException | LxdException e) {
                added.tierHosts().forEach(h -> instances.add(new ClusterStatus.InstanceStatus(h.tier().label(), h.instanceName(),
                        "Unreachable", null)));
            }
        }
        return new ClusterStatus(status.name(), status.provider(), status.endpoint(), status.subnet(), status.active(), status.defined(),
                List.copyOf(instances));
    }

    /**
     * Checks every piece of the cluster ({@link ClusterVerifier}). Never throws for a failing piece:
     * the report says which one failed.
     *
     * @throws BcmException NOT_FOUND when the cluster has no definition
     */
    public VerifyReport verify(String name) {
        ClusterLayout.validateName(name);
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        return new ClusterVerifier(store, ports, access::open, added -> access.remote().connect(name, added))
                .verify(definition);
    }

    /**
     * Stops every instance of the cluster (gracefully, forced after 30 s).
     *
     * @throws BcmException NOT_FOUND when the cluster has no LXD project
     */
    public void stop(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        withLxd(store.load(name).orElse(null), lxd -> {
            if (!new ClusterTeardown(timeouts, progress).stop(lxd, layout)) {
                throw notFound(name);
            }
            return null;
        });
    }

    /**
     * Removes everything that carries the cluster's label (instances, profiles, the LXD project, the
     * network, the storage pool) and the cluster's directory in the bcm home. The shared base image
     * stays on the local LXD: it is a cache, labelled as bcm's but not as any cluster's. On a remote
     * endpoint that has no bcm cluster left, the base image and the endpoint's trust in this
     * controller go too. Added endpoints go first, each leaving the definition once clean; when one
     * of them does not answer, nothing is destroyed.
     *
     * @return the LXD objects removed, e.g. {@code instance bcm-gateway-01}
     * @throws BcmException NOT_FOUND when there is neither a definition nor any labelled object;
     *     LXD_UNAVAILABLE when an added endpoint does not answer ({@link #cull} forgets it)
     */
    public List<String> destroy(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        ClusterDefinition definition = store.load(name).orElse(null);
        List<String> fromAdded = definition == null ? List.of() : added().destroyAll(definition);
        ClusterDefinition first = store.load(name).orElse(null);
        return withLxd(first, lxd -> {
            List<String> removed = new ArrayList<>(fromAdded);
            boolean defined = first != null || Files.exists(store.home().clusterDir(name));
            ClusterTeardown teardown = new ClusterTeardown(timeouts, progress);
            removed.addAll(first != null && first.remote() ? teardown.destroyRemote(lxd, layout, access.remote().controllerFingerprint())
                    : teardown.destroy(lxd, layout));
            if (removed.isEmpty() && !defined) {
                throw notFound(name);
            }
            store.delete(name);
            return removed;
        });
    }

    /**
     * Connects to the engines of a running cluster and checks that its manager answers. Close the
     * result: on a remote endpoint it holds the LXD connection its relays use.
     *
     * @throws BcmException NOT_FOUND when the cluster does not exist; DOCKER_FAILED when a tier host
     *     is not running or its engine does not answer; LXD_UNAVAILABLE
     */
    public Engines engines(String name) {
        ClusterLayout.validateName(name);
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        return access.engines(definition);
    }

    /**
     * Makes the cluster's network enforce an egress mode ({@link ClusterEgress}): {@code tor-only} lets
     * only the gateway host out and sends the cluster's DNS to the gateway's Tor; {@code direct} is NAT.
     *
     * @param mode           {@code tor-only} or {@code direct}
     * @param gatewayAddress the gateway host's IPv4 address on the cluster network
     * @throws BcmException NOT_FOUND when the network is missing, INVALID_INPUT for an unknown mode, LXD_UNAVAILABLE
     */
    public void applyEgress(String name, String mode, String gatewayAddress) {
        ClusterLayout layout = new ClusterLayout(name);
        ClusterEgress.Mode egress = ClusterEgress.Mode.of(mode);
        withLxd(store.load(name).orElse(null), lxd -> {
            new ClusterEgress(progress).apply(lxd, layout, egress, gatewayAddress);
            return null;
        });
    }

    private ClusterInspector inspector() {
        return new ClusterInspector(store, ports.lxdEndpoint());
    }

    private static BcmException notFound(String name) {
        return ClusterAccess.notFound(name);
    }

    private <T> T withLxd(ClusterDefinition definition, Function<InstanceServer, T> work) {
        return access.withLxd(definition, work);
    }
}
