package org.bcm.lxd;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An instance as observed.
 *
 * @param name instance name
 * @param type {@code "container"} or {@code "virtual-machine"}
 * @param status e.g. {@code "Running"}, {@code "Stopped"}, {@code "Frozen"}
 * @param description free text
 * @param profiles profiles applied, in order
 * @param config instance-local configuration (includes LXD's {@code volatile.*} keys)
 * @param devices instance-local devices
 * @param expandedConfig configuration after applying the profiles
 * @param expandedDevices devices after applying the profiles
 * @param createdAt creation time, or {@code null}
 * @param etag ETag when read individually ({@link LxdClient#instance}); empty in listings
 */
public record Instance(String name, String type, String status, String description, List<String> profiles,
                       Map<String, String> config, Map<String, Map<String, String>> devices,
                       Map<String, String> expandedConfig, Map<String, Map<String, String>> expandedDevices,
                       Instant createdAt, String etag) {
    public Instance {
        profiles = List.copyOf(profiles);
        config = Map.copyOf(config);
        devices = Records.copyDevices(devices);
        expandedConfig = Map.copyOf(expandedConfig);
        expandedDevices = Records.copyDevices(expandedDevices);
    }

    /** True when the status is {@code "Running"}. */
    public boolean running() {
        return "Running".equals(status);
    }
}
