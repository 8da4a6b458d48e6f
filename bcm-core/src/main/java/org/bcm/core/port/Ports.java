package org.bcm.core.port;

import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How the orchestration reaches its LXD endpoint and the Docker daemons of the tier hosts.
 *
 * @param lxdEndpoint  the LXD endpoint as recorded in a cluster definition, e.g.
 *                     {@code unix:///var/lib/lxd/unix.socket}
 * @param lxd          opens the endpoint; throws {@link org.bcm.lxd.LxdUnavailableException} when it does not answer
 * @param swarmEngine  opens the Docker daemon behind a unix socket on the controller (a tier host's
 *                     proxy device); does not contact it yet
 */
public record Ports(String lxdEndpoint, Supplier<InstanceServer> lxd, Function<Path, SwarmEngine> swarmEngine) {
}
