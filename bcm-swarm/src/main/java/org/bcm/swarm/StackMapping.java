package org.bcm.swarm;

import static java.util.Objects.requireNonNullElse;
import static org.bcm.swarm.ComposeErrors.quote;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.bcm.swarm.StackSpec.Deploy;
import org.bcm.swarm.StackSpec.FileMount;
import org.bcm.swarm.StackSpec.FileObject;
import org.bcm.swarm.StackSpec.Healthcheck;
import org.bcm.swarm.StackSpec.Mount;
import org.bcm.swarm.StackSpec.Network;
import org.bcm.swarm.StackSpec.NetworkAttachment;
import org.bcm.swarm.StackSpec.Resources;
import org.bcm.swarm.StackSpec.RestartPolicy;
import org.bcm.swarm.StackSpec.Service;
import org.bcm.swarm.StackSpec.UpdateConfig;
import org.bcm.swarm.StackSpec.Volume;

/**
 * The mapping of a stack file's tree to a {@link StackSpec}: the keys each object accepts, the
 * references between them (a service's networks, volumes, secrets and configs must be declared),
 * Compose's defaults and bcm's own restrictions, as {@link ComposeFile} documents them.
 */
final class StackMapping {

    private static final Pattern STACK_NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,39}");
    private static final Pattern VERSION = Pattern.compile("3(\\.\\d+)*");

    private final ComposeErrors errors;
    private final Shapes shapes;
    private final Scalars scalars;
    private final Path stackDir;

    /**
     * @param stackDir directory that relative {@code file:} paths resolve against
     * @param variables values for {@code ${VAR}} interpolation
     */
    StackMapping(String origin, Path stackDir, Map<String, String> variables) {
        this.errors = new ComposeErrors(origin);
        this.shapes = new Shapes(errors, new Interpolation(variables, errors));
        this.scalars = new Scalars(shapes);
        this.stackDir = stackDir.toAbsolutePath().normalize();
    }

    /** The stack named {@code stackName} that {@code yaml} describes. */
    StackSpec stack(String yaml, String stackName) {
        if (!STACK_NAME.matcher(stackName).matches()) {
            throw shapes.fail("", "invalid stack name " + quote(stackName) + " (allowed: " + STACK_NAME.pattern() + ")");
        }
        YamlValue root = new YamlValue(ComposeYaml.read(yaml, errors), "");
        if (!root.json().isObject()) {
            throw shapes.expected(root, "a mapping of top-level keys");
        }
        shapes.mapping(root, "version", "services", "networks", "volumes", "secrets", "configs", "x-*");
        String version = shapes.string(root.at("version"));
        if (version != null && !VERSION.matcher(version).matches()) {
            throw shapes.fail("version", "bcm stacks use the Compose file format version 3, got " + quote(version));
        }
        Map<String, Network> networks = shapes.named(root.at("networks"), this::network);
        Map<String, Volume> volumes = shapes.named(root.at("volumes"), this::volume);
        Map<String, FileObject> secrets = shapes.named(root.at("secrets"), this::fileObject);
        Map<String, FileObject> configs = shapes.named(root.at("configs"), this::fileObject);
        Declared declared = new Declared(networks.keySet(), volumes.keySet(), secrets.keySet(), configs.keySet());
        YamlValue servicesValue = shapes.required(root.at("services"));
        Map<String, Service> services = shapes.named(servicesValue, (name, value) -> service(name, value, declared));
        if (services.isEmpty()) {
            throw shapes.fail(servicesValue.path(), "declares no service");
        }
        boolean joinsDefault = services.values().stream()
                .flatMap(service -> service.networks().stream())
                .anyMatch(attachment -> attachment.network().equals("default"));
        if (joinsDefault) {
            networks.putIfAbsent("default", new Network("default", false, false, Map.of(), Map.of(), false, null));
        }
        return new StackSpec(stackName, Collections.unmodifiableMap(services), Collections.unmodifiableMap(networks),
                Collections.unmodifiableMap(volumes), Collections.unmodifiableMap(secrets),
                Collections.unmodifiableMap(configs), shapes.extensions(root));
    }

    /** The names declared at the top level, which services refer to. */
    private record Declared(Set<String> networks, Set<String> volumes, Set<String> secrets, Set<String> configs) {
    }

    private Service service(String name, YamlValue v, Declared declared) {
        if (!v.given()) {
            throw shapes.expected(v, "a mapping");
        }
        shapes.mapping(v, "image", "command", "entrypoint", "environment", "labels", "user", "working_dir", "hostname",
                "healthcheck", "deploy", "networks", "ports", "expose", "secrets", "configs", "volumes", "stop_grace_period",
                "stop_signal", "read_only", "x-*");
        return new Service(
                name,
                shapes.string(shapes.required(v.at("image"))),
                scalars.commandLine(v.at("entrypoint")),
                scalars.commandLine(v.at("command")),
                scalars.stringMap(v.at("environment"), false),
                scalars.stringMap(v.at("deploy").at("labels"), true),
                scalars.stringMap(v.at("labels"), true),
                shapes.string(v.at("user")),
                shapes.string(v.at("working_dir")),
                shapes.string(v.at("hostname")),
                healthcheck(v.at("healthcheck")),
                deploy(v.at("deploy")),
                networkAttachments(v.at("networks"), declared.networks()),
                shapes.list(v.at("ports"), scalars::port),
                shapes.list(v.at("expose"), scalars::exposedPort),
                shapes.list(v.at("secrets"), item -> fileMount(item, declared.secrets(), "secret")),
                shapes.list(v.at("configs"), item -> fileMount(item, declared.configs(), "config")),
                shapes.list(v.at("volumes"), item -> mount(item, declared.volumes())),
                scalars.duration(v.at("stop_grace_period")),
                shapes.string(v.at("stop_signal")),
                scalars.bool(v.at("read_only")),
                shapes.extensions(v));
    }

    private Healthcheck healthcheck(YamlValue v) {
        if (!v.given()) {
            return null;
        }
        shapes.mapping(v, "test", "interval", "timeout", "retries", "start_period", "disable");
        List<String> test = healthcheckTest(v.at("test"));
        if (scalars.bool(v.at("disable"))) {
            if (!test.isEmpty()) {
                throw shapes.fail(v.at("disable").path(), "cannot be combined with test");
            }
            test = List.of("NONE");
        }
        return new Healthcheck(test, scalars.duration(v.at("interval")), scalars.duration(v.at("timeout")),
                scalars.integer(v.at("retries"), 0, Integer.MAX_VALUE), scalars.duration(v.at("start_period")));
    }

    /** The test as given, a string becoming CMD-SHELL; empty (the image's test) when not given. */
    private List<String> healthcheckTest(YamlValue v) {
        if (!v.given()) {
            return List.of();
        }
        if (!v.json().isArray()) {
            return List.of("CMD-SHELL", shapes.scalar(v, "a string or a list"));
        }
        List<String> test = scalars.stringList(v);
        if (test.isEmpty() || !List.of("NONE", "CMD", "CMD-SHELL").contains(test.get(0))) {
            throw shapes.fail(v.path(), "a list must start with NONE, CMD or CMD-SHELL");
        }
        return test;
    }

    private Deploy deploy(YamlValue v) {
        shapes.mapping(v, "mode", "replicas", "endpoint_mode", "placement", "labels", "restart_policy", "resources",
                "update_config");
        String mode = shapes.oneOf(v.at("mode"), "replicated", "replicated", "global");
        YamlValue replicas = v.at("replicas");
        if (mode.equals("global") && replicas.given()) {
            throw shapes.fail(replicas.path(), "not allowed with mode: global");
        }
        YamlValue placement = shapes.mapping(v.at("placement"), "constraints");
        return new Deploy(
                mode,
                mode.equals("global") ? 0 : requireNonNullElse(scalars.integer(replicas, 0, Integer.MAX_VALUE), 1),
                shapes.oneOf(v.at("endpoint_mode"), "vip", "vip", "dnsrr"),
                scalars.stringList(placement.at("constraints")),
                restartPolicy(v.at("restart_policy")),
                resources(v.at("resources")),
                updateConfig(v.at("update_config")));
    }

    private RestartPolicy restartPolicy(YamlValue v) {
        if (!v.given()) {
            return null;
        }
        shapes.mapping(v, "condition", "delay", "max_attempts", "window");
        return new RestartPolicy(shapes.oneOf(v.at("condition"), null, "none", "on-failure", "any"),
                scalars.duration(v.at("delay")), scalars.integer(v.at("max_attempts"), 0, Integer.MAX_VALUE),
                scalars.duration(v.at("window")));
    }

    private Resources resources(YamlValue v) {
        shapes.mapping(v, "limits", "reservations");
        YamlValue limits = shapes.mapping(v.at("limits"), "cpus", "memory");
        YamlValue reservations = shapes.mapping(v.at("reservations"), "cpus", "memory");
        return new Resources(scalars.nanoCpus(limits.at("cpus")), scalars.size(limits.at("memory")),
                scalars.nanoCpus(reservations.at("cpus")), scalars.size(reservations.at("memory")));
    }

    private UpdateConfig updateConfig(YamlValue v) {
        if (!v.given()) {
            return null;
        }
        shapes.mapping(v, "parallelism", "delay", "order", "failure_action");
        return new UpdateConfig(scalars.integer(v.at("parallelism"), 0, Integer.MAX_VALUE),
                scalars.duration(v.at("delay")),
                shapes.oneOf(v.at("order"), null, "stop-first", "start-first"),
                shapes.oneOf(v.at("failure_action"), null, "pause", "continue", "rollback"));
    }

    /** A list of network names, or a mapping of network name to null or {@code {aliases: [...]}}. */
    private List<NetworkAttachment> networkAttachments(YamlValue v, Set<String> declared) {
        List<NetworkAttachment> attachments = new ArrayList<>();
        if (v.given() && v.json().isArray()) {
            for (YamlValue item : shapes.items(v)) {
                attachments.add(attachment(item, shapes.scalar(item, "a network name"), List.of(), declared));
            }
        } else if (!v.given() || v.json().isObject()) {
            shapes.entries(v).forEach((network, options) -> attachments.add(
                    attachment(options, network,
                            scalars.stringList(shapes.mapping(options, "aliases").at("aliases")), declared)));
        } else {
            throw shapes.expected(v, "a list or a mapping of networks");
        }
        return attachments.isEmpty() ? List.of(new NetworkAttachment("default", List.of())) : List.copyOf(attachments);
    }

    private NetworkAttachment attachment(YamlValue v, String network, List<String> aliases, Set<String> declared) {
        if (!network.equals("default")) {
            reference(v, network, declared, "network");
        }
        return new NetworkAttachment(network, aliases);
    }

    /** Short syntax (the name) or long {@code {source, target, uid, gid, mode}}. */
    private FileMount fileMount(YamlValue v, Set<String> declared, String kind) {
        if (!v.json().isObject()) {
            String source = reference(v, shapes.scalar(v, "a " + kind + " name or a mapping"), declared, kind);
            return new FileMount(source, source, "0", "0", 0444);
        }
        shapes.mapping(v, "source", "target", "uid", "gid", "mode");
        YamlValue sourceValue = shapes.required(v.at("source"));
        String source = reference(sourceValue, shapes.string(sourceValue), declared, kind);
        return new FileMount(source, requireNonNullElse(shapes.string(v.at("target")), source),
                requireNonNullElse(shapes.string(v.at("uid")), "0"), requireNonNullElse(shapes.string(v.at("gid")), "0"),
                scalars.fileMode(v.at("mode")));
    }

    /**
     * Long syntax {@code {type, source, target, read_only}} or short {@code [source:]target[:ro|rw]},
     * where a source starting with {@code /} or {@code .} is a bind mount, any other a named volume,
     * and no source an anonymous volume.
     */
    private Mount mount(YamlValue v, Set<String> volumes) {
        if (v.json().isObject()) {
            shapes.mapping(v, "type", "source", "target", "read_only");
            return checkedMount(v, shapes.oneOf(shapes.required(v.at("type")), null, "volume", "bind", "tmpfs"),
                    shapes.string(v.at("source")), shapes.string(shapes.required(v.at("target"))),
                    scalars.bool(v.at("read_only")), volumes);
        }
        String syntax = "a volume such as data:/var/lib/data, /srv/host:/srv:ro or /var/cache";
        String[] parts = shapes.scalar(v, syntax).split(":", -1);
        if (parts.length > 3 || parts.length == 3 && !List.of("ro", "rw").contains(parts[2])) {
            throw shapes.expected(v, syntax);
        }
        if (parts.length == 1) {
            return checkedMount(v, "volume", null, parts[0], false, volumes);
        }
        String type = parts[0].startsWith("/") || parts[0].startsWith(".") ? "bind" : "volume";
        return checkedMount(v, type, parts[0], parts[1], parts.length == 3 && parts[2].equals("ro"), volumes);
    }

    private Mount checkedMount(YamlValue v, String type, String source, String target, boolean readOnly,
            Set<String> volumes) {
        if (!target.startsWith("/")) {
            throw shapes.fail(v.path(), "the target must be an absolute path in the container, got " + quote(target));
        }
        if (type.equals("bind") && (source == null || !source.startsWith("/"))) {
            throw shapes.fail(v.path(), "a bind mount's source must be an absolute path on the node, got "
                    + (source == null ? "none" : quote(source)));
        }
        if (type.equals("tmpfs") && source != null) {
            throw shapes.fail(v.path(), "a tmpfs mount takes no source");
        }
        if (type.equals("volume") && source != null) {
            reference(v, source, volumes, "volume");
        }
        return new Mount(type, source, target, readOnly);
    }

    /** {@code name}, which {@code v} refers to, if it is declared under the top-level key for {@code kind}. */
    private String reference(YamlValue v, String name, Set<String> declared, String kind) {
        if (!declared.contains(name)) {
            throw shapes.fail(v.path(), kind + " " + quote(name) + " is not declared under the top-level " + kind + "s");
        }
        return name;
    }

    private Network network(String name, YamlValue v) {
        shapes.mapping(v, "driver", "attachable", "internal", "driver_opts", "labels", "external", "name", "x-*");
        String driver = shapes.string(v.at("driver"));
        if (driver != null && !driver.equals("overlay")) {
            throw shapes.fail(v.at("driver").path(),
                    "only the overlay driver is supported (a stack runs on a swarm), got " + quote(driver));
        }
        String externalName = externalName(v, name, "driver", "attachable", "internal", "driver_opts");
        return new Network(name, scalars.bool(v.at("attachable")), scalars.bool(v.at("internal")),
                scalars.stringMap(v.at("driver_opts"), true), scalars.stringMap(v.at("labels"), true),
                externalName != null, externalName);
    }

    private Volume volume(String name, YamlValue v) {
        shapes.mapping(v, "driver", "driver_opts", "labels", "external", "name", "x-*");
        String externalName = externalName(v, name, "driver", "driver_opts");
        return new Volume(name, requireNonNullElse(shapes.string(v.at("driver")), "local"),
                scalars.stringMap(v.at("driver_opts"), true), scalars.stringMap(v.at("labels"), true),
                externalName != null, externalName);
    }

    /** A secret or a config: its content comes from exactly one of a file, an existing object or an extension. */
    private FileObject fileObject(String name, YamlValue v) {
        shapes.mapping(v, "file", "external", "name", "labels", "x-*");
        String externalName = externalName(v, name);
        Path file = file(v.at("file"));
        Map<String, JsonNode> extensions = shapes.extensions(v);
        int sources = (externalName == null ? 0 : 1) + (file == null ? 0 : 1) + (extensions.isEmpty() ? 0 : 1);
        if (sources != 1) {
            throw shapes.fail(v.path(),
                    "needs exactly one of file, external: true or x-* keys (that supply the content)");
        }
        return new FileObject(name, file, scalars.stringMap(v.at("labels"), true), externalName != null, externalName,
                extensions);
    }

    /**
     * The existing object's name when {@code external: true} (default: the key), else null. {@code
     * name} without external, or one of {@code createOnly} with it, is an error.
     */
    private String externalName(YamlValue v, String key, String... createOnly) {
        YamlValue name = v.at("name");
        if (!scalars.bool(v.at("external"))) {
            if (name.given()) {
                throw shapes.fail(name.path(), "only supported together with external: true");
            }
            return null;
        }
        for (String option : createOnly) {
            if (v.at(option).given()) {
                throw shapes.fail(v.at(option).path(), "not allowed with external: true");
            }
        }
        return requireNonNullElse(shapes.string(name), key);
    }

    /** A path relative to the stack directory, resolved; it must not leave the directory. */
    private Path file(YamlValue v) {
        String file = shapes.string(v);
        if (file == null) {
            return null;
        }
        try {
            Path resolved = stackDir.resolve(file).normalize();
            if (resolved.startsWith(stackDir) && !resolved.equals(stackDir)) {
                return resolved;
            }
        } catch (InvalidPathException e) {
            throw shapes.fail(v.path(), "not a valid path: " + e.getReason());
        }
        throw shapes.fail(v.path(), "must name a file inside the stack directory, got " + quote(file));
    }
}
