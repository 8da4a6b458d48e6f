package org.bcm.core.cluster;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.LoginNames;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.Ports;
import org.bcm.lxd.LxdCertificateMismatchException;
import org.bcm.lxd.LxdException;
import org.bcm.lxd.LxdUnavailableException;
import org.bcm.lxd.Instance;
import org.bcm.swarm.DockerEngineException;
import org.bcm.swarm.SwarmNode;

/**
 * Creates, inspects, stops and destroys clusters on an LXD endpoint. Every command converges from
 * what LXD reports, found by the {@link ClusterLayout#CLUSTER_LABEL} label: a rerun of
 * {@link #create} finishes a create that was killed half-way, and {@link #destroy} removes whatever
 * carries the label, however much of it exists.
 *
 * <p>This class opens the endpoint ({@link Ports}), checks that it trusts bcm, and hands it to the
 * step that does the work: {@link ClusterProvisioner}, {@link ClusterInspector},
 * {@link ClusterVerifier}, {@link ClusterTeardown}, {@link EngineAccess}. Adapter failures (LXD,
 * Docker) leave it as {@link BcmException}s.
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

    /** A service with the {@linkplain ClusterTimeouts#DEFAULT default timeouts}. */
    public ClusterService(ClusterStore store, Ports ports, Progress progress) {
        this(store, ports, ClusterTimeouts.DEFAULT, progress);
    }

    public ClusterService(ClusterStore store, Ports ports, ClusterTimeouts timeouts, Progress progress) {
        this.store = store;
        this.ports = ports;
        this.timeouts = timeouts;
        this.progress = progress;
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
        ClusterLayout.validateName(name);
        ClusterDefinition stored = store.load(name).orElse(null);
        String provider = placement.provider() != null ? placement.provider()
                : stored != null ? stored.provider() : ClusterDefinition.LOCAL_PROVIDER;
        if (stored != null && !stored.provider().equals(provider)) {
            throw new BcmException(Kind.INVALID_INPUT, "Cluster '" + name + "' runs with --provider=" + stored.provider()
                    + " at " + stored.endpoint(), "leave out --provider, or destroy the cluster first to move it");
        }
        RemoteEndpoint remote = new RemoteEndpoint(store.home(), ports);
        String storedEndpoint = stored == null ? null : stored.endpoint();
        Target target = switch (provider) {
            case ClusterDefinition.LOCAL_PROVIDER -> local(name, placement);
            case ClusterDefinition.LXD_PROVIDER, ClusterDefinition.SSH_PROVIDER -> {
                Reached reached = reach("Cluster '" + name + "'", remote.pinnedCertificate(name), provider, placement, storedEndpoint,
                        stored == null ? null : stored.ssh(), remote);
                yield new Target(new ClusterDefinition(name, provider, reached.endpoint(), null, null, null, reached.ssh(), null),
                        remote.controllerId(), reached.trustedNow());
            }
            default -> throw unknownProvider(provider);
        };
        ClusterDefinition created = withLxd(target.requested(), lxd -> {
            if (target.controllerId() != null) {
                remote.requireNoOtherController(lxd, target.requested().endpoint(), target.trustedNow());
            }
            return new ClusterProvisioner(store, ports, timeouts, progress).create(lxd, target.requested(), target.controllerId());
        });
        for (ClusterDefinition.AddedEndpoint added : created.addedEndpoints()) {
            convergeAdded(created, added, remote);
        }
        return created;
    }

    /**
     * Adds an endpoint to the cluster, or converges one added before ({@code bcm cluster add-endpoint}):
     * makes it trust this controller as {@link #create} does for a first endpoint ({@code lxd} or
     * {@code ssh}; pinned in {@code clusters/NAME/endpoints/ENDPOINT/lxd-server.crt}), creates its tier
     * hosts with addresses on the endpoint's LAN (macvlan on {@code parentInterface}) and joins them to
     * the swarm as workers labelled {@code bcm.endpoint=<endpointName>}. The swarm manager and the
     * volumes of the shipped stacks stay on the first endpoint.
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
            throw unknownProvider(provider);
        }
        if (stored != null && !stored.provider().equals(provider)) {
            throw new BcmException(Kind.INVALID_INPUT, "Endpoint '" + endpointName + "' was added with --provider=" + stored.provider(),
                    "leave out --provider, or remove the endpoint first ('bcm cluster remove-endpoint')");
        }
        String parent = parentInterface != null ? parentInterface : stored != null ? stored.parentInterface() : "eth0";
        if (!parent.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")) {
            throw new BcmException(Kind.INVALID_INPUT, "Invalid --parent-interface '" + parent + "'",
                    "give the endpoint's LAN interface, e.g. eth0 or enp3s0 (at most 15 characters)");
        }
        Map<Tier, Integer> hosts = hostsPerTier != null ? hostsPerTier : stored != null ? stored.hostsPerTier() : Map.of(Tier.BITCOIN, 1);
        if (hosts.values().stream().mapToInt(Integer::intValue).sum() == 0 || hosts.values().stream().anyMatch(n -> n < 0 || n > 9)) {
            throw new BcmException(Kind.INVALID_INPUT, "An added endpoint holds 1 to 9 hosts of a tier, and at least one host",
                    "give --tier=TIER[:COUNT], e.g. --tier=bitcoin:1");
        }
        RemoteEndpoint remote = new RemoteEndpoint(store.home(), ports);
        ClusterDefinition.AddedEndpoint added;
        try {
            Reached reached = reach("Endpoint '" + endpointName + "' of cluster '" + name + "'", remote.pinnedCertificate(name, endpointName),
                    provider, placement, stored == null ? null : stored.endpoint(), stored == null ? null : stored.ssh(), remote);
            String twice = reached.endpoint().equals(definition.endpoint()) ? "its first endpoint"
                    : definition.addedEndpoints().stream().filter(e -> !e.name().equals(endpointName) && e.endpoint().equals(reached.endpoint()))
                            .map(e -> "endpoint '" + e.name() + "'").findFirst().orElse(null);
            added = new ClusterDefinition.AddedEndpoint(endpointName, provider, reached.endpoint(), reached.ssh(), parent, hosts);
            ClusterDefinition.AddedEndpoint joining = added;
            mapped(definition, () -> {
                try (InstanceServer lxd = connectAdded(name, joining, remote)) {
                    if (twice != null) {
                        if (reached.trustedNow()) {
                            lxd.removeCertificate(remote.controllerFingerprint());
                        }
                        throw new BcmException(Kind.INVALID_INPUT, reached.endpoint() + " is already " + twice + " of cluster '" + name + "'",
                                "an endpoint is in a cluster once; see 'bcm cluster show --cluster-name=" + name + "'");
                    }
                    remote.requireNoOtherController(lxd, joining.endpoint(), reached.trustedNow());
                }
                return null;
            });
        } catch (RuntimeException e) {
            if (stored == null) {
                // refused before it joined: no pin of an endpoint that is not in the cluster
                BcmHome.deleteTree(remote.pinnedCertificate(name, endpointName).getParent());
            }
            throw e;
        }
        ClusterDefinition updated = definition.withAddedEndpoint(added);
        store.save(updated);
        convergeAdded(updated, added, remote);
        return updated;
    }

    /**
     * Converges an added endpoint's tier hosts and their swarm membership
     * ({@link ClusterProvisioner#ensureAdded}, {@link SwarmBootstrap#join}).
     */
    private void convergeAdded(ClusterDefinition definition, ClusterDefinition.AddedEndpoint added, RemoteEndpoint remote) {
        ClusterLayout layout = definition.layout();
        mapped(definition, () -> {
            try (InstanceServer first = connect(definition); InstanceServer lxd = connectAdded(definition.name(), added, remote)) {
                InstanceServer firstProject = first.useLxdProject(layout.lxdProject());
                List<TierHost> firstHosts = ClusterLayout.tierHosts(definition.hostsPerTier());
                Map<Tier, String> firstAddresses = new EnumMap<>(Tier.class);
                for (Tier tier : List.of(Tier.GATEWAY, Tier.KAFKA)) {
                    firstHosts.stream().filter(h -> h.tier() == tier).findFirst()
                            .flatMap(h -> ClusterProvisioner.ipv4(firstProject, h.instanceName()))
                            .ifPresent(address -> firstAddresses.put(tier, address));
                }
                TierHost gateway = firstHosts.stream().filter(h -> h.tier() == Tier.GATEWAY).findFirst().orElse(null);
                if (gateway == null || !firstAddresses.containsKey(Tier.GATEWAY)) {
                    throw new BcmException(Kind.DOCKER_FAILED, "The swarm manager of cluster '" + definition.name() + "' is not running",
                            "run 'bcm cluster create --cluster-name=" + definition.name() + "' first");
                }
                progress.report("cluster", "endpoint " + added.name() + " (" + added.endpoint() + ")");
                Map<TierHost, String> addresses = new ClusterProvisioner(store, ports, timeouts, progress)
                        .ensureAdded(lxd, layout, added, remote.controllerId(), firstAddresses);
                try (TierHostEngines firstEngines = new TierHostEngines(store.home(), definition, firstProject, ports);
                        TierHostEngines addedEngines = new TierHostEngines(store.home(), definition.name(), true,
                                lxd.useLxdProject(layout.lxdProject()), ports)) {
                    new SwarmBootstrap(layout, store.home(), timeouts, progress).join(firstEngines.open(gateway), gateway,
                            firstAddresses.get(Tier.GATEWAY), added.name(), addedEngines, added.tierHosts(), addresses);
                }
            }
            return null;
        });
    }

    /**
     * Removes an added endpoint from the cluster ({@code bcm cluster remove-endpoint}): its tier hosts
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
        RemoteEndpoint remote = new RemoteEndpoint(store.home(), ports);
        List<String> removed = new ArrayList<>();
        mapped(definition, () -> {
            try (InstanceServer lxd = connectAdded(name, added, remote)) {
                InstanceServer inProject = lxd.useLxdProject(definition.layout().lxdProject());
                if (lxd.lxdProject(definition.layout().lxdProject()).isPresent()) {
                    try (TierHostEngines engines = new TierHostEngines(store.home(), name, true, inProject, ports)) {
                        for (TierHost host : added.tierHosts()) {
                            if (inProject.instance(host.instanceName()).filter(Instance::running).isPresent()) {
                                progress.report(host.instanceName(), "leaving the swarm");
                                engines.open(host).leaveSwarm(true);
                            }
                        }
                    }
                }
                removed.addAll(removeNodes(definition, List.of(endpointName)));
                removed.addAll(removeFrom(lxd, definition.layout(), remote));
            }
            return null;
        });
        forget(definition, endpointName);
        return removed;
    }

    /**
     * What {@link #cull} would remove: the added endpoints whose LXD does not answer and none of whose
     * swarm nodes is Ready.
     *
     * @return the endpoints' names
     * @throws BcmException NOT_FOUND, and as {@link #engines} when the first endpoint's swarm manager does not answer
     */
    public List<String> cullCandidates(String name) {
        ClusterLayout.validateName(name);
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        RemoteEndpoint remote = new RemoteEndpoint(store.home(), ports);
        List<SwarmNode> nodes;
        try (Engines engines = engines(name)) {
            nodes = mapped(definition, () -> engines.manager().nodes());
        }
        List<String> dead = new ArrayList<>();
        for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
            boolean anyReady = nodes.stream().anyMatch(n -> added.name().equals(n.labels().get(ClusterLayout.SWARM_ENDPOINT_LABEL)) && n.isReady());
            if (!anyReady && !answers(name, added, remote)) {
                dead.add(added.name());
            }
        }
        return dead;
    }

    /**
     * Forgets added endpoints that stopped answering ({@code bcm cluster cull}): their swarm nodes are
     * removed (the swarm reschedules their services where placement allows) and they leave the
     * definition. What the cluster had on them stays there: they do not answer.
     *
     * @param endpointNames what {@link #cullCandidates} returned and the operator confirmed
     * @return the swarm nodes removed, e.g. {@code swarm node bcm-bitcoin-nuc2-01}
     * @throws BcmException NOT_FOUND; INVALID_INPUT when one of them answers again (remove it with {@link #removeEndpoint})
     */
    public List<String> cull(String name, List<String> endpointNames) {
        List<String> candidates = cullCandidates(name);
        List<String> answering = endpointNames.stream().filter(e -> !candidates.contains(e)).toList();
        if (!answering.isEmpty()) {
            throw new BcmException(Kind.INVALID_INPUT, "Endpoint(s) " + String.join(", ", answering) + " of cluster '" + name
                    + "' answer or are not in it", "remove an answering endpoint with 'bcm cluster remove-endpoint'");
        }
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        List<String> removed = removeNodes(definition, endpointNames);
        for (String endpointName : endpointNames) {
            definition = forget(definition, endpointName);
        }
        return removed;
    }

    /** Removes the swarm nodes of these added endpoints, through the first endpoint's manager. */
    private List<String> removeNodes(ClusterDefinition definition, List<String> endpointNames) {
        List<String> removed = new ArrayList<>();
        try (Engines engines = engines(definition.name())) {
            mapped(definition, () -> {
                for (SwarmNode node : engines.manager().nodes()) {
                    if (endpointNames.contains(node.labels().get(ClusterLayout.SWARM_ENDPOINT_LABEL))) {
                        progress.report("swarm", "removing node " + node.hostname());
                        engines.manager().removeNode(node.id(), true);
                        removed.add("swarm node " + node.hostname());
                    }
                }
                return null;
            });
        }
        return removed;
    }

    /** The definition without the added endpoint, stored, and its pinned certificate deleted. */
    private ClusterDefinition forget(ClusterDefinition definition, String endpointName) {
        ClusterDefinition updated = definition.withoutAddedEndpoint(endpointName);
        store.save(updated);
        BcmHome.deleteTree(new RemoteEndpoint(store.home(), ports).pinnedCertificate(definition.name(), endpointName).getParent());
        progress.report("cluster", "endpoint " + endpointName + " left cluster '" + definition.name() + "'");
        return updated;
    }

    /** Whether an added endpoint's LXD answers (and trusts this controller). */
    private boolean answers(String name, ClusterDefinition.AddedEndpoint added, RemoteEndpoint remote) {
        try (InstanceServer lxd = connectAdded(name, added, remote)) {
            return true;
        } catch (BcmException | LxdException e) {
            return false;
        }
    }

    /**
     * An added endpoint with its pinned certificate, checked to trust this controller.
     *
     * @throws BcmException LXD_UNAVAILABLE when it does not answer (the hint names {@code cull}) or
     *     does not trust this controller; a changed certificate passes as {@link LxdCertificateMismatchException}
     */
    private InstanceServer connectAdded(String name, ClusterDefinition.AddedEndpoint added, RemoteEndpoint remote) {
        try {
            return trusted(remote.connect(name, added), added.endpoint(), "run 'bcm cluster add-endpoint --cluster-name=" + name
                    + " --endpoint-name=" + added.name() + "' with --trust-token (provider lxd) or over SSH again (provider ssh) to be trusted again");
        } catch (LxdCertificateMismatchException e) {
            throw e;
        } catch (LxdUnavailableException e) {
            throw new BcmException(Kind.LXD_UNAVAILABLE, "Endpoint '" + added.name() + "' (" + added.endpoint() + ") of cluster '" + name
                    + "' does not answer: " + e.getMessage(), "bring it back and run this again; or forget it with 'bcm cluster cull --cluster-name="
                    + name + "', which cannot delete what the cluster left on it", e);
        }
    }

    private static BcmException unknownProvider(String provider) {
        return new BcmException(Kind.INVALID_INPUT, "Unknown provider '" + provider + "'",
                "use --provider=local (this machine's LXD), lxd (an LXD on HTTPS) or ssh (a host bcm sets up)");
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

    private Target local(String name, Placement placement) {
        if (placement.endpoint() != null || placement.trustToken() != null
                || placement.ssh() != null && placement.ssh().hostname() != null) {
            throw new BcmException(Kind.INVALID_INPUT, "--endpoint, --trust-token and --hostname are for a remote endpoint",
                    "add --provider=lxd (with --endpoint) or --provider=ssh (with --hostname)");
        }
        return new Target(new ClusterDefinition(name, ClusterDefinition.LOCAL_PROVIDER, ports.lxdEndpoint(), null, null, null, null, null),
                null, false);
    }

    /**
     * A remote endpoint made ready: trusting this controller, its certificate pinned.
     *
     * @param endpoint   {@code https://HOST:PORT}
     * @param ssh        the SSH login's target for provider {@code ssh}; else null
     * @param trustedNow whether this run made it trust the controller
     */
    private record Reached(String endpoint, ClusterDefinition.SshTarget ssh, boolean trustedNow) {
    }

    /**
     * Makes a remote endpoint ready: with {@code --provider=lxd} pinned and trusted by the token the
     * first time, by the stored pin after; with {@code --provider=ssh} logged in to, LXD set up, what
     * it reports pinned, and made to trust the controller.
     *
     * @param what           what is placed there, for messages, e.g. {@code Cluster 'home'}
     * @param pinned         where its certificate is pinned
     * @param storedEndpoint the endpoint stored for it, if any: it must stay the same
     * @param storedSsh      the SSH target stored for it, if any
     */
    private Reached reach(String what, Path pinned, String provider, Placement placement, String storedEndpoint,
            ClusterDefinition.SshTarget storedSsh, RemoteEndpoint remote) {
        if (ClusterDefinition.LXD_PROVIDER.equals(provider)) {
            String given = placement.endpoint() != null ? placement.endpoint() : storedEndpoint;
            if (given == null) {
                throw new BcmException(Kind.INVALID_INPUT, "--provider=lxd needs --endpoint", "give --endpoint=https://HOST:8443");
            }
            String endpoint = RemoteEndpoint.parseEndpoint(given).toString();
            requireSameEndpoint(what, storedEndpoint, endpoint);
            boolean trustedNow = false;
            if (placement.trustToken() != null) {
                trustedNow = remote.joinWithToken(pinned, URI.create(endpoint), placement.trustToken());
            } else if (!Files.exists(pinned)) {
                throw new BcmException(Kind.INVALID_INPUT, "--provider=lxd needs --trust-token the first time",
                        "make one on the endpoint with 'lxc config trust add --name bcm' and pass it as --trust-token");
            }
            return new Reached(endpoint, null, trustedNow);
        }
        SshLogin login = placement.ssh();
        if ((login == null || login.hostname() == null) && storedSsh != null) {
            login = SshLogin.of(storedSsh, login);
        }
        if (login == null || login.hostname() == null) {
            throw new BcmException(Kind.INVALID_INPUT, "--provider=ssh needs --hostname", "give --hostname=HOST");
        }
        if (!LoginNames.validHost(login.hostname())) {
            throw new BcmException(Kind.INVALID_INPUT, "Invalid --hostname '" + login.hostname() + "'", LoginNames.HOST_RULE);
        }
        if (!LoginNames.validUser(login.user()) || login.port() > 65535) {
            throw new BcmException(Kind.INVALID_INPUT, "Invalid --ssh-user '" + login.user() + "' or --ssh-port " + login.port(),
                    "user: " + LoginNames.USER_RULE + "; port: 1-65535");
        }
        URI endpoint = RemoteEndpoint.endpointOf(login.hostname());
        requireSameEndpoint(what, storedEndpoint, endpoint.toString());
        boolean trustedNow = false;
        try (SshBootstrap ssh = SshBootstrap.connect(store.home(), login, progress)) {
            remote.pin(pinned, ssh.setUpLxd());
            if (!remote.trusts(pinned, endpoint)) {
                ssh.trust(remote.ensureClientCertificate(), remote.trustName());
                trustedNow = true;
            }
        }
        return new Reached(endpoint.toString(), login.target(), trustedNow);
    }

    /** A stored cluster (or added endpoint) stays where it is: moving it would leave its instances behind where destroy never looks. */
    private static void requireSameEndpoint(String what, String storedEndpoint, String endpoint) {
        if (storedEndpoint != null && !storedEndpoint.equals(endpoint)) {
            throw new BcmException(Kind.INVALID_INPUT, what + " runs at " + storedEndpoint + ", not " + endpoint,
                    "leave out --endpoint and --hostname to converge it there, or destroy (remove) it first to move it");
        }
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
        RemoteEndpoint remote = new RemoteEndpoint(store.home(), ports);
        for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
            try (InstanceServer lxd = connectAdded(name, added, remote)) {
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
        return new ClusterVerifier(store, ports, this::open, added -> new RemoteEndpoint(store.home(), ports).connect(name, added))
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
        List<String> fromAdded = new ArrayList<>();
        if (definition != null && !definition.addedEndpoints().isEmpty()) {
            RemoteEndpoint remote = new RemoteEndpoint(store.home(), ports);
            for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
                if (!answers(name, added, remote)) {
                    throw new BcmException(Kind.LXD_UNAVAILABLE, "Endpoint '" + added.name() + "' (" + added.endpoint() + ") of cluster '"
                            + name + "' does not answer; nothing was destroyed",
                            "bring it back, or forget it with 'bcm cluster cull --cluster-name=" + name + "' first");
                }
            }
            ClusterDefinition remaining = definition;
            for (ClusterDefinition.AddedEndpoint added : definition.addedEndpoints()) {
                fromAdded.addAll(mapped(definition, () -> {
                    try (InstanceServer lxd = connectAdded(name, added, remote)) {
                        return removeFrom(lxd, layout, remote);
                    }
                }));
                // gone from the definition at once: a rerun after a later failure does not look for it again
                remaining = forget(remaining, added.name());
            }
        }
        ClusterDefinition first = store.load(name).orElse(null);
        return withLxd(first, lxd -> {
            List<String> removed = new ArrayList<>(fromAdded);
            boolean defined = first != null || Files.exists(store.home().clusterDir(name));
            removed.addAll(first != null && first.remote() ? removeFrom(lxd, layout, new RemoteEndpoint(store.home(), ports))
                    : new ClusterTeardown(timeouts, progress).destroy(lxd, layout));
            if (removed.isEmpty() && !defined) {
                throw notFound(name);
            }
            store.delete(name);
            return removed;
        });
    }

    /**
     * Removes the cluster's objects from a remote endpoint; when no bcm cluster is left there (LXD
     * tells, not the controller's files), also bcm's base image and the endpoint's trust in this controller.
     */
    private List<String> removeFrom(InstanceServer lxd, ClusterLayout layout, RemoteEndpoint remote) {
        ClusterTeardown teardown = new ClusterTeardown(timeouts, progress);
        List<String> removed = new ArrayList<>(teardown.destroy(lxd, layout));
        if (lxd.lxdProjects().stream().noneMatch(p -> p.config().containsKey(ClusterLayout.CLUSTER_LABEL))) {
            removed.addAll(teardown.releaseEndpoint(lxd, remote.controllerFingerprint()));
        }
        return removed;
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
        return mapped(definition, () -> {
            InstanceServer lxd = connect(definition);
            try {
                return new EngineAccess(store, ports).open(lxd, definition);
            } catch (RuntimeException e) {
                lxd.close();
                throw e;
            }
        });
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
        return new BcmException(Kind.NOT_FOUND, "Cluster '" + name + "' does not exist", "see 'bcm cluster list'");
    }

    /**
     * Runs {@code work} with a connection to the cluster's endpoint that trusts bcm (the local LXD when
     * {@code definition} is null or local), turning adapter failures into {@link BcmException}s.
     */
    private <T> T withLxd(ClusterDefinition definition, Function<InstanceServer, T> work) {
        return mapped(definition, () -> {
            try (InstanceServer lxd = connect(definition)) {
                return work.apply(lxd);
            }
        });
    }

    private <T> T mapped(ClusterDefinition definition, Supplier<T> work) {
        try {
            return work.get();
        } catch (LxdCertificateMismatchException e) {
            throw new BcmException(Kind.LXD_UNAVAILABLE, "LXD certificate changed: " + e.getMessage(),
                    "bcm refuses to talk to it; " + (definition == null ? "check the endpoint"
                            : RemoteEndpoint.rePinHint(definition.name(), definition.endpoint())), e);
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

    /** Opens the cluster's endpoint without checking trust: for {@link ClusterVerifier}, which reports it. */
    private InstanceServer open(ClusterDefinition definition) {
        if (definition != null && definition.remote()) {
            return new RemoteEndpoint(store.home(), ports).connect(definition);
        }
        return ports.lxd().get();
    }

    private InstanceServer connect(ClusterDefinition definition) {
        InstanceServer lxd;
        try {
            lxd = open(definition);
        } catch (LxdUnavailableException e) {
            throw lxdUnavailable(e);
        }
        if (definition != null && definition.remote()) {
            return trusted(lxd, definition.endpoint(), "run 'bcm cluster create --cluster-name=" + definition.name()
                    + "' with --trust-token (provider lxd) or over SSH again (provider ssh) to be trusted again");
        }
        return trusted(lxd, null, "run bcm as a user in the LXD group (or root)");
    }

    /** {@code lxd} when it trusts this client; else closed, and LXD_UNAVAILABLE with {@code hint}. */
    private static InstanceServer trusted(InstanceServer lxd, String endpoint, String hint) {
        try {
            if (!"trusted".equals(lxd.server().auth())) {
                throw new BcmException(Kind.LXD_UNAVAILABLE, endpoint == null ? "LXD does not trust this client"
                        : "LXD at " + endpoint + " does not trust this controller", hint);
            }
            return lxd;
        } catch (RuntimeException e) {
            lxd.close();
            throw e;
        }
    }

    private static BcmException lxdUnavailable(LxdException e) {
        return new BcmException(Kind.LXD_UNAVAILABLE, "LXD is not reachable: " + e.getMessage(),
                "install and start LXD (scripts/install.sh does both), or set LXD_DIR to its directory; "
                        + "for a remote endpoint, check that it is up and reachable", e);
    }
}
