package org.bcm.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.bcm.lxd.LxdConnection.Reply;
import org.bcm.lxd.Requests.InstanceExecPost;
import org.bcm.lxd.Requests.InstancePut;
import org.bcm.lxd.Requests.InstanceSource;
import org.bcm.lxd.Requests.InstanceStatePut;
import org.bcm.lxd.Requests.InstancesPost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instances of the bound project (/1.0/instances): life cycle, configuration, run-time state, and
 * what runs inside them (exec with recorded output, file push and pull).
 */
final class Instances {

    private static final Logger LOG = LoggerFactory.getLogger(LxdClient.class);
    private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

    private final LxdConnection lxd;
    private final Operations operations;
    private final ApiObjects<Instance> objects;

    Instances(LxdConnection lxd, Operations operations) {
        this.lxd = lxd;
        this.operations = operations;
        this.objects = new ApiObjects<>(lxd, operations, "instances", "instance", true, Json::instance);
    }

    List<Instance> list() {
        return objects.list();
    }

    /** See {@link LxdClient#instancesWithConfig}. */
    List<Instance> withConfig(String key, String value) {
        return list().stream().filter(i -> Objects.equals(i.expandedConfig().get(key), value)).toList();
    }

    Optional<Instance> get(String name) {
        return objects.get(name);
    }

    /** See {@link LxdClient#createInstance}. */
    Operation create(InstanceSpec spec) {
        return objects.create(spec.name(), new InstancesPost(spec.name(), "container", spec.description(),
                InstanceSource.of(spec.source()), spec.profiles(), spec.config(), spec.devices()));
    }

    /** See {@link LxdClient#updateInstanceConfig}. */
    Operation updateConfig(String name, Map<String, String> config, Map<String, Map<String, String>> devices) {
        return objects.replace(name, current -> {
            JsonNode m = current.metadata();
            return new InstancePut(Json.text(m, "architecture"), merge(Json.stringMap(m.get("config")), config),
                    merge(Json.devices(m.get("devices")), devices), m.path("ephemeral").asBoolean(false),
                    Json.stringList(m.get("profiles")), m.path("stateful").asBoolean(false),
                    Json.text(m, "description"));
        });
    }

    /** {@code current} with {@code changes} applied: null values remove keys. */
    static <V> Map<String, V> merge(Map<String, V> current, Map<String, V> changes) {
        Map<String, V> out = new LinkedHashMap<>(current);
        if (changes != null) {
            changes.forEach((k, v) -> {
                if (v == null) {
                    out.remove(k);
                } else {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    /** See {@link LxdClient#changeState}. */
    Operation changeState(String name, InstanceAction action, Duration timeout, boolean force) {
        InstanceStatePut body = new InstanceStatePut(action.apiName(),
                timeout == null ? -1 : Math.max(0, timeout.toSeconds()), force, false);
        return operations.start("PUT", lxd.scoped("instances", name, "state"), LxdConnection.json(body), null,
                action.gerund() + " instance '" + name + "'");
    }

    Operation delete(String name) {
        return objects.delete(name);
    }

    /** See {@link LxdClient#instanceState}. */
    Optional<InstanceState> state(String name) {
        return lxd.sendOptional(lxd.scoped("instances", name, "state"), "getting state of instance '" + name + "'")
                .map(r -> Json.instanceState(r.metadata()));
    }

    // ---- exec and files ----

    /** See {@link LxdClient#exec}. */
    ExecResult exec(String instance, List<String> command, Map<String, String> environment, Duration timeout) {
        InstanceExecPost body = new InstanceExecPost(command, environment == null ? Map.of() : environment,
                false, true, false);
        String attempted = "running " + command + " in instance '" + instance + "'";
        Operation started = operations.start("POST", lxd.scoped("instances", instance, "exec"),
                LxdConnection.json(body), null, attempted);
        Operation ended = started.ended() ? started : operations.waitFor(started, timeout);
        Object ret = ended.metadata().get("return");
        if (!(ret instanceof Number) || !ended.ended()) {
            ended.requireSuccess(timeout); // throws: failure without exit code, or timeout
            throw new LxdException("Failed " + attempted + ": LXD reported no exit code", 0);
        }
        String stdout = "";
        String stderr = "";
        if (ended.metadata().get("output") instanceof Map<?, ?> output) {
            stdout = readLog(output.get("1"), attempted);
            stderr = readLog(output.get("2"), attempted);
        }
        if (!ended.succeeded() && stderr.isEmpty()) {
            stderr = ended.err();
        }
        return new ExecResult(((Number) ret).intValue(), stdout, stderr);
    }

    /** See {@link LxdClient#execStream}. */
    ExecStream execStream(String instance, List<String> command) {
        InstanceExecPost body = new InstanceExecPost(command, Map.of(), true, false, false);
        String attempted = "running " + command + " in instance '" + instance + "'";
        Operation started = operations.start("POST", lxd.scoped("instances", instance, "exec"),
                LxdConnection.json(body), null, attempted);
        Map<String, okhttp3.Request> sockets = new LinkedHashMap<>();
        if (started.metadata().get("fds") instanceof Map<?, ?> fds) {
            fds.forEach((fd, secret) -> sockets.put(String.valueOf(fd), lxd.websocket(started.id(), String.valueOf(secret))));
        }
        if (!sockets.keySet().containsAll(List.of("0", "1", "2", "control"))) {
            throw new LxdException("Failed " + attempted + ": LXD gave no websockets (" + sockets.keySet() + ")", 0);
        }
        try {
            return ExecStream.open(attempted, lxd.http(), sockets);
        } catch (java.io.IOException e) {
            throw LxdErrors.fromTransport(e, attempted, lxd.target());
        }
    }

    private String readLog(Object path, String attempted) {
        if (path == null) {
            return "";
        }
        ApiPath log = ApiPath.parse(path.toString()).project(lxd.project());
        Optional<Reply> content = lxd.sendOptional(log, "reading output of " + attempted);
        try {
            lxd.send("DELETE", log, null, null, "deleting output of " + attempted);
        } catch (LxdException e) {
            LOG.debug("could not delete exec log {}: {}", log, e.getMessage());
        }
        return content.map(r -> new String(r.body(), StandardCharsets.UTF_8)).orElse("");
    }

    /** See {@link LxdClient#pushFile}. */
    Operation push(String instance, String path, byte[] content, int uid, int gid, int mode) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-LXD-uid", Integer.toString(uid));
        headers.put("X-LXD-gid", Integer.toString(gid));
        headers.put("X-LXD-mode", String.format(Locale.ROOT, "%04o", mode));
        headers.put("X-LXD-type", "file");
        headers.put("X-LXD-write", "overwrite");
        return operations.start("POST", lxd.scoped("instances", instance, "files").query("path", path),
                RequestBody.create(content, OCTET_STREAM), headers,
                "pushing file " + path + " to instance '" + instance + "'");
    }

    /** See {@link LxdClient#pullFile}. */
    Optional<byte[]> pull(String instance, String path) {
        String attempted = "pulling file " + path + " from instance '" + instance + "'";
        Optional<Reply> reply = lxd.sendOptional(lxd.scoped("instances", instance, "files").query("path", path),
                attempted);
        if (reply.isPresent() && "directory".equalsIgnoreCase(reply.get().headers().get("X-LXD-type"))) {
            throw new LxdException(LxdErrors.failed(attempted, path + " is a directory", 400), 400,
                    "is a directory", null);
        }
        return reply.map(Reply::body);
    }
}
