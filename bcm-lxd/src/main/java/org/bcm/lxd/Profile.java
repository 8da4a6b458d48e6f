package org.bcm.lxd;

import java.util.List;
import java.util.Map;

/**
 * A profile as observed.
 *
 * @param name profile name
 * @param description free text
 * @param config instance configuration applied by the profile
 * @param devices devices by device name
 * @param usedBy API URLs of the instances using the profile
 * @param etag ETag when read individually ({@link LxdClient#profile}); empty in listings
 */
public record Profile(String name, String description, Map<String, String> config,
                      Map<String, Map<String, String>> devices, List<String> usedBy, String etag) {
    public Profile {
        config = Map.copyOf(config);
        devices = Records.copyDevices(devices);
        usedBy = List.copyOf(usedBy);
    }
}
