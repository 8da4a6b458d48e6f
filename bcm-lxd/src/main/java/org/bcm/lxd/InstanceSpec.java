package org.bcm.lxd;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What is asked of a new container instance ({@link LxdClient#createInstance}).
 *
 * @param name instance name (also its host name unless configured otherwise)
 * @param source the local image to create it from
 * @param description free text, may be empty
 * @param profiles profiles to apply, in order; {@code null} lets LXD apply {@code default}
 * @param config instance configuration, e.g. {@code security.nesting=true}, {@code user.bcm.*} labels
 * @param devices instance-local devices by device name
 */
public record InstanceSpec(String name, ImageSource source, String description, List<String> profiles,
                           Map<String, String> config, Map<String, Map<String, String>> devices) {
    public InstanceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        description = description == null ? "" : description;
        profiles = profiles == null ? null : List.copyOf(profiles);
        config = config == null ? Map.of() : Map.copyOf(config);
        devices = Records.copyDevices(devices);
    }

    /** A container from an image alias with LXD's default profile and nothing else. */
    public static InstanceSpec of(String name, ImageSource source) {
        return new InstanceSpec(name, source, "", null, Map.of(), Map.of());
    }

    public InstanceSpec withProfiles(List<String> newProfiles) {
        return new InstanceSpec(name, source, description, newProfiles, config, devices);
    }

    public InstanceSpec withConfig(Map<String, String> newConfig) {
        return new InstanceSpec(name, source, description, profiles, newConfig, devices);
    }

    public InstanceSpec withDevices(Map<String, Map<String, String>> newDevices) {
        return new InstanceSpec(name, source, description, profiles, config, newDevices);
    }

    public InstanceSpec withDescription(String newDescription) {
        return new InstanceSpec(name, source, newDescription, profiles, config, devices);
    }
}
