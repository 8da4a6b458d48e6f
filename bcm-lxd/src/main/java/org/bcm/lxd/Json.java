package org.bcm.lxd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON encoding of requests and mapping of LXD's replies to the public records. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode request as JSON", e);
        }
    }

    static JsonNode read(byte[] body) throws IOException {
        return MAPPER.readTree(body);
    }

    // ---- primitives (LXD often sends null for empty lists and maps) ----

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!e.getValue().isNull()) {
                    out.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
                }
            }
        }
        return out;
    }

    static Map<String, Map<String, String>> devices(JsonNode node) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> out.put(e.getKey(), stringMap(e.getValue())));
        }
        return out;
    }

    static List<String> stringList(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(v -> {
                if (!v.isNull()) {
                    out.add(v.asText());
                }
            });
        }
        return out;
    }

    /** RFC 3339 time, or {@code null} when absent, unparsable or Go's zero time (year 1). */
    static Instant instant(JsonNode node, String field) {
        String s = text(node, field);
        if (s.isEmpty()) {
            return null;
        }
        try {
            return s.startsWith("0001-01-01") ? null : Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static Map<String, Object> objectMap(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Map.of();
        }
        Map<String, Object> m = MAPPER.convertValue(node, new TypeReference<LinkedHashMap<String, Object>>() { });
        return Collections.unmodifiableMap(m);
    }

    static Map<String, List<String>> resources(JsonNode node) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> out.put(e.getKey(), List.copyOf(stringList(e.getValue()))));
        }
        return Collections.unmodifiableMap(out);
    }

    // ---- records ----

    static Server server(JsonNode m, String etag) {
        JsonNode env = m.path("environment");
        List<String> drivers = new ArrayList<>();
        env.path("storage_supported_drivers").forEach(d -> drivers.add(text(d, "Name")));
        return new Server(text(m, "api_version"), text(env, "server_version"), stringList(m.get("api_extensions")),
                text(m, "auth"), text(env, "server_name"), text(env, "storage"), drivers,
                text(env, "kernel_version"), stringList(env.get("architectures")), text(env, "certificate"),
                text(env, "certificate_fingerprint"), stringMap(m.get("config")), etag);
    }

    static Project project(JsonNode m, String etag) {
        return new Project(text(m, "name"), text(m, "description"), stringMap(m.get("config")),
                stringList(m.get("used_by")), etag);
    }

    static Profile profile(JsonNode m, String etag) {
        return new Profile(text(m, "name"), text(m, "description"), stringMap(m.get("config")),
                devices(m.get("devices")), stringList(m.get("used_by")), etag);
    }

    static Network network(JsonNode m, String etag) {
        return new Network(text(m, "name"), text(m, "type"), text(m, "description"), m.path("managed").asBoolean(false),
                text(m, "status"), stringMap(m.get("config")), stringList(m.get("used_by")), etag);
    }

    static NetworkAcl networkAcl(JsonNode m, String etag) {
        return new NetworkAcl(text(m, "name"), text(m, "description"), aclRules(m.get("egress")), aclRules(m.get("ingress")),
                stringMap(m.get("config")), stringList(m.get("used_by")), etag);
    }

    private static List<NetworkAcl.Rule> aclRules(JsonNode rules) {
        List<NetworkAcl.Rule> read = new ArrayList<>();
        if (rules != null) {
            rules.forEach(r -> read.add(new NetworkAcl.Rule(text(r, "action"), text(r, "source"), text(r, "destination"),
                    text(r, "description"), text(r, "state"))));
        }
        return read;
    }

    static StoragePool storagePool(JsonNode m, String etag) {
        return new StoragePool(text(m, "name"), text(m, "driver"), text(m, "description"), text(m, "status"),
                stringMap(m.get("config")), stringList(m.get("used_by")), etag);
    }

    static Image image(JsonNode m) {
        List<String> aliases = new ArrayList<>();
        m.path("aliases").forEach(a -> aliases.add(text(a, "name")));
        return new Image(text(m, "fingerprint"), aliases, stringMap(m.get("properties")), m.path("size").asLong(0),
                text(m, "architecture"), text(m, "type"), text(m, "filename"), instant(m, "created_at"),
                instant(m, "uploaded_at"));
    }

    static Instance instance(JsonNode m, String etag) {
        return new Instance(text(m, "name"), text(m, "type"), text(m, "status"), text(m, "description"),
                stringList(m.get("profiles")), stringMap(m.get("config")), devices(m.get("devices")),
                stringMap(m.get("expanded_config")), devices(m.get("expanded_devices")), instant(m, "created_at"),
                etag);
    }

    static InstanceState instanceState(JsonNode m) {
        List<InstanceAddress> addresses = new ArrayList<>();
        JsonNode network = m.get("network");
        if (network != null && network.isObject()) {
            network.properties().forEach(iface -> iface.getValue().path("addresses").forEach(a ->
                    addresses.add(new InstanceAddress(iface.getKey(), text(a, "family"), text(a, "address"),
                            text(a, "netmask"), text(a, "scope")))));
        }
        return new InstanceState(text(m, "status"), m.path("status_code").asInt(0), m.path("pid").asLong(0),
                m.path("processes").asLong(-1), addresses);
    }

    static Certificate certificate(JsonNode m) {
        return new Certificate(text(m, "fingerprint"), text(m, "name"), text(m, "type"), text(m, "certificate"),
                m.path("restricted").asBoolean(false), stringList(m.get("projects")));
    }
}
