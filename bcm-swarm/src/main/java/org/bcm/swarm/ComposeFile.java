package org.bcm.swarm;

import static java.util.Objects.requireNonNull;
import static java.util.Objects.requireNonNullElse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.bcm.swarm.StackSpec.Deploy;
import org.bcm.swarm.StackSpec.FileMount;
import org.bcm.swarm.StackSpec.FileObject;
import org.bcm.swarm.StackSpec.Healthcheck;
import org.bcm.swarm.StackSpec.Mount;
import org.bcm.swarm.StackSpec.Network;
import org.bcm.swarm.StackSpec.NetworkAttachment;
import org.bcm.swarm.StackSpec.Port;
import org.bcm.swarm.StackSpec.Resources;
import org.bcm.swarm.StackSpec.RestartPolicy;
import org.bcm.swarm.StackSpec.Service;
import org.bcm.swarm.StackSpec.UpdateConfig;
import org.bcm.swarm.StackSpec.Volume;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.composer.ComposerException;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.Construct;
import org.yaml.snakeyaml.constructor.ConstructorException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a stack file ({@code stack.yml}) into a {@link StackSpec}: the subset of the Compose file
 * format version 3 that {@code docker stack deploy} applies to a swarm, with the meaning the Compose
 * file v3 reference and the Docker CLI's loader ({@code cli/compose/loader}, {@code
 * cli/compose/interpolation}) give it.
 *
 * <p><b>YAML.</b> One document whose top level is a mapping, read with SnakeYAML. Anchors, aliases and
 * {@code <<} merge keys are resolved (Compose files use them with {@code x-*} keys); a key given
 * twice, more than 50 aliases to mappings or lists and a node holding an alias to itself are errors.
 * YAML 1.1 scalars apply: {@code 0440} is octal, {@code yes}/{@code on} are booleans; but keys,
 * timestamps and sexagesimal numbers ({@code 22:22}) stay the text the file gives.
 *
 * <p><b>Interpolation.</b> Every string value that is read (never a key, never an {@code x-*}
 * subtree) is interpolated from the given variables: {@code $VAR}, {@code ${VAR}}, {@code
 * ${VAR:-default}} (default when unset or empty), {@code ${VAR-default}} (when unset), {@code
 * ${VAR:?message}} and {@code ${VAR?message}} (an error with the message when unset or empty,
 * resp. unset), and {@code $$} for a literal {@code $}. A variable that is not set and has no
 * default is an error (docker substitutes an empty string with a warning).
 *
 * <p><b>Shapes.</b> Where a string is expected, numbers and booleans count as their text (an
 * integer the way YAML read it: {@code 0440} is {@code "288"}). Integers, booleans, durations, sizes
 * and CPUs may also be strings, so {@code replicas: ${N}} works. Durations are Go durations ({@code
 * 1h2m3s}, {@code 1.5s}, {@code 500ms}, {@code 10us}); a number needs a unit unless it is
 * {@code 0}. Sizes are bytes with an optional unit {@code b}, {@code k}/{@code kb}, {@code m}/{@code
 * mb}, {@code g}/{@code gb} (any case, powers of 1024). CPUs are decimal numbers ({@code 0.5}), at
 * most nine decimals. File modes are integers, written octal in YAML ({@code 0440}). A command or
 * an entrypoint is a list, or a string split into words like a POSIX shell would (whitespace,
 * single and double quotes, backslash). Labels, {@code driver_opts} and {@code environment} are
 * mappings or lists of {@code KEY=VALUE}; a key without a value is dropped from {@code
 * environment} and is an empty string elsewhere. A key whose value is {@code null} counts as not
 * given.
 *
 * <p><b>Keys.</b> Only the keys {@link StackSpec} has a place for are accepted; any other key,
 * including the Compose keys a swarm ignores ({@code build}, {@code depends_on}, ...), is an error
 * naming it and the supported keys. {@code x-*} keys are accepted at the top level and in a
 * service, network, volume, secret or config, and kept unparsed. Beyond the Compose file format
 * (on purpose, to fail before deploying): networks must use the {@code overlay} driver; {@code
 * name} is only accepted together with {@code external: true}, and keys that configure a created
 * object are rejected with it; a bind mount's source must be an absolute path (it is a path on the
 * node running the task); the {@code file} of a secret or config must lie inside the stack
 * directory; a secret or config gives exactly one of {@code file}, {@code external: true} or {@code
 * x-*} keys, which then supply its content (bcm's {@code x-bcm-generate}); services, networks, volumes, secrets and
 * configs are named {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}.
 *
 * <p><b>Defaults.</b> As Compose's: {@code deploy} is replicated with one replica and a virtual IP
 * (a {@code global} service has {@code replicas} 0 and must not give it); ports are TCP in ingress
 * mode; a secret or config mount targets the source name with uid and gid {@code "0"} and mode
 * 0444; a named volume uses the {@code local} driver. A service that names no network joins {@code
 * default}, which is then declared as a non-attachable overlay network unless the file declares it.
 *
 * <p><b>Errors.</b> Every problem is a {@link ComposeFileException} with a one-line message: the
 * file's origin, the dotted key path ({@code services.tor.ports[0]}) or, for a YAML syntax error,
 * the line and column, and what is wrong.
 */
public final class ComposeFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Pattern STACK_NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,39}");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final Pattern VERSION = Pattern.compile("3(\\.\\d+)*");
    /** Groups: 1 {@code $$}; 2 {@code $NAME}; 3 to 5 {@code ${NAME}} with its operator and word; none: a stray {@code $}. */
    private static final Pattern VARIABLE = Pattern.compile(
            "\\$(?:(\\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?])([^}]*))?}|)");
    private static final String DURATION_UNIT = "(ns|us|\u00b5s|\u03bcs|ms|s|m|h)";
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)" + DURATION_UNIT);
    private static final Pattern DURATION = Pattern.compile("(?:" + DURATION_PART.pattern() + ")+");
    private static final Map<String, Long> NANOS_PER_UNIT = Map.of("ns", 1L, "us", 1_000L, "\u00b5s", 1_000L,
            "\u03bcs", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)([kmg]?)b?", Pattern.CASE_INSENSITIVE);
    private static final Pattern CPUS = Pattern.compile("\\d+(?:\\.\\d{1,9})?|\\.\\d{1,9}");
    /** Groups: 1 octal digits ({@code 0440}, {@code 0o440}); 2 a decimal number (YAML has read octal already). */
    private static final Pattern FILE_MODE = Pattern.compile("0o?([0-7]{1,3})|(\\d{1,3})");
    /** Groups: 1 published port, 2 target port, 3 protocol. */
    private static final Pattern PORT = Pattern.compile("(?:(\\d{1,5}):)?(\\d{1,5})(?:/(tcp|udp|sctp))?");

    private final String origin;
    private final Path stackDir;
    private final Map<String, String> variables;

    private ComposeFile(String origin, Path stackDir, Map<String, String> variables) {
        this.origin = origin;
        this.stackDir = stackDir.toAbsolutePath().normalize();
        this.variables = variables;
    }

    /**
     * Parses a stack file.
     *
     * @param yaml      the stack.yml text
     * @param origin    names the file in error messages (e.g. {@code "stacks/gateway/stack.yml"})
     * @param stackDir  directory that relative {@code file:} paths of secrets and configs resolve
     *                  against (the resulting paths are absolute and normalized); any file system,
     *                  a zip file system too
     * @param stackName the stack name: {@code [a-z0-9][a-z0-9_.-]*}, at most 40 characters
     * @param variables values for {@code ${VAR}} interpolation
     * @return the stack, with the shapes and defaults described in the class documentation
     * @throws ComposeFileException for every problem in the file or the stack name
     */
    public static StackSpec parse(String yaml, String origin, Path stackDir, String stackName,
            Map<String, String> variables) {
        requireNonNull(yaml, "yaml");
        requireNonNull(origin, "origin");
        requireNonNull(stackDir, "stackDir");
        requireNonNull(stackName, "stackName");
        requireNonNull(variables, "variables");
        return new ComposeFile(origin, stackDir, variables).stack(yaml, stackName);
    }

    // ---- the stack and its objects ----

    private StackSpec stack(String yaml, String stackName) {
        if (!STACK_NAME.matcher(stackName).matches()) {
            throw fail("", "invalid stack name " + quote(stackName) + " (allowed: " + STACK_NAME.pattern() + ")");
        }
        Value root = new Value(document(yaml), "");
        if (!root.json().isObject()) {
            throw expected(root, "a mapping of top-level keys");
        }
        mapping(root, "version", "services", "networks", "volumes", "secrets", "configs", "x-*");
        String version = string(root.at("version"));
        if (version != null && !VERSION.matcher(version).matches()) {
            throw fail("version", "bcm stacks use the Compose file format version 3, got " + quote(version));
        }
        Map<String, Network> networks = named(root.at("networks"), this::network);
        Map<String, Volume> volumes = named(root.at("volumes"), this::volume);
        Map<String, FileObject> secrets = named(root.at("secrets"), this::fileObject);
        Map<String, FileObject> configs = named(root.at("configs"), this::fileObject);
        Declared declared = new Declared(networks.keySet(), volumes.keySet(), secrets.keySet(), configs.keySet());
        Value servicesValue = required(root.at("services"));
        Map<String, Service> services = named(servicesValue, (name, value) -> service(name, value, declared));
        if (services.isEmpty()) {
            throw fail(servicesValue.path(), "declares no service");
        }
        boolean joinsDefault = services.values().stream()
                .flatMap(service -> service.networks().stream())
                .anyMatch(attachment -> attachment.network().equals("default"));
        if (joinsDefault) {
            networks.putIfAbsent("default", new Network("default", false, false, Map.of(), Map.of(), false, null));
        }
        return new StackSpec(stackName, Collections.unmodifiableMap(services), Collections.unmodifiableMap(networks),
                Collections.unmodifiableMap(volumes), Collections.unmodifiableMap(secrets),
                Collections.unmodifiableMap(configs), extensions(root));
    }

    /** The names declared at the top level, which services refer to. */
    private record Declared(Set<String> networks, Set<String> volumes, Set<String> secrets, Set<String> configs) {
    }

    private Service service(String name, Value v, Declared declared) {
        if (!v.given()) {
            throw expected(v, "a mapping");
        }
        mapping(v, "image", "command", "entrypoint", "environment", "labels", "user", "working_dir", "hostname",
                "healthcheck", "deploy", "networks", "ports", "secrets", "configs", "volumes", "stop_grace_period",
                "stop_signal", "read_only", "x-*");
        return new Service(
                name,
                string(required(v.at("image"))),
                commandLine(v.at("entrypoint")),
                commandLine(v.at("command")),
                stringMap(v.at("environment"), false),
                stringMap(v.at("deploy").at("labels"), true),
                stringMap(v.at("labels"), true),
                string(v.at("user")),
                string(v.at("working_dir")),
                string(v.at("hostname")),
                healthcheck(v.at("healthcheck")),
                deploy(v.at("deploy")),
                networkAttachments(v.at("networks"), declared.networks()),
                list(v.at("ports"), this::port),
                list(v.at("secrets"), item -> fileMount(item, declared.secrets(), "secret")),
                list(v.at("configs"), item -> fileMount(item, declared.configs(), "config")),
                list(v.at("volumes"), item -> mount(item, declared.volumes())),
                duration(v.at("stop_grace_period")),
                string(v.at("stop_signal")),
                bool(v.at("read_only")),
                extensions(v));
    }

    private Healthcheck healthcheck(Value v) {
        if (!v.given()) {
            return null;
        }
        mapping(v, "test", "interval", "timeout", "retries", "start_period", "disable");
        List<String> test = healthcheckTest(v.at("test"));
        if (bool(v.at("disable"))) {
            if (!test.isEmpty()) {
                throw fail(v.at("disable").path(), "cannot be combined with test");
            }
            test = List.of("NONE");
        }
        return new Healthcheck(test, duration(v.at("interval")), duration(v.at("timeout")),
                integer(v.at("retries"), 0, Integer.MAX_VALUE), duration(v.at("start_period")));
    }

    /** The test as given, a string becoming CMD-SHELL; empty (the image's test) when not given. */
    private List<String> healthcheckTest(Value v) {
        if (!v.given()) {
            return List.of();
        }
        if (!v.json().isArray()) {
            return List.of("CMD-SHELL", scalar(v, "a string or a list"));
        }
        List<String> test = stringList(v);
        if (test.isEmpty() || !List.of("NONE", "CMD", "CMD-SHELL").contains(test.get(0))) {
            throw fail(v.path(), "a list must start with NONE, CMD or CMD-SHELL");
        }
        return test;
    }

    private Deploy deploy(Value v) {
        mapping(v, "mode", "replicas", "endpoint_mode", "placement", "labels", "restart_policy", "resources",
                "update_config");
        String mode = oneOf(v.at("mode"), "replicated", "replicated", "global");
        Value replicas = v.at("replicas");
        if (mode.equals("global") && replicas.given()) {
            throw fail(replicas.path(), "not allowed with mode: global");
        }
        Value placement = mapping(v.at("placement"), "constraints");
        return new Deploy(
                mode,
                mode.equals("global") ? 0 : requireNonNullElse(integer(replicas, 0, Integer.MAX_VALUE), 1),
                oneOf(v.at("endpoint_mode"), "vip", "vip", "dnsrr"),
                stringList(placement.at("constraints")),
                restartPolicy(v.at("restart_policy")),
                resources(v.at("resources")),
                updateConfig(v.at("update_config")));
    }

    private RestartPolicy restartPolicy(Value v) {
        if (!v.given()) {
            return null;
        }
        mapping(v, "condition", "delay", "max_attempts", "window");
        return new RestartPolicy(oneOf(v.at("condition"), null, "none", "on-failure", "any"),
                duration(v.at("delay")), integer(v.at("max_attempts"), 0, Integer.MAX_VALUE), duration(v.at("window")));
    }

    private Resources resources(Value v) {
        mapping(v, "limits", "reservations");
        Value limits = mapping(v.at("limits"), "cpus", "memory");
        Value reservations = mapping(v.at("reservations"), "cpus", "memory");
        return new Resources(nanoCpus(limits.at("cpus")), size(limits.at("memory")),
                nanoCpus(reservations.at("cpus")), size(reservations.at("memory")));
    }

    private UpdateConfig updateConfig(Value v) {
        if (!v.given()) {
            return null;
        }
        mapping(v, "parallelism", "delay", "order", "failure_action");
        return new UpdateConfig(integer(v.at("parallelism"), 0, Integer.MAX_VALUE), duration(v.at("delay")),
                oneOf(v.at("order"), null, "stop-first", "start-first"),
                oneOf(v.at("failure_action"), null, "pause", "continue", "rollback"));
    }

    /** A list of network names, or a mapping of network name to null or {@code {aliases: [...]}}. */
    private List<NetworkAttachment> networkAttachments(Value v, Set<String> declared) {
        List<NetworkAttachment> attachments = new ArrayList<>();
        if (v.given() && v.json().isArray()) {
            for (Value item : items(v)) {
                attachments.add(attachment(item, scalar(item, "a network name"), List.of(), declared));
            }
        } else if (!v.given() || v.json().isObject()) {
            entries(v).forEach((network, options) -> attachments.add(
                    attachment(options, network, stringList(mapping(options, "aliases").at("aliases")), declared)));
        } else {
            throw expected(v, "a list or a mapping of networks");
        }
        return attachments.isEmpty() ? List.of(new NetworkAttachment("default", List.of())) : List.copyOf(attachments);
    }

    private NetworkAttachment attachment(Value v, String network, List<String> aliases, Set<String> declared) {
        if (!network.equals("default")) {
            reference(v, network, declared, "network");
        }
        return new NetworkAttachment(network, aliases);
    }

    /** Long syntax {@code {target, published, protocol, mode}} or short {@code [published:]target[/protocol]}. */
    private Port port(Value v) {
        if (v.json().isObject()) {
            mapping(v, "target", "published", "protocol", "mode");
            return new Port(integer(required(v.at("target")), 1, 65535), integer(v.at("published"), 1, 65535),
                    oneOf(v.at("protocol"), "tcp", "tcp", "udp", "sctp"),
                    oneOf(v.at("mode"), "ingress", "ingress", "host"));
        }
        String syntax = "a port such as 80, 8080:80 or 53:53/udp";
        Matcher port = PORT.matcher(scalar(v, syntax));
        if (!port.matches()) {
            throw expected(v, syntax);
        }
        int target = Integer.parseInt(port.group(2));
        Integer published = port.group(1) == null ? null : Integer.valueOf(port.group(1));
        if (target < 1 || target > 65535 || published != null && (published < 1 || published > 65535)) {
            throw expected(v, "ports from 1 to 65535");
        }
        return new Port(target, published, requireNonNullElse(port.group(3), "tcp"), "ingress");
    }

    /** Short syntax (the name) or long {@code {source, target, uid, gid, mode}}. */
    private FileMount fileMount(Value v, Set<String> declared, String kind) {
        if (!v.json().isObject()) {
            String source = reference(v, scalar(v, "a " + kind + " name or a mapping"), declared, kind);
            return new FileMount(source, source, "0", "0", 0444);
        }
        mapping(v, "source", "target", "uid", "gid", "mode");
        Value sourceValue = required(v.at("source"));
        String source = reference(sourceValue, string(sourceValue), declared, kind);
        return new FileMount(source, requireNonNullElse(string(v.at("target")), source),
                requireNonNullElse(string(v.at("uid")), "0"), requireNonNullElse(string(v.at("gid")), "0"),
                fileMode(v.at("mode")));
    }

    /**
     * Long syntax {@code {type, source, target, read_only}} or short {@code [source:]target[:ro|rw]},
     * where a source starting with {@code /} or {@code .} is a bind mount, any other a named volume,
     * and no source an anonymous volume.
     */
    private Mount mount(Value v, Set<String> volumes) {
        if (v.json().isObject()) {
            mapping(v, "type", "source", "target", "read_only");
            return checkedMount(v, oneOf(required(v.at("type")), null, "volume", "bind", "tmpfs"),
                    string(v.at("source")), string(required(v.at("target"))), bool(v.at("read_only")), volumes);
        }
        String syntax = "a volume such as data:/var/lib/data, /srv/host:/srv:ro or /var/cache";
        String[] parts = scalar(v, syntax).split(":", -1);
        if (parts.length > 3 || parts.length == 3 && !List.of("ro", "rw").contains(parts[2])) {
            throw expected(v, syntax);
        }
        if (parts.length == 1) {
            return checkedMount(v, "volume", null, parts[0], false, volumes);
        }
        String type = parts[0].startsWith("/") || parts[0].startsWith(".") ? "bind" : "volume";
        return checkedMount(v, type, parts[0], parts[1], parts.length == 3 && parts[2].equals("ro"), volumes);
    }

    private Mount checkedMount(Value v, String type, String source, String target, boolean readOnly,
            Set<String> volumes) {
        if (!target.startsWith("/")) {
            throw fail(v.path(), "the target must be an absolute path in the container, got " + quote(target));
        }
        if (type.equals("bind") && (source == null || !source.startsWith("/"))) {
            throw fail(v.path(), "a bind mount's source must be an absolute path on the node, got "
                    + (source == null ? "none" : quote(source)));
        }
        if (type.equals("tmpfs") && source != null) {
            throw fail(v.path(), "a tmpfs mount takes no source");
        }
        if (type.equals("volume") && source != null) {
            reference(v, source, volumes, "volume");
        }
        return new Mount(type, source, target, readOnly);
    }

    /** {@code name}, which {@code v} refers to, if it is declared under the top-level key for {@code kind}. */
    private String reference(Value v, String name, Set<String> declared, String kind) {
        if (!declared.contains(name)) {
            throw fail(v.path(), kind + " " + quote(name) + " is not declared under the top-level " + kind + "s");
        }
        return name;
    }

    private Network network(String name, Value v) {
        mapping(v, "driver", "attachable", "internal", "driver_opts", "labels", "external", "name", "x-*");
        String driver = string(v.at("driver"));
        if (driver != null && !driver.equals("overlay")) {
            throw fail(v.at("driver").path(),
                    "only the overlay driver is supported (a stack runs on a swarm), got " + quote(driver));
        }
        String externalName = externalName(v, name, "driver", "attachable", "internal", "driver_opts");
        return new Network(name, bool(v.at("attachable")), bool(v.at("internal")),
                stringMap(v.at("driver_opts"), true), stringMap(v.at("labels"), true), externalName != null,
                externalName);
    }

    private Volume volume(String name, Value v) {
        mapping(v, "driver", "driver_opts", "labels", "external", "name", "x-*");
        String externalName = externalName(v, name, "driver", "driver_opts");
        return new Volume(name, requireNonNullElse(string(v.at("driver")), "local"),
                stringMap(v.at("driver_opts"), true), stringMap(v.at("labels"), true), externalName != null,
                externalName);
    }

    /** A secret or a config: its content comes from exactly one of a file, an existing object or an extension. */
    private FileObject fileObject(String name, Value v) {
        mapping(v, "file", "external", "name", "labels", "x-*");
        String externalName = externalName(v, name);
        Path file = file(v.at("file"));
        Map<String, JsonNode> extensions = extensions(v);
        int sources = (externalName == null ? 0 : 1) + (file == null ? 0 : 1) + (extensions.isEmpty() ? 0 : 1);
        if (sources != 1) {
            throw fail(v.path(), "needs exactly one of file, external: true or x-* keys (that supply the content)");
        }
        return new FileObject(name, file, stringMap(v.at("labels"), true), externalName != null, externalName,
                extensions);
    }

    /**
     * The existing object's name when {@code external: true} (default: the key), else null. {@code
     * name} without external, or one of {@code createOnly} with it, is an error.
     */
    private String externalName(Value v, String key, String... createOnly) {
        Value name = v.at("name");
        if (!bool(v.at("external"))) {
            if (name.given()) {
                throw fail(name.path(), "only supported together with external: true");
            }
            return null;
        }
        for (String option : createOnly) {
            if (v.at(option).given()) {
                throw fail(v.at(option).path(), "not allowed with external: true");
            }
        }
        return requireNonNullElse(string(name), key);
    }

    /** A path relative to the stack directory, resolved; it must not leave the directory. */
    private Path file(Value v) {
        String file = string(v);
        if (file == null) {
            return null;
        }
        try {
            Path resolved = stackDir.resolve(file).normalize();
            if (resolved.startsWith(stackDir) && !resolved.equals(stackDir)) {
                return resolved;
            }
        } catch (InvalidPathException e) {
            throw fail(v.path(), "not a valid path: " + e.getReason());
        }
        throw fail(v.path(), "must name a file inside the stack directory, got " + quote(file));
    }

    // ---- one helper per YAML shape ----

    /** A value in the file and its dotted key path ({@code services.tor.ports[0]}); {@code json} is null when the key is absent. */
    private record Value(JsonNode json, String path) {

        Value at(String key) {
            return new Value(json == null ? null : json.get(key), path.isEmpty() ? key : path + "." + key);
        }

        Value at(int index) {
            return new Value(json.get(index), path + "[" + index + "]");
        }

        /** Present and not null. */
        boolean given() {
            return json != null && !json.isNull();
        }
    }

    /** Entries of a mapping under a name each, validated, in file order; empty when not given. */
    private <T> Map<String, T> named(Value v, BiFunction<String, Value, T> read) {
        Map<String, T> named = new LinkedHashMap<>();
        entries(v).forEach((name, value) -> {
            if (!NAME.matcher(name).matches()) {
                throw fail(value.path(), "invalid name (allowed: " + NAME.pattern() + ")");
            }
            named.put(name, read.apply(name, value));
        });
        return named;
    }

    /** {@code v} when it is a mapping with only {@code keys} ({@code "x-*"} admitting extensions), or not given. */
    private Value mapping(Value v, String... keys) {
        if (!v.given()) {
            return v;
        }
        if (!v.json().isObject()) {
            throw expected(v, "a mapping");
        }
        List<String> supported = List.of(keys);
        for (Map.Entry<String, JsonNode> property : v.json().properties()) {
            String key = property.getKey();
            if (!supported.contains(key) && !(key.startsWith("x-") && supported.contains("x-*"))) {
                throw fail(v.at(key).path(), "not supported by bcm stacks (supported: " + String.join(", ", keys) + ")");
            }
        }
        return v;
    }

    private Map<String, Value> entries(Value v) {
        if (!v.given()) {
            return Map.of();
        }
        if (!v.json().isObject()) {
            throw expected(v, "a mapping");
        }
        Map<String, Value> entries = new LinkedHashMap<>();
        v.json().properties().forEach(property -> entries.put(property.getKey(), v.at(property.getKey())));
        return entries;
    }

    private List<Value> items(Value v) {
        if (!v.given()) {
            return List.of();
        }
        if (!v.json().isArray()) {
            throw expected(v, "a list");
        }
        return IntStream.range(0, v.json().size()).mapToObj(v::at).toList();
    }

    private <T> List<T> list(Value v, Function<Value, T> read) {
        return items(v).stream().map(read).toList();
    }

    private Map<String, JsonNode> extensions(Value v) {
        Map<String, JsonNode> extensions = new LinkedHashMap<>();
        entries(v).forEach((key, value) -> {
            if (key.startsWith("x-")) {
                extensions.put(key, value.json());
            }
        });
        return Collections.unmodifiableMap(extensions);
    }

    private Value required(Value v) {
        if (!v.given()) {
            throw fail(v.path(), "required but not given");
        }
        return v;
    }

    /** The text of a given scalar, interpolated when it is a string. */
    private String scalar(Value v, String what) {
        JsonNode json = v.json();
        if (json.isTextual()) {
            return interpolate(json.textValue(), v.path());
        }
        if (json.isNumber() || json.isBoolean()) {
            return json.asText();
        }
        throw expected(v, what);
    }

    private String string(Value v) {
        return v.given() ? scalar(v, "a string") : null;
    }

    private String oneOf(Value v, String fallback, String... allowed) {
        String text = string(v);
        if (text == null) {
            return fallback;
        }
        if (!List.of(allowed).contains(text)) {
            throw expected(v, "one of " + String.join(", ", allowed));
        }
        return text;
    }

    private boolean bool(Value v) {
        if (!v.given()) {
            return false;
        }
        String text = scalar(v, "a boolean");
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw expected(v, "a boolean");
    }

    private Integer integer(Value v, int min, int max) {
        if (!v.given()) {
            return null;
        }
        int value;
        try {
            value = Integer.parseInt(scalar(v, "an integer"));
        } catch (NumberFormatException e) {
            throw expected(v, "an integer");
        }
        if (value < min || value > max) {
            throw expected(v, max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer from " + min + " to " + max);
        }
        return value;
    }

    private int fileMode(Value v) {
        if (!v.given()) {
            return 0444;
        }
        String syntax = "a file mode from 0 to 0777 such as 0440";
        Matcher mode = FILE_MODE.matcher(scalar(v, syntax));
        int value = !mode.matches() ? -1
                : mode.group(1) != null ? Integer.parseInt(mode.group(1), 8) : Integer.parseInt(mode.group(2));
        if (value < 0 || value > 0777) {
            throw expected(v, syntax);
        }
        return value;
    }

    private Duration duration(Value v) {
        if (!v.given()) {
            return null;
        }
        String syntax = "a duration with a unit such as 30s, 1m30s or 500ms";
        String text = scalar(v, syntax);
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        if (!DURATION.matcher(text).matches()) {
            throw expected(v, syntax);
        }
        BigDecimal nanos = BigDecimal.ZERO;
        for (Matcher part = DURATION_PART.matcher(text); part.find(); ) {
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(NANOS_PER_UNIT.get(part.group(2)))));
        }
        try {
            return Duration.ofNanos(nanos.toBigInteger().longValueExact());
        } catch (ArithmeticException e) {
            throw expected(v, "a duration below 292 years");
        }
    }

    /** Bytes; 0 when not given. */
    private long size(Value v) {
        if (!v.given()) {
            return 0;
        }
        String syntax = "a size such as 512m or 1g";
        Matcher size = SIZE.matcher(scalar(v, syntax));
        if (!size.matches()) {
            throw expected(v, syntax);
        }
        int power = size.group(2).isEmpty() ? 0 : "kmg".indexOf(size.group(2).toLowerCase()) + 1;
        try {
            return new BigDecimal(size.group(1)).multiply(BigDecimal.valueOf(1024).pow(power)).toBigInteger().longValueExact();
        } catch (ArithmeticException e) {
            throw expected(v, syntax);
        }
    }

    /** Nano CPUs; 0 when not given. */
    private long nanoCpus(Value v) {
        if (!v.given()) {
            return 0;
        }
        String syntax = "a number of CPUs such as 0.5 (at most 9 decimals)";
        String text = scalar(v, syntax);
        if (!CPUS.matcher(text).matches()) {
            throw expected(v, syntax);
        }
        try {
            return new BigDecimal(text).movePointRight(9).longValueExact();
        } catch (ArithmeticException e) {
            throw expected(v, syntax);
        }
    }

    private List<String> stringList(Value v) {
        return list(v, item -> scalar(item, "a string"));
    }

    /** A list, or a string split into words like a POSIX shell would; null when not given. */
    private List<String> commandLine(Value v) {
        if (!v.given()) {
            return null;
        }
        return v.json().isArray() ? stringList(v) : shellWords(scalar(v, "a string or a list of strings"), v);
    }

    private List<String> shellWords(String line, Value v) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'' && c != '\'') {
                word.append(c);
            } else if (c == '\\') {
                if (++i == line.length()) {
                    throw fail(v.path(), "ends with an unfinished \\ escape");
                }
                word.append(line.charAt(i));
                inWord = true;
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
                inWord = true;
            } else if (quote == 0 && Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw fail(v.path(), "unterminated " + quote + " quote");
        }
        if (inWord) {
            words.add(word.toString());
        }
        return List.copyOf(words);
    }

    /**
     * A mapping, or a list of {@code KEY=VALUE}; a key without a value is kept with an empty value
     * when {@code keepBareKeys}, else dropped. Empty when not given.
     */
    private Map<String, String> stringMap(Value v, boolean keepBareKeys) {
        Map<String, String> map = new LinkedHashMap<>();
        if (v.given() && v.json().isArray()) {
            for (Value item : items(v)) {
                String entry = scalar(item, "a KEY=VALUE string");
                int equals = entry.indexOf('=');
                if (equals >= 0) {
                    map.put(entry.substring(0, equals), entry.substring(equals + 1));
                } else if (keepBareKeys) {
                    map.put(entry, "");
                }
            }
        } else if (!v.given() || v.json().isObject()) {
            entries(v).forEach((key, value) -> {
                if (value.given()) {
                    map.put(key, scalar(value, "a string"));
                } else if (keepBareKeys) {
                    map.put(key, "");
                }
            });
        } else {
            throw expected(v, "a mapping or a list of KEY=VALUE strings");
        }
        return Collections.unmodifiableMap(map);
    }

    // ---- interpolation ----

    private String interpolate(String text, String path) {
        Matcher variable = VARIABLE.matcher(text);
        StringBuilder result = new StringBuilder();
        int copied = 0;
        while (variable.find()) {
            result.append(text, copied, variable.start()).append(substitute(variable, text, path));
            copied = variable.end();
        }
        return result.append(text, copied, text.length()).toString();
    }

    private String substitute(MatchResult variable, String text, String path) {
        if (variable.group(1) != null) {
            return "$";
        }
        String name = variable.group(2) != null ? variable.group(2) : variable.group(3);
        if (name == null) {
            throw fail(path, "invalid variable reference in " + quote(text) + " (write $$ for a literal $)");
        }
        String value = variables.get(name);
        String operator = variable.group(4);
        if (operator == null) {
            if (value == null) {
                throw fail(path, "variable " + name + " is not set");
            }
            return value;
        }
        boolean orEmpty = operator.startsWith(":");
        if (value != null && !(orEmpty && value.isEmpty())) {
            return value;
        }
        String word = variable.group(5);
        if (operator.endsWith("-")) {
            return word;
        }
        throw fail(path, "variable " + name + " is not set" + (orEmpty ? " or empty" : "")
                + (word.isEmpty() ? "" : ": " + word));
    }

    // ---- YAML ----

    /** The single YAML document in {@code yaml} as a tree, read by SnakeYAML (which resolves aliases and merge keys). */
    private JsonNode document(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50); // aliases can make a document exponentially large ("billion laughs")
        Object document;
        try {
            document = new Yaml(new TextConstructor(options)).load(yaml);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark();
            String problem = e instanceof ComposerException && "but found another document".equals(e.getProblem())
                    ? "a stack file holds one YAML document, found another" : oneLine(e.getProblem());
            throw withCause(fail(mark == null ? "" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1),
                    problem), e);
        } catch (YAMLException e) { // a limit, such as the number of aliases
            throw withCause(fail("", oneLine(e.getMessage())), e);
        }
        if (document == null) {
            throw fail("", "the file is empty");
        }
        return JSON.valueToTree(document);
    }

    /**
     * SnakeYAML's safe constructor, keeping as text what YAML 1.1 reads otherwise but Compose does not:
     * every key ({@code ON} is no boolean, {@code 0440} no number), sexagesimal numbers ({@code
     * 22:22} is no 1342) and timestamps. A node that holds an alias to itself is an error.
     */
    private static final class TextConstructor extends SafeConstructor {

        TextConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(Tag.TIMESTAMP, new ConstructYamlStr());
            yamlClassConstructors.put(NodeId.scalar, new ConstructYamlStr()); // the keys, typed String below
            for (Tag tag : List.of(Tag.INT, Tag.FLOAT)) {
                Construct number = yamlConstructors.get(tag);
                yamlConstructors.put(tag, new AbstractConstruct() {
                    @Override
                    public Object construct(Node node) {
                        String text = ((ScalarNode) node).getValue();
                        return text.contains(":") ? text : number.construct(node);
                    }
                });
            }
        }

        @Override
        protected void flattenMapping(MappingNode node) {
            for (NodeTuple entry : node.getValue()) {
                if (!(entry.getKeyNode() instanceof ScalarNode) || entry.getKeyNode().getAnchor() != null) {
                    throw error(entry.getKeyNode(), "a key must be a string, without an anchor or alias");
                }
            }
            flattenMapping(node, true); // every key typed String, also in the mappings << merges
        }

        @Override
        protected Object constructObject(Node node) {
            if (node.isTwoStepsConstruction()) { // SnakeYAML's mark for a node that contains an alias to itself
                throw error(node, "holds an alias to itself");
            }
            return super.constructObject(node);
        }

        private static YAMLException error(Node node, String problem) {
            return new ConstructorException(null, null, problem, node.getStartMark()) {};
        }
    }

    private static ComposeFileException withCause(ComposeFileException error, Throwable cause) {
        error.initCause(cause);
        return error;
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    // ---- errors ----

    /** "expected {@code what}, got" the value as the file gives it (strings interpolated). */
    private ComposeFileException expected(Value v, String what) {
        JsonNode json = v.json();
        String got = json.isObject() ? "a mapping"
                : json.isArray() ? "a list"
                : json.isTextual() ? quote(interpolate(json.textValue(), v.path()))
                : json.toString();
        return fail(v.path(), "expected " + what + ", got " + got);
    }

    /** The one place messages are made: origin, where ({@code ""} for the whole file), what is wrong. */
    private ComposeFileException fail(String where, String problem) {
        return new ComposeFileException(origin + ": " + (where.isEmpty() ? "" : where + ": ") + problem);
    }

    private static String quote(String text) {
        return TextNode.valueOf(text).toString();
    }
}
