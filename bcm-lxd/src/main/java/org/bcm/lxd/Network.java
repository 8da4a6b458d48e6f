package org.bcm.lxd;

import java.util.List;
import java.util.Map;

/**
 * A network as observed: LXD-managed networks and the host's other interfaces.
 *
 * @param name network / interface name
 * @param type {@code bridge}, {@code physical}, {@code loopback}, {@code unknown}...
 * @param description free text
 * @param managed true for networks LXD manages (created through the API)
 * @param status {@code "Created"} for a working managed network, empty for unmanaged ones
 * @param config network configuration (empty for unmanaged ones)
 * @param usedBy API URLs of profiles and instances using the network
 * @param etag ETag when read individually ({@link LxdClient#network}); empty in listings
 */
public record Network(String name, String type, String description, boolean managed, String status,
                      Map<String, String> config, List<String> usedBy, String etag) {
    public Network {
        config = Map.copyOf(config);
        usedBy = List.copyOf(usedBy);
    }
}
