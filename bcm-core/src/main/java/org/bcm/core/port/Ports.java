package org.bcm.core.port;

import java.net.URI;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How the orchestration reaches its LXD endpoints and the Docker daemons of the tier hosts.
 *
 * @param lxdEndpoint  the local LXD endpoint as recorded in a cluster definition, e.g.
 *                     {@code unix:///var/lib/lxd/unix.socket}
 * @param lxd          opens the local endpoint; throws {@link org.bcm.lxd.LxdUnavailableException} when it does not answer
 * @param remoteLxd    opens a remote endpoint over HTTPS; no request is made yet
 * @param swarmEngine  opens the Docker daemon behind a unix socket on the controller (a tier host's
 *                     proxy device, or bcm's relay for a remote endpoint); does not contact it yet
 */
public record Ports(String lxdEndpoint, Supplier<InstanceServer> lxd, Function<RemoteLxd, InstanceServer> remoteLxd,
                    Function<Path, SwarmEngine> swarmEngine) {

    /**
     * A remote LXD endpoint and the TLS material to reach it.
     *
     * @param endpoint          e.g. {@code https://192.168.1.20:8443}
     * @param clientCertificate the controller's client certificate, PEM
     * @param clientKey         its key, PEM, mode 0600
     * @param serverCertificate the pinned server certificate, PEM
     */
    public record RemoteLxd(URI endpoint, Path clientCertificate, Path clientKey, Path serverCertificate) {
    }
}
