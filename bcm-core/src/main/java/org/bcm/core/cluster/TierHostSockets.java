package org.bcm.core.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.core.home.BcmHome;

/**
 * Where the controller reaches each tier host's Docker daemon: a unix socket in
 * {@code $BCM_HOME/clusters/NAME/docker/}, which an LXD proxy device connects to the container's
 * {@code /run/docker.sock}.
 */
final class TierHostSockets {

    /** The name of the proxy device on every tier host. */
    static final String DOCKER_DEVICE = "docker";

    private final Path dir;

    TierHostSockets(BcmHome home, String clusterName) {
        this.dir = home.clusterDir(clusterName).resolve("docker");
    }

    /** The socket of a tier host's Docker daemon on the controller. */
    Path socket(TierHost host) {
        return dir.resolve(host.instanceName() + ".sock");
    }

    /**
     * The LXD proxy device that listens on {@link #socket} and connects to the container's
     * {@code /run/docker.sock}: the one way bcm reaches a tier's Docker daemon. The socket belongs to
     * the user running bcm, mode 0600. Creates the directory.
     *
     * @throws BcmException INVALID_INPUT when the path is too long for a unix socket
     */
    Map<String, String> dockerProxyDevice(TierHost host) {
        Path socket = socket(host);
        if (socket.toString().length() > 100) {
            throw new BcmException(Kind.INVALID_INPUT, "Docker socket path too long for a unix socket: " + socket,
                    "set BCM_HOME to a shorter directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed creating " + dir, null, e);
        }
        String uid;
        String gid;
        try {
            uid = String.valueOf(Files.getAttribute(dir, "unix:uid"));
            gid = String.valueOf(Files.getAttribute(dir, "unix:gid"));
        } catch (IOException | UnsupportedOperationException e) {
            // no owner to read (a file system without unix attributes): root's, as LXD's default
            uid = "0";
            gid = "0";
        }
        return Map.of("type", "proxy", "bind", "host",
                "listen", "unix:" + socket, "connect", "unix:/run/docker.sock",
                "uid", uid, "gid", gid, "mode", "0600");
    }
}
