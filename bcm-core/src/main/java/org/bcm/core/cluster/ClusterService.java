package org.bcm.core.cluster;

import java.nio.file.Files;
import java.util.List;
import java.util.function.Function;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.Ports;
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
     * Creates the cluster, or converges an existing or half-made one to its definition.
     *
     * @param provider only {@link ClusterDefinition#LOCAL_PROVIDER}
     * @return the stored definition
     * @throws BcmException INVALID_INPUT (name, provider), CONFLICT (a name bcm would use is taken by
     *                      something it did not create), LXD_UNAVAILABLE, HOST_PREREQUISITE (image
     *                      build), DOCKER_FAILED, TIMEOUT
     */
    public ClusterDefinition create(String name, String provider) {
        ClusterLayout.validateName(name);
        if (!ClusterDefinition.LOCAL_PROVIDER.equals(provider)) {
            throw new BcmException(Kind.INVALID_INPUT, "Unknown provider '" + provider + "'",
                    "use --provider=local (the LXD daemon on this machine)");
        }
        return withLxd(lxd -> new ClusterProvisioner(store, ports, timeouts, progress).create(lxd, name, provider));
    }

    /** Every cluster bcm knows of: stored definitions and clusters whose labelled LXD objects exist. */
    public List<ClusterStatus> list() {
        return withLxd(lxd -> inspector().list(lxd));
    }

    /**
     * The cluster's instances, their state and addresses.
     *
     * @throws BcmException NOT_FOUND when neither a definition nor any labelled LXD object exists
     */
    public ClusterStatus show(String name) {
        ClusterLayout.validateName(name);
        return withLxd(lxd -> {
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
        return new ClusterVerifier(store, ports).verify(definition);
    }

    /**
     * Stops every instance of the cluster (gracefully, forced after 30 s).
     *
     * @throws BcmException NOT_FOUND when the cluster has no LXD project
     */
    public void stop(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        withLxd(lxd -> {
            if (!new ClusterTeardown(timeouts, progress).stop(lxd, layout)) {
                throw notFound(name);
            }
            return null;
        });
    }

    /**
     * Removes everything that carries the cluster's label (instances, profiles, the LXD project, the
     * network, the storage pool) and the cluster's directory in the bcm home. The shared base image
     * stays: it is a cache, labelled as bcm's but not as any cluster's.
     *
     * @return the LXD objects removed, e.g. {@code instance bcm-gateway-01}
     * @throws BcmException NOT_FOUND when there is neither a definition nor any labelled object
     */
    public List<String> destroy(String name) {
        ClusterLayout layout = new ClusterLayout(name);
        return withLxd(lxd -> {
            List<String> removed = new ClusterTeardown(timeouts, progress).destroy(lxd, layout);
            boolean defined = store.load(name).isPresent() || Files.exists(store.home().clusterDir(name));
            if (removed.isEmpty() && !defined) {
                throw notFound(name);
            }
            store.delete(name);
            return removed;
        });
    }

    /**
     * Connects to the engines of a running cluster and checks that its manager answers.
     *
     * @throws BcmException NOT_FOUND when the cluster does not exist; DOCKER_FAILED when a tier host
     *     is not running or its engine does not answer; LXD_UNAVAILABLE
     */
    public Engines engines(String name) {
        ClusterLayout.validateName(name);
        ClusterDefinition definition = store.load(name).orElseThrow(() -> notFound(name));
        return withLxd(lxd -> new EngineAccess(store, ports).open(lxd, definition));
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
        withLxd(lxd -> {
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
     * Runs {@code work} with an LXD connection that trusts bcm, turning adapter failures into
     * {@link BcmException}s.
     */
    private <T> T withLxd(Function<InstanceServer, T> work) {
        try (InstanceServer lxd = connect()) {
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

    private InstanceServer connect() {
        InstanceServer lxd;
        try {
            lxd = ports.lxd().get();
        } catch (LxdUnavailableException e) {
            throw lxdUnavailable(e);
        }
        try {
            if (!"trusted".equals(lxd.server().auth())) {
                throw new BcmException(Kind.LXD_UNAVAILABLE, "LXD does not trust this client",
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
                "install and start LXD (scripts/install.sh does both), or set LXD_DIR to its directory", e);
    }
}
