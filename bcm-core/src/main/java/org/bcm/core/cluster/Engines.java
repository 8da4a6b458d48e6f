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
 * @param endpoint       the cluster's LXD endpoint, as in its definition
 * @param transport      closes the engines and what they need open: a remote endpoint's relays and its LXD connection
 */
public record Engines(String cluster, SwarmEngine manager, String gatewayAddress, Map<String, SwarmEngine> engines,
                      String endpoint, AutoCloseable transport) implements AutoCloseable {
    /**
     * Whether the cluster is on a remote endpoint, whose tier hosts' addresses the controller cannot
     * reach (they are behind the endpoint's NAT): only their engines, through the relays.
     */
    public boolean remote() {
        return ClusterDefinition.isRemote(endpoint);
    }

    @Override
    public void close() {
        try {
            transport.close();
        } catch (Exception e) {
            // closing relays and an HTTPS pool: nothing the caller could do about a failure
        }
    }
}
