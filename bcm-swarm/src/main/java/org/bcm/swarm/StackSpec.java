package org.bcm.swarm;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A stack as a Compose file (format version 3, the keys {@code docker stack deploy} understands)
 * declares it, after variable interpolation: what {@link ComposeFile#parse} returns and
 * {@link StackDeployer} converges a swarm to. Names are the ones in the file; the swarm objects get
 * the Docker CLI's names {@code <stack>_<name>} (see {@link StackDeployer}).
 *
 * <p>All maps are ordered as in the file; all collections are immutable and never null.
 *
 * @param name       the stack (namespace) name: {@code [a-z0-9][a-z0-9_.-]*}, at most 40 characters
 * @param services   service name to service
 * @param networks   network name to network; a service that names no network joins {@code default},
 *                   which is then declared here as an overlay network
 * @param volumes    named volumes
 * @param secrets    secrets (Compose: top-level {@code secrets})
 * @param configs    configs (Compose: top-level {@code configs})
 * @param extensions top-level {@code x-*} keys, unparsed
 */
public record StackSpec(
        String name,
        Map<String, Service> services,
        Map<String, Network> networks,
        Map<String, Volume> volumes,
        Map<String, FileObject> secrets,
        Map<String, FileObject> configs,
        Map<String, JsonNode> extensions) {

    /**
     * One service.
     *
     * @param name            the key under {@code services}
     * @param image           image reference, required
     * @param entrypoint      overrides the image's entrypoint; null keeps it
     * @param command         overrides the image's command; null keeps it
     * @param environment     variables; a variable listed without a value is dropped
     * @param labels          service labels ({@code deploy.labels} in Compose)
     * @param containerLabels container labels ({@code labels} in Compose)
     * @param user            user[:group] or null
     * @param workingDir      working directory or null
     * @param hostname        hostname or null
     * @param healthcheck     null when the file gives none (the image's applies)
     * @param deploy          never null; defaults as Compose's
     * @param networks        networks joined, by stack network name
     * @param ports           published ports
     * @param expose          ports the service listens on for other services ({@code expose}), which Swarm does not publish
     * @param secrets         secrets mounted under {@code /run/secrets/}
     * @param configs         configs mounted as files
     * @param mounts          volumes, binds and tmpfs mounts ({@code volumes} in Compose)
     * @param stopGracePeriod null for the engine default (10 s)
     * @param stopSignal      null for the image's
     * @param readOnly        root filesystem read-only
     * @param extensions      {@code x-*} keys of the service, unparsed
     */
    public record Service(
            String name,
            String image,
            List<String> entrypoint,
            List<String> command,
            Map<String, String> environment,
            Map<String, String> labels,
            Map<String, String> containerLabels,
            String user,
            String workingDir,
            String hostname,
            Healthcheck healthcheck,
            Deploy deploy,
            List<NetworkAttachment> networks,
            List<Port> ports,
            List<Integer> expose,
            List<FileMount> secrets,
            List<FileMount> configs,
            List<Mount> mounts,
            Duration stopGracePeriod,
            String stopSignal,
            boolean readOnly,
            Map<String, JsonNode> extensions) {

        /** This service with one more placement constraint, e.g. {@code node.labels.bcm.endpoint == first}. */
        public Service withConstraint(String constraint) {
            List<String> constraints = new java.util.ArrayList<>(deploy.constraints());
            constraints.add(constraint);
            Deploy placed = new Deploy(deploy.mode(), deploy.replicas(), deploy.endpointMode(), List.copyOf(constraints),
                    deploy.restartPolicy(), deploy.resources(), deploy.updateConfig());
            return new Service(name, image, entrypoint, command, environment, labels, containerLabels, user, workingDir, hostname,
                    healthcheck, placed, networks, ports, expose, secrets, configs, mounts, stopGracePeriod, stopSignal, readOnly, extensions);
        }
    }

    /**
     * A healthcheck. Durations and {@code retries} are null where the file gives none.
     *
     * @param test        the Compose form: {@code ["CMD", ...]}, {@code ["CMD-SHELL", "..."]} (a string
     *                    test becomes CMD-SHELL) or {@code ["NONE"]} ({@code disable: true}); empty when
     *                    the file gives no test (the image's test applies)
     * @param interval    time between checks
     * @param timeout     time a check may take
     * @param retries     consecutive failures that make the container unhealthy
     * @param startPeriod time after the start during which failures do not count
     */
    public record Healthcheck(List<String> test, Duration interval, Duration timeout, Integer retries, Duration startPeriod) {
    }

    /**
     * {@code deploy}.
     *
     * @param mode          {@code replicated} (default) or {@code global}
     * @param replicas      replicas when replicated (default 1); 0 in global mode
     * @param endpointMode  {@code vip} (default) or {@code dnsrr}
     * @param constraints   placement constraints, e.g. {@code node.labels.bcm.tier == gateway}
     * @param restartPolicy null for the engine default
     * @param resources     never null; zero means unset
     * @param updateConfig  null for the engine default
     */
    public record Deploy(
            String mode,
            int replicas,
            String endpointMode,
            List<String> constraints,
            RestartPolicy restartPolicy,
            Resources resources,
            UpdateConfig updateConfig) {
    }

    /** {@code deploy.restart_policy}: condition {@code none|on-failure|any}; nulls for unset. */
    public record RestartPolicy(String condition, Duration delay, Integer maxAttempts, Duration window) {
    }

    /** {@code deploy.resources}: CPUs in nano-CPUs (1e9 = one CPU), memory in bytes; 0 = unset. */
    public record Resources(long limitNanoCpus, long limitMemoryBytes, long reservationNanoCpus, long reservationMemoryBytes) {
    }

    /** {@code deploy.update_config}: order {@code stop-first|start-first}, failure action {@code pause|continue|rollback}; nulls for unset. */
    public record UpdateConfig(Integer parallelism, Duration delay, String order, String failureAction) {
    }

    /** A network the service joins, with its aliases there. */
    public record NetworkAttachment(String network, List<String> aliases) {
    }

    /**
     * A published port.
     *
     * @param target    container port
     * @param published port on the nodes, null for none chosen (the engine picks one)
     * @param protocol  {@code tcp} (default), {@code udp} or {@code sctp}
     * @param mode      {@code ingress} (default) or {@code host}
     */
    public record Port(int target, Integer published, String protocol, String mode) {
    }

    /**
     * A secret or config mounted into the service.
     *
     * @param source the secret or config name in this file
     * @param target file name or absolute path inside the container (default: the source name)
     * @param uid    owner uid, default {@code "0"}
     * @param gid    owner gid, default {@code "0"}
     * @param mode   file mode, default 0444
     */
    public record FileMount(String source, String target, String uid, String gid, int mode) {
    }

    /**
     * A mount ({@code volumes} of a service).
     *
     * @param type     {@code volume}, {@code bind} or {@code tmpfs}
     * @param source   volume name in this file (volume), host path (bind), null (tmpfs or an anonymous volume)
     * @param target   absolute path in the container
     * @param readOnly mounted read-only
     */
    public record Mount(String type, String source, String target, boolean readOnly) {
    }

    /**
     * A network. Only the {@code overlay} driver is accepted (a stack runs on a swarm). {@code x-*} keys
     * in the file are accepted and ignored.
     *
     * @param name         the key under {@code networks}
     * @param attachable   standalone containers may join it
     * @param internal     no external connectivity
     * @param driverOpts   driver options; {@code encrypted} asks for IPsec between nodes
     * @param labels       labels
     * @param external     an existing network, not created or removed by the stack
     * @param externalName the existing network's name when external (default: the key)
     */
    public record Network(
            String name,
            boolean attachable,
            boolean internal,
            Map<String, String> driverOpts,
            Map<String, String> labels,
            boolean external,
            String externalName) {
    }

    /**
     * A named volume, created on each node where a task mounts it. {@code x-*} keys in the file are
     * accepted and ignored.
     *
     * @param name         the key under {@code volumes}
     * @param driver       the volume driver, default {@code local}
     * @param driverOpts   driver options
     * @param labels       labels
     * @param external     an existing volume, not created or removed by the stack
     * @param externalName the existing volume's name when external (default: the key)
     */
    public record Volume(String name, String driver, Map<String, String> driverOpts, Map<String, String> labels,
            boolean external, String externalName) {
    }

    /**
     * A secret or a config.
     *
     * @param name         the key under {@code secrets} or {@code configs}
     * @param file         the file holding its content, resolved against the stack directory; null when
     *                     external or when an extension supplies the content (see {@link #withFile})
     * @param labels       labels
     * @param external     an existing object, not created or removed by the stack
     * @param externalName the existing object's name when external (default: the key)
     * @param extensions   {@code x-*} keys, unparsed (bcm's {@code x-bcm-generate})
     * @param content      content supplied by the caller instead of a file (see {@link #withContent}), or null
     */
    public record FileObject(String name, Path file, Map<String, String> labels, boolean external, String externalName,
            Map<String, JsonNode> extensions, Content content) {

        /** A secret or config as the file declares it, its content not supplied. */
        public FileObject(String name, Path file, Map<String, String> labels, boolean external, String externalName,
                Map<String, JsonNode> extensions) {
            this(name, file, labels, external, externalName, extensions, null);
        }

        /** This object with its content read from {@code file}. */
        public FileObject withFile(Path file) {
            return new FileObject(name, file, labels, external, externalName, extensions, null);
        }

        /** This object with its content supplied by the caller. */
        public FileObject withContent(Content content) {
            return new FileObject(name, null, labels, external, externalName, extensions, content);
        }
    }

    /**
     * Content a caller supplies for a secret, with the suffix of its swarm name: the object is
     * {@code <stack>_<name>-<suffix>}, so new content needs a new suffix. The bytes are asked for only
     * when the swarm has no object of that name yet (a secret kept encrypted need not be decrypted for
     * a redeploy). Unlike file content, whose name carries a hash of the content, the name says nothing
     * about the secret.
     *
     * @param suffix lower-case letters and digits, 1 to 16
     * @param bytes  the content, asked for at most once per deploy
     */
    public record Content(String suffix, java.util.function.Supplier<byte[]> bytes) {
        public Content {
            if (suffix == null || !suffix.matches("[a-z0-9]{1,16}")) {
                throw new IllegalArgumentException("a secret's suffix is 1 to 16 lower-case letters and digits, not '" + suffix + "'");
            }
            java.util.Objects.requireNonNull(bytes, "bytes");
        }
    }

    /** This stack with secret {@code secret}'s content supplied by the caller ({@link Content}). */
    public StackSpec withSecretContent(String secret, Content content) {
        FileObject current = secrets.get(secret);
        if (current == null || current.external()) {
            throw new IllegalArgumentException("stack " + name + " declares no secret " + secret + " of its own");
        }
        Map<String, FileObject> changed = new java.util.LinkedHashMap<>(secrets);
        changed.put(secret, current.withContent(content));
        return new StackSpec(name, services, networks, volumes, java.util.Collections.unmodifiableMap(changed), configs,
                extensions);
    }

    /** This stack with every service's image replaced by what {@code image} makes of it (e.g. pinned by digest). */
    public StackSpec withImages(java.util.function.UnaryOperator<String> image) {
        Map<String, Service> changed = new java.util.LinkedHashMap<>();
        services.forEach((key, s) -> changed.put(key, new Service(s.name(), image.apply(s.image()), s.entrypoint(), s.command(),
                s.environment(), s.labels(), s.containerLabels(), s.user(), s.workingDir(), s.hostname(), s.healthcheck(),
                s.deploy(), s.networks(), s.ports(), s.expose(), s.secrets(), s.configs(), s.mounts(), s.stopGracePeriod(), s.stopSignal(),
                s.readOnly(), s.extensions())));
        return new StackSpec(name, java.util.Collections.unmodifiableMap(changed), networks, volumes, secrets, configs,
                extensions);
    }

    /**
     * This stack reduced to the named services, with the secrets and configs only they mount, without
     * the networks only the other services join (so an external network of a left-out service need not
     * exist); the other networks and the volumes the file declares stay.
     */
    /** This stack with each service replaced by what {@code change} makes of it. */
    public StackSpec mapServices(java.util.function.UnaryOperator<Service> change) {
        Map<String, Service> changed = new java.util.LinkedHashMap<>();
        services.forEach((key, service) -> changed.put(key, change.apply(service)));
        return new StackSpec(name, changed, networks, volumes, secrets, configs, extensions);
    }

    public StackSpec onlyServices(java.util.Set<String> keep) {
        Map<String, Service> kept = new java.util.LinkedHashMap<>();
        java.util.Set<String> secretsUsed = new java.util.HashSet<>();
        java.util.Set<String> configsUsed = new java.util.HashSet<>();
        services.forEach((key, service) -> {
            if (keep.contains(key)) {
                kept.put(key, service);
                service.secrets().forEach(m -> secretsUsed.add(m.source()));
                service.configs().forEach(m -> configsUsed.add(m.source()));
            }
        });
        Map<String, FileObject> keptSecrets = new java.util.LinkedHashMap<>(secrets);
        keptSecrets.keySet().retainAll(secretsUsed);
        Map<String, FileObject> keptConfigs = new java.util.LinkedHashMap<>(configs);
        keptConfigs.keySet().retainAll(configsUsed);
        java.util.Set<String> networksLeft = new java.util.HashSet<>();
        services.values().stream().filter(service -> !kept.containsKey(service.name()))
                .forEach(service -> service.networks().forEach(attachment -> networksLeft.add(attachment.network())));
        kept.values().forEach(service -> service.networks().forEach(attachment -> networksLeft.remove(attachment.network())));
        Map<String, Network> keptNetworks = new java.util.LinkedHashMap<>(networks);
        keptNetworks.keySet().removeAll(networksLeft);
        return new StackSpec(name, java.util.Collections.unmodifiableMap(kept), java.util.Collections.unmodifiableMap(keptNetworks), volumes,
                java.util.Collections.unmodifiableMap(keptSecrets), java.util.Collections.unmodifiableMap(keptConfigs), extensions);
    }
}
