package org.bcm.swarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.ObjectVersion;
import com.github.dockerjava.api.model.Swarm;
import com.github.dockerjava.api.model.SwarmJoinTokens;
import com.github.dockerjava.api.model.SwarmNodeDescription;
import com.github.dockerjava.api.model.SwarmNodeManagerStatus;
import com.github.dockerjava.api.model.SwarmNodeSpec;
import com.github.dockerjava.api.model.SwarmNodeStatus;
import com.github.dockerjava.api.model.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Conversions from the engine's replies (docker-java models or raw JSON) to this module's records. */
final class EngineModels {

    private EngineModels() {}

    /**
     * Reads the {@code Swarm} section of a {@code GET /info} reply.
     *
     * <p>Parsed from raw JSON on purpose: docker-java 3.7.1's {@code SwarmInfo} maps the cluster as
     * {@code "ClusterInfo"} while the engine sends {@code "Cluster"}, so the cluster id would always be
     * missing.
     *
     * @throws IllegalArgumentException when {@code LocalNodeState} holds an unknown word
     */
    static SwarmState swarmState(JsonNode info) {
        JsonNode swarm = info == null ? null : info.get("Swarm");
        if (swarm == null || !swarm.isObject()) {
            return new SwarmState(LocalNodeState.INACTIVE, null, null, false, null, List.of(), null);
        }
        List<String> managers = new ArrayList<>();
        JsonNode remote = swarm.get("RemoteManagers");
        if (remote != null && remote.isArray()) {
            for (JsonNode peer : remote) {
                String address = text(peer, "Addr");
                if (address != null) {
                    managers.add(address);
                }
            }
        }
        JsonNode cluster = swarm.get("Cluster");
        return new SwarmState(
                LocalNodeState.fromApiValue(text(swarm, "LocalNodeState")),
                text(swarm, "NodeID"),
                cluster == null ? null : text(cluster, "ID"),
                swarm.path("ControlAvailable").asBoolean(false),
                text(swarm, "NodeAddr"),
                managers,
                text(swarm, "Error"));
    }

    static EngineVersion engineVersion(Version version) {
        return new EngineVersion(
                blankToNull(version.getVersion()),
                blankToNull(version.getApiVersion()),
                blankToNull(version.getMinAPIVersion()),
                blankToNull(version.getOperatingSystem()),
                blankToNull(version.getArch()),
                blankToNull(version.getKernelVersion()));
    }

    /** The join tokens of a {@code GET /swarm} reply; {@code null} when the reply has none. */
    static JoinTokens joinTokens(Swarm swarm) {
        SwarmJoinTokens tokens = swarm == null ? null : swarm.getJoinTokens();
        if (tokens == null || blankToNull(tokens.getWorker()) == null || blankToNull(tokens.getManager()) == null) {
            return null;
        }
        return new JoinTokens(tokens.getWorker(), tokens.getManager());
    }

    static SwarmNode swarmNode(com.github.dockerjava.api.model.SwarmNode node) {
        SwarmNodeSpec spec = node.getSpec();
        SwarmNodeDescription description = node.getDescription();
        SwarmNodeStatus status = node.getStatus();
        SwarmNodeManagerStatus managerStatus = node.getManagerStatus();
        ObjectVersion version = node.getVersion();
        return new SwarmNode(
                node.getId(),
                description == null ? null : blankToNull(description.getHostname()),
                spec == null ? null : apiWord(spec.getRole()),
                status == null ? null : apiWord(status.getState()),
                spec == null ? null : apiWord(spec.getAvailability()),
                status == null ? null : blankToNull(status.getAddress()),
                spec == null ? null : spec.getLabels(),
                version == null || version.getIndex() == null ? 0L : version.getIndex(),
                managerStatus != null && managerStatus.isLeader());
    }

    /** docker-java's swarm enums are the API words in upper case ({@code READY} for "ready"). */
    static String apiWord(Enum<?> value) {
        return value == null ? null : value.name().toLowerCase(Locale.ROOT);
    }

    private static String text(JsonNode object, String field) {
        JsonNode value = object.get(field);
        return value == null || value.isNull() ? null : blankToNull(value.asText());
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
