package org.bcm.lxd;

import java.util.Map;
import java.util.Objects;

/**
 * What is asked of an LXD project.
 *
 * @param name project name
 * @param description free text, may be empty
 * @param config project configuration, e.g. {@code features.images=true},
 *     {@code features.profiles=true}, {@code user.*} labels
 */
public record ProjectSpec(String name, String description, Map<String, String> config) {
    public ProjectSpec {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        config = config == null ? Map.of() : Map.copyOf(config);
    }
}
