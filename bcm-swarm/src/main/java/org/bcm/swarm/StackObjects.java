package org.bcm.swarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.Config;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Secret;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.transport.DockerHttpClient.Request.Method;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The swarm objects a stack is made of: services and their tasks (and the health of a task's
 * container), overlay networks, secrets and configs. docker-java's models stay inside bcm-swarm.
 */
final class StackObjects {

    private static final Logger LOG = LoggerFactory.getLogger(DockerEngine.class);

    private final EngineConnection engine;

    StackObjects(EngineConnection engine) {
        this.engine = engine;
    }

    // ---- services and tasks ----

    List<Service> services(Map<String, String> labels) {
        return engine.call("listing services " + labels,
                () -> engine.client().listServicesCmd().withLabelFilter(labels).exec());
    }

    String createService(ServiceSpec spec, RegistryCredentials registry) {
        return engine.call("creating service " + spec.getName(), () -> {
            var create = engine.client().createServiceCmd(spec);
            if (registry != null) {
                create.withAuthConfig(EngineConnection.authConfig(registry));
            }
            return create.exec().getId();
        });
    }

    /** Sent here: docker-java's update command cannot send the registry's credentials. */
    void updateService(String id, long version, ServiceSpec spec, RegistryCredentials registry) {
        Map<String, String> headers = engine.registryAuthHeader(registry);
        engine.call("updating service " + spec.getName(), () -> engine.send(Method.POST,
                "/services/" + EngineConnection.encode(id) + "/update?version=" + version, headers,
                engine.dockerJson(spec)));
    }

    void removeService(String id, String name) {
        engine.call("removing service " + name, () -> engine.client().removeServiceCmd(id).exec());
    }

    List<Task> tasks(String serviceId) {
        return engine.call("listing the tasks of service " + serviceId,
                () -> engine.client().listTasksCmd().withServiceFilter(serviceId).exec());
    }

    /** Empty when there is no health log, or the engine refuses; {@link DockerEngineUnavailableException} passes. */
    Optional<String> lastHealthcheckOutput(String containerId) {
        try {
            return engine.call("reading the health of container " + containerId, () -> {
                JsonNode log = engine.getJson("/containers/" + EngineConnection.encode(containerId) + "/json")
                        .path("State").path("Health").path("Log");
                return log.isArray() && log.size() > 0
                        ? Optional.of(log.get(log.size() - 1).path("Output").asText()) : Optional.<String>empty();
            });
        } catch (DockerEngineException e) {
            if (e instanceof DockerEngineUnavailableException) {
                throw e;
            }
            LOG.debug("no health log of {} on {}: {}", containerId, engine.endpoint(), e.getMessage());
            return Optional.empty();
        }
    }

    int execute(String containerId, List<String> command, Duration timeout) {
        return engine.call("running " + command.get(0) + " in container " + containerId, () -> {
            String exec = engine.client().execCreateCmd(containerId).withCmd(command.toArray(String[]::new))
                    .withAttachStdout(false).withAttachStderr(false).exec().getId();
            engine.client().execStartCmd(exec).withDetach(true).exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>())
                    .awaitCompletion(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                var state = engine.client().inspectExecCmd(exec).exec();
                if (!Boolean.TRUE.equals(state.isRunning()) && state.getExitCodeLong() != null) {
                    return state.getExitCodeLong().intValue();
                }
                if (System.nanoTime() > deadline) {
                    throw new DockerEngineException(command.get(0) + " in container " + containerId + " on " + engine.endpoint()
                            + " did not end within " + timeout.toSeconds() + " s", 0, engine.endpoint(), null, null);
                }
                Thread.sleep(100);
            }
        });
    }

    Optional<byte[]> readFile(String containerId, String path, long maxBytes) {
        return engine.call("reading " + path + " of container " + containerId, () -> {
            java.io.InputStream archive;
            try {
                archive = engine.client().copyArchiveFromContainerCmd(containerId, path).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                return Optional.<byte[]>empty();
            }
            try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(archive)) {
                var entry = tar.getNextEntry();
                if (entry == null || !entry.isFile()) {
                    throw new DockerEngineException(path + " of container " + containerId + " on " + engine.endpoint()
                            + " is not a regular file", 0, engine.endpoint(), null, null);
                }
                if (entry.getSize() > maxBytes) {
                    throw new DockerEngineException(path + " of container " + containerId + " on " + engine.endpoint() + " has "
                            + entry.getSize() + " bytes, more than the " + maxBytes + " bcm reads", 0, engine.endpoint(), null, null);
                }
                return Optional.of(tar.readAllBytes());
            }
        });
    }

    void writeFile(String containerId, String path, byte[] content, int uid, int gid, int mode) {
        int slash = path.lastIndexOf('/');
        if (!path.startsWith("/") || slash == path.length() - 1) {
            throw new IllegalArgumentException("not an absolute file path: " + path);
        }
        String dir = slash == 0 ? "/" : path.substring(0, slash);
        engine.call("writing " + path + " into container " + containerId, () -> {
            var bytes = new java.io.ByteArrayOutputStream();
            try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes)) {
                var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(path.substring(slash + 1));
                entry.setSize(content.length);
                entry.setIds(uid, gid);
                entry.setMode(0100000 | mode);
                entry.setModTime(System.currentTimeMillis());
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
            engine.client().copyArchiveToContainerCmd(containerId).withRemotePath(dir)
                    .withTarInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())).exec();
            return null;
        });
    }

    // ---- networks ----

    List<Network> networks(Map<String, String> labels) {
        return engine.call("listing networks " + labels,
                () -> engine.client().listNetworksCmd().withFilter("label", labelFilter(labels)).exec());
    }

    Optional<Network> network(String nameOrId) {
        try {
            return Optional.of(engine.call("reading network " + nameOrId,
                    () -> engine.client().inspectNetworkCmd().withNetworkId(nameOrId).exec()));
        } catch (DockerEngineException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    String createOverlayNetwork(String name, boolean attachable, boolean internal, Map<String, String> options,
            Map<String, String> labels) {
        return engine.call("creating network " + name, () -> engine.client().createNetworkCmd()
                .withName(name)
                .withDriver("overlay")
                .withAttachable(attachable)
                .withInternal(internal)
                .withCheckDuplicate(true)
                .withOptions(options)
                .withLabels(labels)
                .exec()
                .getId());
    }

    void removeNetwork(String id, String name) {
        engine.call("removing network " + name, () -> engine.client().removeNetworkCmd(id).exec());
    }

    // ---- secrets and configs ----

    List<Secret> secrets(Map<String, String> labels) {
        return engine.call("listing secrets " + labels,
                () -> engine.client().listSecretsCmd().withLabelFilter(labels).exec());
    }

    Optional<Secret> secret(String name) {
        return engine.call("reading secret " + name,
                        () -> engine.client().listSecretsCmd().withNameFilter(List.of(name)).exec())
                .stream().filter(s -> name.equals(s.getSpec().getName())).findFirst();
    }

    /** Sent here: docker-java's {@code SecretSpec.withData} encodes a String's platform bytes. */
    String createSecret(String name, byte[] data, Map<String, String> labels) {
        return engine.call("creating secret " + name, () -> {
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("Name", name);
            spec.put("Labels", labels);
            spec.put("Data", Base64.getEncoder().encodeToString(data));
            byte[] reply = engine.send(Method.POST, "/secrets/create", Map.of(),
                    EngineConnection.JSON.writeValueAsBytes(spec));
            return EngineConnection.JSON.readTree(reply).path("ID").asText();
        });
    }

    void removeSecret(String id, String name) {
        engine.call("removing secret " + name, () -> engine.client().removeSecretCmd(id).exec());
    }

    List<Config> configs(Map<String, String> labels) {
        return engine.call("listing configs " + labels,
                () -> engine.client().listConfigsCmd().withFilters(Map.of("label", labelFilter(labels))).exec());
    }

    Optional<Config> config(String name) {
        return engine.call("reading config " + name,
                        () -> engine.client().listConfigsCmd().withFilters(Map.of("name", List.of(name))).exec())
                .stream().filter(c -> name.equals(c.getSpec().getName())).findFirst();
    }

    String createConfig(String name, byte[] data, Map<String, String> labels) {
        return engine.call("creating config " + name,
                () -> engine.client().createConfigCmd().withName(name).withData(data).withLabels(labels).exec()
                        .getId());
    }

    void removeConfig(String id, String name) {
        engine.call("removing config " + name, () -> engine.client().removeConfigCmd(id).exec());
    }

    /** {@code key=value} for each label, as the engine's {@code label} filter takes them. */
    private static List<String> labelFilter(Map<String, String> labels) {
        return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
