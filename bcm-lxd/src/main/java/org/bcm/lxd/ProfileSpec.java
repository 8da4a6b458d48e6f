package org.bcm.lxd;

import java.util.Map;
import java.util.Objects;

/**
 * What is asked of a profile.
 *
 * @param name profile name
 * @param description free text, may be empty
 * @param config instance configuration applied by the profile (e.g. {@code security.nesting=true})
 * @param devices devices by device name, each a map of device keys (e.g. {@code root -> {type=disk,
 *     path=/, pool=default}})
 */
public record ProfileSpec(String name, String description, Map<String, String> config,
                          Map<String, Map<String, String>> devices) {
    public ProfileSpec {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        config = config == null ? Map.of() : Map.copyOf(config);
        devices = Records.copyDevices(devices);
    }
}
