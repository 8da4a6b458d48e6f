package org.bcm.core.adapter;

import org.bcm.core.port.Ports;

/** The ports of the controller's own LXD daemon and of the tier hosts' Docker daemons behind its proxy devices. */
public final class LocalPorts {

    private LocalPorts() {
    }

    /** The local LXD (unix socket, {@link LxdInstanceServer#connectLocal()}), remote ones over HTTPS, and Docker engines over unix sockets. */
    public static Ports create() {
        return new Ports(LxdInstanceServer.localEndpoint(), LxdInstanceServer::connectLocal, LxdInstanceServer::connectRemote,
                DockerSwarmEngine::connect);
    }
}
