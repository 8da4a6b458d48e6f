package org.bcm.swarm;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A value in a stack file and its dotted key path ({@code services.tor.ports[0]}), for messages.
 *
 * @param json the value; null when the key is absent
 * @param path where it stands, {@code ""} for the whole file
 */
record YamlValue(JsonNode json, String path) {

    YamlValue at(String key) {
        return new YamlValue(json == null ? null : json.get(key), path.isEmpty() ? key : path + "." + key);
    }

    YamlValue at(int index) {
        return new YamlValue(json.get(index), path + "[" + index + "]");
    }

    /** Present and not null. */
    boolean given() {
        return json != null && !json.isNull();
    }
}
