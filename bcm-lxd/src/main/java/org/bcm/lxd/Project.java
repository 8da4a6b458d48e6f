package org.bcm.lxd;

import java.util.List;
import java.util.Map;

/**
 * An LXD project as observed.
 *
 * @param name project name
 * @param description free text
 * @param config project configuration
 * @param usedBy API URLs of the objects in the project (profiles, instances, images...)
 * @param etag ETag when read individually ({@link LxdClient#project}); empty in listings
 */
public record Project(String name, String description, Map<String, String> config, List<String> usedBy, String etag) {
    public Project {
        config = Map.copyOf(config);
        usedBy = List.copyOf(usedBy);
    }
}
