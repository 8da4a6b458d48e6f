package org.bcm.lxd;

import java.util.List;
import java.util.Map;

/**
 * A storage pool as observed.
 *
 * @param name pool name
 * @param driver storage driver
 * @param description free text
 * @param status e.g. {@code "Created"}
 * @param config pool configuration (LXD fills in {@code source})
 * @param usedBy API URLs of the profiles, instances, images and volumes using the pool
 * @param etag ETag when read individually ({@link LxdClient#storagePool}); empty in listings
 */
public record StoragePool(String name, String driver, String description, String status,
                          Map<String, String> config, List<String> usedBy, String etag) {
    public StoragePool {
        config = Map.copyOf(config);
        usedBy = List.copyOf(usedBy);
    }
}
