package org.bcm.core.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.Ports;
import org.bcm.lxd.ClientIdentity;
import org.bcm.lxd.LxdCertificateMismatchException;
import org.bcm.lxd.LxdException;
import org.bcm.lxd.Project;
import org.bcm.lxd.TrustToken;

/**
 * A cluster's remote LXD endpoint over HTTPS: the controller's client certificate (generated once
 * per bcm home, {@code controller/lxd-client.crt} and its key, mode 0600), the endpoint's server
 * certificate pinned per cluster ({@code clusters/NAME/lxd-server.crt}), and the two ways to get
 * trusted: a trust token ({@code --provider=lxd}) or SSH ({@link SshBootstrap}).
 *
 * <p>Every object bcm creates on a remote endpoint also carries {@link #CONTROLLER_LABEL}, the
 * first 16 hex digits of the controller certificate's SHA-256: an endpoint whose bcm objects carry
 * another controller's label is refused.
 */
final class RemoteEndpoint {

    /** The LXD config key naming the controller that manages a remote endpoint's bcm objects. */
    static final String CONTROLLER_LABEL = "user.bcm.controller";
    /** LXD's HTTPS port ({@code core.https_address}). */
    static final int LXD_PORT = 8443;

    private final BcmHome home;
    private final Ports ports;
    /** The controller's certificate once read (one command reads it once). */
    private String certificate;

    RemoteEndpoint(BcmHome home, Ports ports) {
        this.home = home;
        this.ports = ports;
    }

    Path clientCertificate() {
        return home.controllerDir().resolve("lxd-client.crt");
    }

    Path clientKey() {
        return home.controllerDir().resolve("lxd-client.key");
    }

    /** The pinned server certificate of the cluster's first endpoint. */
    Path pinnedCertificate(String clusterName) {
        return home.clusterDir(clusterName).resolve("lxd-server.crt");
    }

    /** The pinned server certificate of an endpoint added to the cluster: {@code clusters/NAME/endpoints/ENDPOINT/lxd-server.crt}. */
    Path pinnedCertificate(String clusterName, String endpointName) {
        return endpointName == null ? pinnedCertificate(clusterName) : home.clusterDir(clusterName).resolve("endpoints").resolve(endpointName).resolve("lxd-server.crt");
    }

    /**
     * The controller's client certificate, PEM; generated when there is none. A key without its
     * certificate is the remains of a generation that was cut short (the key is written first, the
     * certificate last), never trusted anywhere, so it is replaced. A certificate without its key is
     * refused: a new identity would be a stranger to every endpoint that trusts this one.
     *
     * @throws BcmException INTERNAL when the key is missing or the files cannot be written or read
     */
    String ensureClientCertificate() {
        if (certificate != null) {
            return certificate;
        }
        if (!Files.exists(clientCertificate())) {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "controller";
            }
            ClientIdentity.Generated generated = ClientIdentity.generate("bcm@" + host);
            try {
                // the key first, the certificate last: a certificate on disk always has its key
                BcmHome.writeAtomically(clientKey(), generated.keyPem().getBytes(StandardCharsets.US_ASCII), true);
                BcmHome.writeAtomically(clientCertificate(), generated.certificatePem().getBytes(StandardCharsets.US_ASCII), false);
            } catch (UncheckedIOException e) {
                throw new BcmException(Kind.INTERNAL, "Cannot write the controller's LXD client certificate: " + e.getMessage(),
                        "check that " + home.controllerDir() + " is writable", e);
            }
        } else if (!Files.exists(clientKey())) {
            throw new BcmException(Kind.INTERNAL, "The controller's LXD client key " + clientKey() + " is missing",
                    "restore it from a backup of the bcm home; a new identity would have to be trusted again by every remote endpoint"
                            + " (move " + clientCertificate() + " away, then run 'bcm cluster create' for each remote cluster again)");
        }
        try {
            certificate = Files.readString(clientCertificate(), StandardCharsets.US_ASCII);
            return certificate;
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Cannot read " + clientCertificate(), "check its permissions", e);
        }
    }

    /** The SHA-256 fingerprint of the controller's client certificate, as LXD names it in its trust store. */
    String controllerFingerprint() {
        return ClientIdentity.fingerprint(ensureClientCertificate());
    }

    /** This controller's label value ({@link #CONTROLLER_LABEL}). */
    String controllerId() {
        return controllerFingerprint().substring(0, 16);
    }

    /** The name bcm's certificate gets in the endpoint's trust store. */
    String trustName() {
        return "bcm-" + controllerId();
    }

    /** The endpoint URL of a host: {@code https://HOST:8443}. */
    static URI endpointOf(String hostname) {
        try {
            String host = hostname.contains(":") && !hostname.startsWith("[") ? "[" + hostname + "]" : hostname;
            return new URI("https://" + host + ":" + LXD_PORT);
        } catch (URISyntaxException e) {
            throw new BcmException(Kind.INVALID_INPUT, "Invalid host name '" + hostname + "'", "give a host name or an IP address");
        }
    }

    /**
     * Parses and checks an {@code --endpoint}.
     *
     * @throws BcmException INVALID_INPUT unless it is {@code https://HOST[:PORT]}
     */
    static URI parseEndpoint(String endpoint) {
        try {
            URI uri = new URI(endpoint.strip());
            if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new URISyntaxException(endpoint, "not https://HOST[:PORT]");
            }
            return new URI("https", null, uri.getHost(), uri.getPort() < 0 ? LXD_PORT : uri.getPort(), null, null, null);
        } catch (URISyntaxException e) {
            throw new BcmException(Kind.INVALID_INPUT, "Invalid --endpoint '" + endpoint + "'", "give it as https://HOST:8443");
        }
    }

    /** Connects to the cluster's first endpoint with the pinned certificate; no request yet. */
    InstanceServer connect(ClusterDefinition definition) {
        return connect(definition.name(), pinnedCertificate(definition.name()), definition.endpoint());
    }

    /** Connects to an endpoint added to the cluster with its pinned certificate; no request yet. */
    InstanceServer connect(String clusterName, ClusterDefinition.AddedEndpoint added) {
        return connect(clusterName, pinnedCertificate(clusterName, added.name()), added.endpoint());
    }

    private InstanceServer connect(String clusterName, Path pinned, String endpoint) {
        if (!Files.exists(pinned)) {
            throw new BcmException(Kind.LXD_UNAVAILABLE, "No pinned certificate for the endpoint " + endpoint + " of cluster '" + clusterName
                    + "' (" + pinned + " is missing)", rePinHint(clusterName, endpoint));
        }
        return open(pinned, URI.create(endpoint));
    }

    /** The endpoint with the controller's certificate and the pinned one; no request yet. */
    private InstanceServer open(Path pinned, URI endpoint) {
        ensureClientCertificate();
        return ports.remoteLxd().apply(new Ports.RemoteLxd(endpoint, clientCertificate(), clientKey(), pinned));
    }

    /**
     * Pins the endpoint's certificate after checking it against the trust token's fingerprint, then
     * redeems the token unless the endpoint already trusts this controller.
     *
     * @return whether this call made the endpoint trust the controller
     *
     * @throws BcmException INVALID_INPUT (malformed token), CONFLICT (the certificate is not the
     *     token's), LXD_UNAVAILABLE (no answer, token refused)
     */
    boolean joinWithToken(Path pinned, URI endpoint, String tokenText) {
        TrustToken token;
        try {
            token = TrustToken.parse(tokenText);
        } catch (IllegalArgumentException e) {
            throw new BcmException(Kind.INVALID_INPUT, "Invalid --trust-token: " + e.getMessage(),
                    "make one on the endpoint with 'lxc config trust add --name bcm' and pass it whole");
        }
        String presented;
        try {
            presented = ClientIdentity.serverCertificate(endpoint);
        } catch (LxdException e) {
            throw new BcmException(Kind.LXD_UNAVAILABLE, "LXD at " + endpoint + " does not answer: " + e.getMessage(),
                    "check the address, and that LXD listens there ('lxc config set core.https_address :8443' on the endpoint)", e);
        }
        String fingerprint = ClientIdentity.fingerprint(presented);
        if (!fingerprint.equals(token.fingerprint())) {
            throw new BcmException(Kind.CONFLICT, "LXD at " + endpoint + " presents certificate SHA-256 " + fingerprint
                    + ", but the trust token was made by the server with " + token.fingerprint(),
                    "check that the address is the endpoint that made the token; something else may be answering there");
        }
        pin(pinned, presented);
        try (InstanceServer lxd = open(pinned, endpoint)) {
            if ("trusted".equals(lxd.server().auth())) {
                return false;
            }
            lxd.trustWithToken(trustName(), token);
            return true;
        } catch (LxdException e) {
            throw new BcmException(Kind.LXD_UNAVAILABLE, "LXD at " + endpoint + " refused the trust token: " + e.getMessage(),
                    "make a new token on the endpoint ('lxc config trust add --name bcm'); a token works once and expires", e);
        }
    }

    /**
     * Whether the endpoint, reached with the cluster's pinned certificate, trusts this controller.
     *
     * @throws BcmException LXD_UNAVAILABLE when it does not answer on HTTPS
     */
    boolean trusts(Path pinned, URI endpoint) {
        try (InstanceServer lxd = open(pinned, endpoint)) {
            return "trusted".equals(lxd.server().auth());
        } catch (LxdCertificateMismatchException e) {
            throw new BcmException(Kind.LXD_UNAVAILABLE, "The certificate at " + endpoint + " is not the one LXD on the host reported over SSH: "
                    + e.getMessage(), "check that " + endpoint + " reaches that host's LXD (not a proxy or another machine)", e);
        } catch (LxdException e) {
            throw new BcmException(Kind.LXD_UNAVAILABLE, "LXD does not answer at " + endpoint + ": " + e.getMessage(),
                    "check that nothing (a firewall) blocks port " + endpoint.getPort() + " between this machine and the endpoint", e);
        }
    }

    /**
     * Refuses an endpoint whose bcm clusters are not this controller's: an LXD project with bcm's
     * cluster label and another {@link #CONTROLLER_LABEL}, or none (a cluster the endpoint's own bcm
     * made with {@code --provider=local}). When this run had just made the endpoint trust us, that
     * trust is withdrawn first, so the refusal leaves the endpoint as it was.
     *
     * @throws BcmException CONFLICT naming the other controller and the LXD project that carries it
     */
    void requireNoOtherController(InstanceServer lxd, String endpoint, boolean trustedNow) {
        String mine = controllerId();
        for (Project project : lxd.lxdProjects()) {
            String other = project.config().get(CONTROLLER_LABEL);
            if (project.config().containsKey(ClusterLayout.CLUSTER_LABEL) && !mine.equals(other)) {
                if (trustedNow) {
                    lxd.removeCertificate(controllerFingerprint());
                }
                throw new BcmException(Kind.CONFLICT, "The LXD at " + endpoint + " is managed by another bcm controller ("
                        + (other == null ? "LXD project '" + project.name() + "' is a bcm cluster without " + CONTROLLER_LABEL
                                : CONTROLLER_LABEL + "=" + other + " on LXD project '" + project.name() + "'") + "; this controller is " + mine + ")",
                        "manage it from that controller, or destroy its clusters there first");
            }
        }
    }

    /** Writes a pinned server certificate (PEM), e.g. to {@link #pinnedCertificate(String, String)}. */
    void pin(Path pinned, String serverCertificatePem) {
        BcmHome.writeAtomically(pinned, serverCertificatePem.getBytes(StandardCharsets.US_ASCII), false);
    }

    /** What to do when the pinned certificate does not match or is missing. */
    static String rePinHint(String clusterName, String endpoint) {
        return "if the endpoint was reinstalled, compare its certificate ('lxc info | grep fingerprint' on it) and re-pin: "
                + "run 'bcm cluster create --cluster-name=" + clusterName + " --provider=ssh --hostname=HOST' again "
                + "(reads the certificate over SSH) or with --provider=lxd --endpoint=" + endpoint
                + " --trust-token=TOKEN; otherwise something else answers at " + endpoint;
    }
}
