package org.bcm.core.cluster;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * How the cluster steps reach a cluster's endpoints: the first endpoint (local, or remote with its
 * pinned certificate) and each added one, each checked to trust this controller; a remote endpoint
 * made ready the first time ({@link #reach}); adapter failures (LXD, Docker) turned into
 * {@link BcmException}s ({@link #mapped}).
 */
final class ClusterAccess {

    private final ClusterStore store;
    private final Ports ports;
    private final Progress progress;

    ClusterAccess(ClusterStore store, Ports ports, Progress progress) {
        this.store = store;
        this.ports = ports;
        this.progress = progress;
    }

    RemoteEndpoint remote() {
        return new RemoteEndpoint(store.home(), ports);
    }

    /**
     * Runs {@code work} with a connection to the cluster's endpoint that trusts bcm (the local LXD when
     * {@code definition} is null or local), turning adapter failures into {@link BcmException}s.
     */
    <T> T withLxd(ClusterDefinition definition, Function<InstanceServer, T> work) {
        return mapped(definition, () -> {
            try (InstanceServer lxd = connect(definition)) {
                return work.apply(lxd);
            }
        });
    }

    /**
     * Runs {@code work}; a changed LXD certificate, an LXD that does not answer, another LXD failure
     * and a Docker failure leave as LXD_UNAVAILABLE, LXD_UNAVAILABLE, INTERNAL and DOCKER_FAILED.
     */
    <T> T mapped(ClusterDefinition definition, Supplier<T> work) {
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
    InstanceServer open(ClusterDefinition definition) {
        if (definition != null && definition.remote()) {
            return remote().connect(definition);
        }
        return ports.lxd().get();
    }

    /** The cluster's first endpoint, checked to trust this controller. */
    InstanceServer connect(ClusterDefinition definition) {
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

    /**
     * An added endpoint with its pinned certificate, checked to trust this controller.
     *
     * @throws BcmException LXD_UNAVAILABLE when it does not answer (the hint names {@code cull}) or
     *     does not trust this controller; a changed certificate passes as {@link LxdCertificateMismatchException}
     */
    InstanceServer connectAdded(String name, ClusterDefinition.AddedEndpoint added) {
        try {
            return trusted(remote().connect(name, added), added.endpoint(), "run 'bcm cluster add-endpoint --cluster-name=" + name
                    + " --endpoint-name=" + added.name() + "' with --trust-token (provider lxd) or over SSH again (provider ssh) to be trusted again");
        } catch (LxdCertificateMismatchException e) {
            throw e;
        } catch (LxdUnavailableException e) {
            throw new BcmException(Kind.LXD_UNAVAILABLE, "Endpoint '" + added.name() + "' (" + added.endpoint() + ") of cluster '" + name
                    + "' does not answer: " + e.getMessage(), "bring it back and run this again; or forget it with 'bcm cluster cull --cluster-name="
                    + name + "', which cannot delete what the cluster left on it", e);
        }
    }

    /** Whether an added endpoint's LXD answers (and trusts this controller). */
    boolean answers(String name, ClusterDefinition.AddedEndpoint added) {
        try (InstanceServer lxd = connectAdded(name, added)) {
            return true;
        } catch (BcmException | LxdException e) {
            return false;
        }
    }

    /** The engines of the cluster's first endpoint, its manager checked to answer; see {@link ClusterService#engines}. */
    Engines engines(ClusterDefinition definition) {
        return engines(definition, false);
    }

    /** @param runningOnly leave out tier hosts that are not running ({@link EngineAccess#open}) */
    Engines engines(ClusterDefinition definition, boolean runningOnly) {
        return mapped(definition, () -> {
            InstanceServer lxd = connect(definition);
            try {
                return new EngineAccess(store, ports).open(lxd, definition, runningOnly);
            } catch (RuntimeException e) {
                lxd.close();
                throw e;
            }
        });
    }

    /**
     * A remote endpoint made ready: trusting this controller, its certificate pinned.
     *
     * @param endpoint   {@code https://HOST:PORT}
     * @param ssh        the SSH login's target for provider {@code ssh}; else null
     * @param trustedNow whether this run made it trust the controller
     */
    record Reached(String endpoint, ClusterDefinition.SshTarget ssh, boolean trustedNow) {
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
    Reached reach(String what, Path pinned, String provider, ClusterService.Placement placement, String storedEndpoint,
            ClusterDefinition.SshTarget storedSsh) {
        RemoteEndpoint remote = remote();
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

    static BcmException notFound(String name) {
        return new BcmException(Kind.NOT_FOUND, "Cluster '" + name + "' does not exist", "see 'bcm cluster list'");
    }

    static BcmException unknownProvider(String provider) {
        return new BcmException(Kind.INVALID_INPUT, "Unknown provider '" + provider + "'",
                "use --provider=local (this machine's LXD), lxd (an LXD on HTTPS) or ssh (a host bcm sets up)");
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
