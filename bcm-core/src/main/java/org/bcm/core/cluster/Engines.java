package org.bcm.core.cluster;

import java.util.Map;
import org.bcm.core.port.SwarmEngine;

/**
 * The Docker engines of a cluster's tier hosts, reached through their proxy-device sockets on the
 * controller; the gateway's is the swarm manager. Close it to release the connections.
 *
 * @param cluster        the cluster name
 * @param manager        the gateway host's engine, a swarm manager
 * @param gatewayAddress the gateway host's IPv4 address on the cluster network
 * @param engines        every tier host's engine, by instance name
 * @param transport      closes the engines and what they need open: a remote endpoint's relays and its LXD connection
 */
public record Engines(String cluster, SwarmEngine manager, String gatewayAddress, Map<String, SwarmEngine> engines,
                      AutoCloseable transport) implements AutoCloseable {
    @Override
    public void close() {
        try {
            transport.close();
        } catch (Exception e) {
            // closing relays and an HTTPS pool: nothing the caller could do about a failure
        }
    }
}
