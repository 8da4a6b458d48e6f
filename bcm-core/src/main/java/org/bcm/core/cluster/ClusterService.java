package org.bcm.core.cluster;

import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.identity.LoginNames;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.Ports;
import org.bcm.lxd.LxdCertificateMismatchException;
import org.bcm.lxd.LxdException;
import org.bcm.lxd.LxdUnavailableException;
import org.bcm.swarm.DockerEngineException;

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
        Target target = switch (provider) {
            case ClusterDefinition.LOCAL_PROVIDER -> local(name, placement);
            case ClusterDefinition.LXD_PROVIDER -> overHttps(name, placement, stored, remote);
            case ClusterDefinition.SSH_PROVIDER -> overSsh(name, placement, stored, remote);
            default -> throw new BcmException(Kind.INVALID_INPUT, "Unknown provider '" + provider + "'",
                    "use --provider=local (this machine's LXD), lxd (an LXD on HTTPS) or ssh (a host bcm sets up)");
        };
        return withLxd(target.requested(), lxd -> {
            if (target.controllerId() != null) {
                remote.requireNoOtherController(lxd, target.requested().endpoint(), target.trustedNow());
            }
            return new ClusterProvisioner(store, ports, timeouts, progress).create(lxd, target.requested(), target.controllerId());
        });
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
        return new Target(new ClusterDefinition(name, ClusterDefinition.LOCAL_PROVIDER, ports.lxdEndpoint(), null, null, null, null),
                null, false);
    }

    /** {@code --provider=lxd}: pin and trust by the token the first time, by the stored pin after. */
    private Target overHttps(String name, Placement placement, ClusterDefinition stored, RemoteEndpoint remote) {
        String given = placement.endpoint() != null ? placement.endpoint() : stored != null ? stored.endpoint() : null;
        if (given == null) {
            throw new BcmException(Kind.INVALID_INPUT, "--provider=lxd needs --endpoint", "give --endpoint=https://HOST:8443");
        }
        String endpoint = RemoteEndpoint.parseEndpoint(given).toString();
        requireSameEndpoint(stored, endpoint);
        boolean trustedNow = false;
        if (placement.trustToken() != null) {
            trustedNow = remote.joinWithToken(name, URI.create(endpoint), placement.trustToken());
        } else if (!Files.exists(remote.pinnedCertificate(name))) {
            throw new BcmException(Kind.INVALID_INPUT, "--provider=lxd needs --trust-token the first time",
                    "make one on the endpoint with 'lxc config trust add --name bcm' and pass it as --trust-token");
        }
        return new Target(new ClusterDefinition(name, ClusterDefinition.LXD_PROVIDER, endpoint, null, null, null, null),
                remote.controllerId(), trustedNow);
    }

    /** {@code --provider=ssh}: log in, set LXD up, pin what it reports, make it trust the controller. */
    private Target overSsh(String name, Placement placement, ClusterDefinition stored, RemoteEndpoint remote) {
        SshLogin login = placement.ssh();
        if ((login == null || login.hostname() == null) && stored != null && stored.ssh() != null) {
            login = SshLogin.of(stored.ssh(), login);
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
        requireSameEndpoint(stored, endpoint.toString());
        boolean trustedNow = false;
        try (SshBootstrap ssh = SshBootstrap.connect(store.home(), login, progress)) {
            remote.pin(name, ssh.setUpLxd());
            if (!remote.trusts(name, endpoint)) {
                ssh.trust(remote.ensureClientCertificate(), remote.trustName());
                trustedNow = true;
            }
        }
        return new Target(new ClusterDefinition(name, ClusterDefinition.SSH_PROVIDER, endpoint.toString(), null, null, null, login.target()),
                remote.controllerId(), trustedNow);
    }

    /** A stored cluster stays where it is: moving it would leave its instances behind where destroy never looks. */
    private static void requireSameEndpoint(ClusterDefinition stored, String endpoint) {
        if (stored != null && !stored.endpoint().equals(endpoint)) {
            throw new BcmException(Kind.INVALID_INPUT, "Cluster '" + stored.name() + "' runs at " + stored.endpoint() + ", not " + endpoint,
                    "leave out --endpoint and --hostname to converge it there, or destroy it first to move it");
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
     * The cluster's instances, their state and addresses.
     *
     * @throws BcmException NOT_FOUND when neither a definition nor any labelled LXD object exists
     */
    public ClusterStatus show(String name) {
        ClusterLayout.validateName(name);
        return withLxd(store.load(name).orElse(null), lxd -> {
            ClusterStatus status = inspector().status(lxd, name);
            if (!ClusterInspector.exists(lxd, status)) {
                throw notFound(name);
            }
            return status;
        });
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
        return new ClusterVerifier(store, ports, this::open).verify(definition);
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
     * controller go too.
     *
     * @return the LXD objects removed, e.g. {@code instance bcm-gateway-01}
     * @throws BcmException NOT_FOUND when there is neither a definition nor any labelled object
     */
    public List<String> destroy(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        ClusterDefinition definition = store.load(name).orElse(null);
        return withLxd(definition, lxd -> {
            List<String> removed = new ArrayList<>(new ClusterTeardown(timeouts, progress).destroy(lxd, layout));
            boolean defined = definition != null || Files.exists(store.home().clusterDir(name));
            if (removed.isEmpty() && !defined) {
                throw notFound(name);
            }
            if (definition != null && definition.remote()
                    && lxd.lxdProjects().stream().noneMatch(p -> p.config().containsKey(ClusterLayout.CLUSTER_LABEL))) {
                removed.addAll(new ClusterTeardown(timeouts, progress).releaseEndpoint(lxd,
                        new RemoteEndpoint(store.home(), ports).controllerFingerprint()));
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
        try {
            if (!"trusted".equals(lxd.server().auth())) {
                throw definition != null && definition.remote()
                        ? new BcmException(Kind.LXD_UNAVAILABLE, "LXD at " + definition.endpoint() + " does not trust this controller",
                                "run 'bcm cluster create --cluster-name=" + definition.name() + "' with --trust-token (provider lxd) or "
                                        + "over SSH again (provider ssh) to be trusted again")
                        : new BcmException(Kind.LXD_UNAVAILABLE, "LXD does not trust this client",
                                "run bcm as a user in the LXD group (or root)");
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
