package org.bcm.lxd;

import java.util.Map;
import java.util.Objects;

/**
 * What is asked of a managed network.
 *
 * @param name network (and, for a bridge, interface) name: at most 15 characters
 * @param type network type, e.g. {@code "bridge"}; ignored by {@link LxdClient#updateNetwork}
 * @param description free text, may be empty
 * @param config network configuration, e.g. {@code ipv4.address=172.27.5.1/24},
 *     {@code ipv4.nat=true}, {@code ipv6.address=none}
 */
public record NetworkSpec(String name, String type, String description, Map<String, String> config) {
    public NetworkSpec {
        Objects.requireNonNull(name, "name");
        type = type == null ? "bridge" : type;
        description = description == null ? "" : description;
        config = config == null ? Map.of() : Map.copyOf(config);
    }
}
