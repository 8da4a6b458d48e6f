package org.bcm.lxd;

import java.util.Map;
import java.util.Objects;

/**
 * What is asked of a storage pool.
 *
 * @param name pool name
 * @param driver storage driver, e.g. {@code "dir"}, {@code "btrfs"}, {@code "zfs"}
 * @param description free text, may be empty
 * @param config pool configuration (e.g. {@code source}); empty lets LXD choose
 */
public record StoragePoolSpec(String name, String driver, String description, Map<String, String> config) {
    public StoragePoolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        description = description == null ? "" : description;
        config = config == null ? Map.of() : Map.copyOf(config);
    }
}
