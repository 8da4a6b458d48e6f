package org.bcm.lxd;

import java.util.LinkedHashMap;
import java.util.Map;

/** Defensive copies shared by the value records. */
final class Records {
    private Records() {
    }

    /** Unmodifiable deep copy of a device map; {@code null} gives an empty map. */
    static Map<String, Map<String, String>> copyDevices(Map<String, Map<String, String>> devices) {
        if (devices == null) {
            return Map.of();
        }
        Map<String, Map<String, String>> copy = new LinkedHashMap<>();
        devices.forEach((name, device) -> copy.put(name, Map.copyOf(device)));
        return Map.copyOf(copy);
    }
}
