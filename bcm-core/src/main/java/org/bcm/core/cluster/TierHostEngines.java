package org.bcm.core.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.core.home.BcmHome;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.Ports;
import org.bcm.core.port.SwarmEngine;

/**
 * Opens the Docker engines of a cluster's tier hosts, the one way bcm reaches them: on the
 * controller's own LXD through each host's proxy-device socket ({@link TierHostSockets}); on a
 * remote endpoint through a {@link DockerRelay} this process serves in a directory of its own
 * ({@code $TMPDIR/bcm-relay-*}, mode 0700), so that two bcm commands never share a relay. Closing it
 * closes every engine it opened, then the relays, and removes their directory.
 */
final class TierHostEngines implements AutoCloseable {

    private final TierHostSockets sockets;
    private final boolean remote;
    private final InstanceServer inProject;
    private final Ports ports;
    private final Map<String, DockerRelay> relays = new LinkedHashMap<>();
    private final List<SwarmEngine> opened = new ArrayList<>();
    private Path relayDir;

    /**
     * @param inProject the endpoint's LXD in the cluster's LXD project; used by the relays, so it must
     *                  stay open until this is closed
     */
    TierHostEngines(BcmHome home, ClusterDefinition definition, InstanceServer inProject, Ports ports) {
        this(home, definition.name(), definition.remote(), inProject, ports);
    }

    /**
     * @param remote    whether {@code inProject} is a remote endpoint (relays) or the controller's own LXD (proxy-device sockets)
     * @param inProject as above
     */
    TierHostEngines(BcmHome home, String clusterName, boolean remote, InstanceServer inProject, Ports ports) {
        this.sockets = new TierHostSockets(home, clusterName);
        this.remote = remote;
        this.inProject = inProject;
        this.ports = ports;
    }

    /** The engine of a tier host; not contacted yet. */
    synchronized SwarmEngine open(TierHost host) {
        Path socket = sockets.socket(host);
        if (remote) {
            socket = relayDir().resolve(host.instanceName() + ".sock");
            Path at = socket;
            relays.computeIfAbsent(host.instanceName(), name -> DockerRelay.serve(inProject, name, at));
        }
        SwarmEngine engine = ports.swarmEngine().apply(socket);
        opened.add(engine);
        return engine;
    }

    private Path relayDir() {
        if (relayDir == null) {
            try {
                relayDir = Files.createTempDirectory("bcm-relay-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (IOException e) {
                throw new BcmException(Kind.INTERNAL, "Cannot create a directory for the Docker relays: " + e.getMessage(), "check TMPDIR", e);
            }
        }
        return relayDir;
    }

    @Override
    public synchronized void close() {
        opened.forEach(SwarmEngine::close);
        opened.clear();
        relays.values().forEach(DockerRelay::close);
        relays.clear();
        if (relayDir != null) {
            BcmHome.deleteTree(relayDir);
            relayDir = null;
        }
    }
}
