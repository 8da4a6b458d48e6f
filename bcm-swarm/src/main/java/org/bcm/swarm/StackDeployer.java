package org.bcm.swarm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.github.dockerjava.api.model.Config;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.ContainerSpecConfig;
import com.github.dockerjava.api.model.ContainerSpecFile;
import com.github.dockerjava.api.model.ContainerSpecSecret;
import com.github.dockerjava.api.model.Driver;
import com.github.dockerjava.api.model.EndpointResolutionMode;
import com.github.dockerjava.api.model.EndpointSpec;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.PortConfig;
import com.github.dockerjava.api.model.PortConfigProtocol;
import com.github.dockerjava.api.model.ResourceRequirements;
import com.github.dockerjava.api.model.ResourceSpecs;
import com.github.dockerjava.api.model.Secret;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceGlobalModeOptions;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import com.github.dockerjava.api.model.ServiceRestartPolicy;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.TaskState;
import com.github.dockerjava.api.model.UpdateConfig;
import com.github.dockerjava.api.model.UpdateFailureAction;
import com.github.dockerjava.api.model.UpdateOrder;
import com.github.dockerjava.api.model.VolumeOptions;
import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Converges a swarm to a {@link StackSpec}, the way {@code docker stack deploy} does, through the
 * Engine API of a swarm manager: the swarm objects get the Docker CLI's names ({@code <stack>_<name>})
 * and its label {@value #NAMESPACE_LABEL}{@code =<stack>}, so {@code docker stack ls/ps/services} on
 * any manager shows them.
 *
 * <ul>
 *   <li>Networks: overlay, created when missing. A declared network that exists is kept as it is
 *       (changing a network's options needs {@link #remove} first: the engine cannot update one).</li>
 *   <li>Secrets and configs are immutable in a swarm: each is named {@code <stack>_<name>-<suffix>},
 *       the suffix being the caller's for supplied content ({@link StackSpec.Content}, how bcm gives
 *       secrets: the name says nothing about the content) and otherwise the first 12 hex digits of the
 *       SHA-256 of the file's content, so new content is a new object; services are pointed at it and
 *       the old one is removed.</li>
 *   <li>Services carry the label {@value #SPEC_HASH_LABEL}, the SHA-256 of the spec bcm sent. A
 *       service whose desired spec hashes the same is left alone (no new tasks); any other is
 *       updated in place.</li>
 *   <li>With {@code prune}, services, networks, secrets and configs of the stack that the spec no
 *       longer declares are removed. Volumes are never removed: they hold data.</li>
 * </ul>
 *
 * <p>Every step names what it works on, so a deploy interrupted at any point is finished by the next.
 */
public final class StackDeployer {

    /** The Docker CLI's stack label. */
    public static final String NAMESPACE_LABEL = "com.docker.stack.namespace";
    /** SHA-256 of the service spec bcm sent, to tell changed services from unchanged ones. */
    public static final String SPEC_HASH_LABEL = "bcm.spec-hash";
    /** The Docker CLI's label naming a service's image. */
    static final String IMAGE_LABEL = "com.docker.stack.image";

    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration NETWORK_RELEASE = Duration.ofSeconds(60);
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final DockerEngine manager;
    private final Consumer<String> progress;

    /**
     * @param manager a manager of the swarm
     * @param progress receives one line per step ("creating service gateway_tor")
     */
    public StackDeployer(DockerEngine manager, Consumer<String> progress) {
        this.manager = Objects.requireNonNull(manager, "manager");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * What one deploy changed, by swarm object name ({@code "service gateway_tor"}).
     *
     * @param created   objects created
     * @param updated   services updated
     * @param removed   objects removed
     * @param unchanged services left alone
     */
    public record Result(List<String> created, List<String> updated, List<String> removed, List<String> unchanged) {
        /** Whether the deploy created, updated or removed anything. */
        public boolean changed() {
            return !created.isEmpty() || !updated.isEmpty() || !removed.isEmpty();
        }
    }

    /**
     * The state of one service of a stack.
     *
     * @param name     swarm name, {@code <stack>_<service>}
     * @param running  tasks running (and healthy, where a healthcheck is defined)
     * @param desired  tasks wanted: the replicas, or for a global service the tasks the swarm scheduled
     * @param errors   the errors of its most recent failed tasks, newest first, at most three
     */
    public record ServiceStatus(String name, int running, int desired, List<String> errors) {
        public boolean converged() {
            return running == desired && desired > 0 || desired == 0 && running == 0;
        }
    }

    /**
     * Creates, updates and (with {@code prune}) removes swarm objects until the swarm matches the stack.
     * Does not wait for tasks: see {@link #awaitConverged}.
     *
     * @param stack  the stack; secret and config files are read here
     * @param labels extra labels put on every object created (e.g. {@code bcm.project})
     * @param prune  remove what the stack no longer declares
     * @throws DockerEngineException when the engine refuses a step
     * @throws StackDeployException when an external object is missing or a file cannot be read
     */
    public Result deploy(StackSpec stack, Map<String, String> labels, boolean prune) {
        return deploy(stack, labels, prune, null);
    }

    /**
     * {@link #deploy(StackSpec, Map, boolean)} for services whose images come from a registry that
     * wants credentials: the swarm keeps them with each service it creates or updates, and every node
     * pulls with them.
     *
     * @param registry the registry's credentials, or null for none
     */
    public Result deploy(StackSpec stack, Map<String, String> labels, boolean prune, RegistryCredentials registry) {
        return converge(stack, labels, prune, registry, true);
    }

    /**
     * What {@link #deploy(StackSpec, Map, boolean, RegistryCredentials)} would do now, changing nothing:
     * the same comparison, with the objects it would create named but not created. A service that
     * would join a network or use a secret or config that does not exist yet counts as created or
     * updated (it would get a new id). An external object that does not exist yet is taken as one an
     * earlier stack of the same deploy creates.
     *
     * @throws DockerEngineException when the engine cannot be read
     * @throws StackDeployException when a file cannot be read
     */
    public Result plan(StackSpec stack, Map<String, String> labels, boolean prune) {
        return converge(stack, labels, prune, null, false);
    }

    /** The deploy and its plan: one comparison; {@code apply} says whether the changes are sent. */
    private Result converge(StackSpec stack, Map<String, String> labels, boolean prune, RegistryCredentials registry,
            boolean apply) {
        Changes changes = new Changes(apply ? progress : line -> { }, apply);
        Map<String, String> objectLabels = new TreeMap<>(labels);
        objectLabels.put(NAMESPACE_LABEL, stack.name());
        Map<String, String> namespace = Map.of(NAMESPACE_LABEL, stack.name());

        Map<String, String> networkIds = ensureNetworks(stack, objectLabels, changes);
        Map<String, Named> secrets = ensureFileObjects(stack, stack.secrets(), "secret", objectLabels, changes);
        Map<String, Named> configs = ensureFileObjects(stack, stack.configs(), "config", objectLabels, changes);

        Map<String, Service> existing = new HashMap<>();
        for (Service service : manager.services(namespace)) {
            existing.put(service.getSpec().getName(), service);
        }
        for (StackSpec.Service service : stack.services().values()) {
            String name = scoped(stack, service.name());
            ServiceSpec spec = serviceSpec(stack, service, objectLabels, networkIds, secrets, configs);
            Service current = existing.remove(name);
            if (current == null) {
                changes.create("service " + name, () -> manager.createService(spec, registry));
            } else if (spec.getLabels().get(SPEC_HASH_LABEL).equals(labelOf(current, SPEC_HASH_LABEL))) {
                changes.unchanged.add("service " + name);
            } else {
                changes.update("service " + name,
                        () -> manager.updateService(current.getId(), current.getVersion().getIndex(), spec, registry));
            }
        }
        if (prune) {
            for (Service stale : existing.values()) {
                changes.remove("service " + stale.getSpec().getName(),
                        () -> manager.removeService(stale.getId(), stale.getSpec().getName()));
            }
            pruneFileObjects(stack, secrets, configs, changes);
            Set<String> keep = new LinkedHashSet<>(networkIds.values());
            for (Network network : manager.networks(namespace)) {
                if (!keep.contains(network.getId())) {
                    changes.remove("network " + network.getName(), () -> removeNetwork(network));
                }
            }
        }
        return changes.result();
    }

    /**
     * The changes of one deploy or plan, by swarm object name ({@code "service gateway_tor"}): each
     * is reported and sent when applying, only listed when planning.
     */
    private static final class Changes {
        private final Consumer<String> progress;
        private final boolean apply;
        final List<String> created = new ArrayList<>();
        final List<String> updated = new ArrayList<>();
        final List<String> removed = new ArrayList<>();
        final List<String> unchanged = new ArrayList<>();

        Changes(Consumer<String> progress, boolean apply) {
            this.progress = progress;
            this.apply = apply;
        }

        /** Creates the object; returns its id, or a placeholder naming it when planning. */
        String create(String object, java.util.function.Supplier<String> send) {
            created.add(object);
            progress.accept("creating " + object);
            return apply ? send.get() : "(new) " + object;
        }

        void update(String object, Runnable send) {
            change(updated, "updating ", object, send);
        }

        void remove(String object, Runnable send) {
            change(removed, "removing ", object, send);
        }

        private void change(List<String> list, String verb, String object, Runnable send) {
            list.add(object);
            progress.accept(verb + object);
            if (apply) {
                send.run();
            }
        }

        Result result() {
            return new Result(List.copyOf(created), List.copyOf(updated), List.copyOf(removed), List.copyOf(unchanged));
        }
    }

    /**
     * The stacks on this swarm: namespace to its services' states.
     */
    public Map<String, List<ServiceStatus>> stacks() {
        Map<String, List<ServiceStatus>> stacks = new TreeMap<>();
        for (Service service : manager.services(Map.of())) {
            String namespace = labelOf(service, NAMESPACE_LABEL);
            if (namespace != null) {
                stacks.computeIfAbsent(namespace, n -> new ArrayList<>()).add(status(service));
            }
        }
        return stacks;
    }

    /**
     * A running task of a service: the node it runs on and its container there.
     *
     * @param nodeId      the swarm node's id ({@link DockerEngine#node})
     * @param containerId the container's id on that node's engine
     */
    public record RunningTask(String nodeId, String containerId) {
    }

    /** The running tasks of the stack's service {@code service} (its name in the stack file). */
    public List<RunningTask> runningTasks(String stack, String service) {
        List<RunningTask> running = new ArrayList<>();
        for (Service s : manager.services(Map.of(NAMESPACE_LABEL, stack))) {
            if (!s.getSpec().getName().equals(stack + "_" + service)) {
                continue;
            }
            for (Task task : manager.tasks(s.getId())) {
                var status = task.getStatus();
                if (status != null && status.getState() == TaskState.RUNNING && status.getContainerStatus() != null
                        && status.getContainerStatus().getContainerID() != null) {
                    running.add(new RunningTask(task.getNodeId(), status.getContainerStatus().getContainerID()));
                }
            }
        }
        return running;
    }

    /**
     * For each stack on the swarm, the value its services carry for {@code label} (e.g. the project
     * that deployed it); stacks whose services lack the label are absent.
     */
    public Map<String, String> stackLabel(String label) {
        Map<String, String> values = new TreeMap<>();
        for (Service service : manager.services(Map.of())) {
            String namespace = labelOf(service, NAMESPACE_LABEL);
            String value = labelOf(service, label);
            if (namespace != null && value != null) {
                values.put(namespace, value);
            }
        }
        return values;
    }

    /**
     * Waits until every service of the stack has its desired tasks running (and healthy where a
     * healthcheck is defined) and no update in progress, reporting changes of state.
     *
     * @throws StackDeployException when {@code timeout} passes first, naming each service that did
     *     not converge and its task errors; or at once when an update was paused or rolled back
     */
    public void awaitConverged(String stack, Duration timeout) {
        awaitConverged(stack, null, timeout);
    }

    /**
     * {@link #awaitConverged(String, Duration)} for some services of the stack only.
     *
     * @param services service names as in the stack file; null for all
     */
    public void awaitConverged(String stack, Set<String> services, Duration timeout) {
        Map<String, String> reported = new HashMap<>();
        RetryPolicy<List<ServiceStatus>> untilConverged = RetryPolicy.<List<ServiceStatus>>builder()
                .handleIf((pending, failure) -> failure == null && !pending.isEmpty())
                .withDelay(POLL).withMaxDuration(timeout).withMaxRetries(-1).build();
        List<ServiceStatus> pending = Failsafe.with(untilConverged).get(() -> pendingServices(stack, services, reported));
        if (pending.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder("Stack " + stack + " did not converge within " + timeout.toSeconds() + " s:");
        for (ServiceStatus state : pending) {
            message.append("\n  ").append(state.name()).append(": ").append(state.running()).append('/')
                    .append(state.desired()).append(" tasks running");
            state.errors().forEach(error -> message.append("\n    task error: ").append(error));
        }
        throw new StackDeployException(message.toString(), pending);
    }

    /**
     * The services of the stack (those named in {@code services}, or all) that have not converged,
     * reporting each service's state when it changed since {@code reported}.
     *
     * @throws StackDeployException when an update was paused or rolled back
     */
    private List<ServiceStatus> pendingServices(String stack, Set<String> services, Map<String, String> reported) {
        List<ServiceStatus> pending = new ArrayList<>();
        for (Service service : manager.services(Map.of(NAMESPACE_LABEL, stack))) {
            if (services != null && !services.contains(service.getSpec().getName().substring(stack.length() + 1))) {
                continue;
            }
            String updateState = service.getUpdateStatus() == null || service.getUpdateStatus().getState() == null
                    ? null : service.getUpdateStatus().getState().name().toLowerCase(java.util.Locale.ROOT);
            if (updateState != null && (updateState.equals("paused") || updateState.startsWith("rollback"))) {
                throw new StackDeployException("The update of service " + service.getSpec().getName()
                        + " stopped (" + updateState + "): " + service.getUpdateStatus().getMessage(),
                        List.of(status(service)));
            }
            ServiceStatus state = status(service);
            boolean updating = "updating".equals(updateState);
            ServiceStatus counted = updating ? new ServiceStatus(state.name(), Math.min(state.running(), state.desired() - 1),
                    state.desired(), state.errors()) : state;
            if (!counted.converged()) {
                pending.add(counted);
            }
            String line = state.name() + ": " + state.running() + "/" + state.desired() + " running"
                    + (updating ? " (updating)" : "");
            if (!line.equals(reported.put(state.name(), line))) {
                progress.accept(line);
            }
        }
        return pending;
    }

    /**
     * Removes every service, network, secret and config labelled with the stack, waiting for the
     * services' tasks to end first. Volumes are kept. Removing a stack that is not there does nothing.
     *
     * @return what was removed
     */
    public List<String> remove(String stack) {
        return removal(stack, true);
    }

    /** What {@link #remove} would remove now, removing nothing. */
    public List<String> planRemoval(String stack) {
        return removal(stack, false);
    }

    private List<String> removal(String stack, boolean apply) {
        Map<String, String> namespace = Map.of(NAMESPACE_LABEL, stack);
        Changes changes = new Changes(apply ? progress : line -> { }, apply);
        for (Service service : manager.services(namespace)) {
            changes.remove("service " + service.getSpec().getName(),
                    () -> manager.removeService(service.getId(), service.getSpec().getName()));
        }
        for (Secret secret : manager.secrets(namespace)) {
            changes.remove("secret " + secret.getSpec().getName(),
                    () -> manager.removeSecret(secret.getId(), secret.getSpec().getName()));
        }
        for (Config config : manager.configs(namespace)) {
            changes.remove("config " + config.getSpec().getName(),
                    () -> manager.removeConfig(config.getId(), config.getSpec().getName()));
        }
        for (Network network : manager.networks(namespace)) {
            changes.remove("network " + network.getName(), () -> removeNetwork(network));
        }
        return changes.result().removed();
    }

    // --- networks, secrets, configs ---

    /** Network key in the stack to network id. */
    private Map<String, String> ensureNetworks(StackSpec stack, Map<String, String> labels, Changes changes) {
        Map<String, String> ids = new LinkedHashMap<>();
        for (StackSpec.Network network : stack.networks().values()) {
            if (network.external()) {
                String name = network.externalName() == null ? network.name() : network.externalName();
                ids.put(network.name(), external(stack, "network", name, manager.network(name).map(Network::getId), changes));
                continue;
            }
            String name = scoped(stack, network.name());
            var found = manager.network(name);
            if (found.isPresent()) {
                ids.put(network.name(), found.get().getId());
            } else {
                Map<String, String> networkLabels = new TreeMap<>(network.labels());
                networkLabels.putAll(labels);
                ids.put(network.name(), changes.create("network " + name, () -> manager.createOverlayNetwork(name,
                        network.attachable(), network.internal(), network.driverOpts(), networkLabels)));
            }
        }
        return ids;
    }

    /**
     * The id of an external object (another stack's network, a secret made by hand). When planning,
     * one that does not exist yet gets a placeholder: an earlier stack of the same deploy may create it.
     *
     * @throws StackDeployException when deploying and it does not exist
     */
    private static String external(StackSpec stack, String kind, String name, java.util.Optional<String> id, Changes changes) {
        if (id.isPresent()) {
            return id.get();
        }
        if (!changes.apply) {
            return "(external) " + kind + " " + name;
        }
        throw new StackDeployException("Stack " + stack.name() + " uses the external " + kind + " " + name
                + ", which does not exist", List.of());
    }

    /** A secret or config in the swarm. */
    private record Named(String id, String name) {
    }

    private Map<String, Named> ensureFileObjects(StackSpec stack, Map<String, StackSpec.FileObject> objects, String kind,
            Map<String, String> labels, Changes changes) {
        Map<String, Named> result = new LinkedHashMap<>();
        for (StackSpec.FileObject object : objects.values()) {
            if (object.external()) {
                String name = object.externalName() == null ? object.name() : object.externalName();
                String id = external(stack, kind, name, kind.equals("secret") ? manager.secret(name).map(Secret::getId)
                        : manager.config(name).map(Config::getId), changes);
                result.put(object.name(), new Named(id, name));
                continue;
            }
            if (object.file() == null && object.content() == null) {
                throw new StackDeployException("The " + kind + " " + object.name() + " of stack " + stack.name()
                        + " has no content: give it a file", List.of());
            }
            byte[] data = object.content() != null ? null : read(stack, kind, object);
            String name = scoped(stack, object.name()) + "-"
                    + (object.content() != null ? object.content().suffix() : sha256(data).substring(0, 12));
            Map<String, String> objectLabels = new TreeMap<>(object.labels());
            objectLabels.putAll(labels);
            boolean secret = kind.equals("secret");
            String id = (secret ? manager.secret(name).map(Secret::getId) : manager.config(name).map(Config::getId))
                    .orElseGet(() -> changes.create(kind + " " + name, () -> secret
                            ? manager.createSecret(name, data != null ? data : object.content().bytes().get(), objectLabels)
                            : manager.createConfig(name, data, objectLabels)));
            result.put(object.name(), new Named(id, name));
        }
        return result;
    }

    private static byte[] read(StackSpec stack, String kind, StackSpec.FileObject object) {
        try {
            return Files.readAllBytes(object.file());
        } catch (IOException e) {
            throw new StackDeployException("Cannot read the " + kind + " " + object.name() + " of stack "
                    + stack.name() + " from " + object.file() + ": " + e.getMessage(), List.of());
        }
    }

    private void pruneFileObjects(StackSpec stack, Map<String, Named> secrets, Map<String, Named> configs,
            Changes changes) {
        Map<String, String> namespace = Map.of(NAMESPACE_LABEL, stack.name());
        Set<String> keep = new LinkedHashSet<>();
        secrets.values().forEach(named -> keep.add(named.id()));
        configs.values().forEach(named -> keep.add(named.id()));
        for (Secret secret : manager.secrets(namespace)) {
            if (!keep.contains(secret.getId())) {
                changes.remove("secret " + secret.getSpec().getName(),
                        () -> manager.removeSecret(secret.getId(), secret.getSpec().getName()));
            }
        }
        for (Config config : manager.configs(namespace)) {
            if (!keep.contains(config.getId())) {
                changes.remove("config " + config.getSpec().getName(),
                        () -> manager.removeConfig(config.getId(), config.getSpec().getName()));
            }
        }
    }

    /**
     * Removes a network, retrying while the tasks of removed services still hold endpoints on it
     * (the engine refuses with "has active endpoints" until they are gone), and returns once the
     * manager no longer lists it.
     */
    private void removeNetwork(Network network) {
        RetryPolicy<Object> whileInUse = RetryPolicy.builder()
                .handleIf(e -> e instanceof DockerEngineException d && d.engineMessage() != null
                        && d.engineMessage().contains("active endpoints"))
                .withDelay(POLL).withMaxDuration(NETWORK_RELEASE).withMaxRetries(-1).build();
        // The manager answers before the network is gone from its list: wait for that too.
        RetryPolicy<Boolean> untilGone = RetryPolicy.<Boolean>builder().handleIf((present, failure) -> failure == null && present)
                .withDelay(Duration.ofMillis(200)).withMaxDuration(NETWORK_RELEASE).withMaxRetries(-1).build();
        try {
            Failsafe.with(whileInUse).run(() -> manager.removeNetwork(network.getId(), network.getName()));
        } catch (DockerEngineException e) {
            if (e.isNotFound()) {
                return;
            }
            throw e;
        }
        Failsafe.with(untilGone).get(() -> manager.network(network.getId()).isPresent());
    }

    // --- service specs ---

    private ServiceSpec serviceSpec(StackSpec stack, StackSpec.Service service, Map<String, String> labels,
            Map<String, String> networkIds, Map<String, Named> secrets, Map<String, Named> configs) {
        Map<String, String> containerLabels = new TreeMap<>(service.containerLabels());
        containerLabels.put(NAMESPACE_LABEL, stack.name());
        ContainerSpec container = new ContainerSpec()
                .withImage(service.image())
                .withLabels(containerLabels)
                .withCommand(service.entrypoint())
                .withArgs(service.command())
                .withEnv(service.environment().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withUser(service.user())
                .withDir(service.workingDir())
                .withHostname(service.hostname())
                .withStopSignal(service.stopSignal())
                .withStopGracePeriod(nanos(service.stopGracePeriod()))
                .withReadOnly(service.readOnly() ? Boolean.TRUE : null)
                .withMounts(service.mounts().stream().map(mount -> mount(stack, mount, labels)).toList())
                .withSecrets(service.secrets().stream().map(ref -> new ContainerSpecSecret()
                        .withSecretId(secrets.get(ref.source()).id())
                        .withSecretName(secrets.get(ref.source()).name())
                        .withFile(file(ref))).toList())
                .withConfigs(service.configs().stream().map(ref -> new ContainerSpecConfig()
                        .withConfigID(configs.get(ref.source()).id())
                        .withConfigName(configs.get(ref.source()).name())
                        .withFile(file(ref))).toList());
        if (service.healthcheck() != null) {
            StackSpec.Healthcheck check = service.healthcheck();
            container.withHealthCheck(new HealthCheck()
                    .withTest(check.test())
                    .withInterval(nanos(check.interval()))
                    .withTimeout(nanos(check.timeout()))
                    .withRetries(check.retries())
                    .withStartPeriod(nanos(check.startPeriod())));
        }
        StackSpec.Deploy deploy = service.deploy();
        TaskSpec task = new TaskSpec()
                .withContainerSpec(container)
                .withPlacement(new ServicePlacement().withConstraints(deploy.constraints()))
                .withNetworks(service.networks().stream().map(attachment -> new NetworkAttachmentConfig()
                        .withTarget(networkIds.get(attachment.network()))
                        .withAliases(withServiceName(service.name(), attachment.aliases()))).toList())
                .withResources(resources(deploy.resources()));
        if (deploy.restartPolicy() != null) {
            StackSpec.RestartPolicy policy = deploy.restartPolicy();
            task.withRestartPolicy(new ServiceRestartPolicy()
                    .withCondition(policy.condition() == null ? null : switch (policy.condition()) {
                        case "none" -> ServiceRestartCondition.NONE;
                        case "on-failure" -> ServiceRestartCondition.ON_FAILURE;
                        default -> ServiceRestartCondition.ANY;
                    })
                    .withDelay(nanos(policy.delay()))
                    .withMaxAttempts(policy.maxAttempts() == null ? null : policy.maxAttempts().longValue())
                    .withWindow(nanos(policy.window())));
        }
        ServiceModeConfig mode = "global".equals(deploy.mode())
                ? new ServiceModeConfig().withGlobal(new ServiceGlobalModeOptions())
                : new ServiceModeConfig().withReplicated(new ServiceReplicatedModeOptions().withReplicas(deploy.replicas()));
        EndpointSpec endpoint = new EndpointSpec()
                .withMode("dnsrr".equals(deploy.endpointMode()) ? EndpointResolutionMode.DNSRR : EndpointResolutionMode.VIP)
                .withPorts(service.ports().stream().map(port -> new PortConfig()
                        .withTargetPort(port.target())
                        .withPublishedPort(port.published() == null ? 0 : port.published())
                        .withProtocol(switch (port.protocol()) {
                            case "udp" -> PortConfigProtocol.UDP;
                            case "sctp" -> PortConfigProtocol.SCTP;
                            default -> PortConfigProtocol.TCP;
                        })
                        .withPublishMode("host".equals(port.mode()) ? PortConfig.PublishMode.host
                                : PortConfig.PublishMode.ingress)).toList());
        Map<String, String> serviceLabels = new TreeMap<>(service.labels());
        serviceLabels.putAll(labels);
        serviceLabels.put(IMAGE_LABEL, service.image());
        ServiceSpec spec = new ServiceSpec()
                .withName(scoped(stack, service.name()))
                .withLabels(serviceLabels)
                .withTaskTemplate(task)
                .withMode(mode)
                .withEndpointSpec(endpoint);
        if (deploy.updateConfig() != null) {
            StackSpec.UpdateConfig update = deploy.updateConfig();
            spec.withUpdateConfig(new UpdateConfig()
                    .withParallelism(update.parallelism() == null ? null : update.parallelism().longValue())
                    .withDelay(nanos(update.delay()))
                    .withOrder(update.order() == null ? null
                            : "start-first".equals(update.order()) ? UpdateOrder.START_FIRST : UpdateOrder.STOP_FIRST)
                    .withFailureAction(update.failureAction() == null ? null : switch (update.failureAction()) {
                        case "continue" -> UpdateFailureAction.CONTINUE;
                        case "rollback" -> UpdateFailureAction.ROLLBACK;
                        default -> UpdateFailureAction.PAUSE;
                    }));
        }
        serviceLabels.put(SPEC_HASH_LABEL, specHash(spec));
        return spec;
    }

    /** The hash of a spec without its own hash label: canonical JSON (map keys sorted), SHA-256. */
    static String specHash(ServiceSpec spec) {
        try {
            return sha256(CANONICAL.writeValueAsBytes(spec));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise service spec " + spec.getName(), e);
        }
    }

    private static Mount mount(StackSpec stack, StackSpec.Mount mount, Map<String, String> labels) {
        Mount result = new Mount().withTarget(mount.target()).withReadOnly(mount.readOnly() ? Boolean.TRUE : null);
        switch (mount.type()) {
            case "bind" -> result.withType(MountType.BIND).withSource(mount.source());
            case "tmpfs" -> result.withType(MountType.TMPFS);
            default -> {
                result.withType(MountType.VOLUME);
                StackSpec.Volume volume = mount.source() == null ? null : stack.volumes().get(mount.source());
                if (volume != null) {
                    Map<String, String> volumeLabels = new TreeMap<>(volume.labels());
                    volumeLabels.putAll(labels);
                    result.withSource(volume.external()
                                    ? (volume.externalName() == null ? volume.name() : volume.externalName())
                                    : scoped(stack, volume.name()))
                            .withVolumeOptions(new VolumeOptions()
                                    .withLabels(volumeLabels)
                                    .withDriverConfig(new Driver().withName(volume.driver()).withOptions(volume.driverOpts())));
                }
            }
        }
        return result;
    }

    private static ContainerSpecFile file(StackSpec.FileMount ref) {
        return new ContainerSpecFile().withName(ref.target()).withUid(ref.uid()).withGid(ref.gid())
                .withMode((long) ref.mode());
    }

    /** Docker's CLI adds the service name as an alias on every network it joins. */
    private static List<String> withServiceName(String service, List<String> aliases) {
        List<String> all = new ArrayList<>();
        all.add(service);
        aliases.stream().filter(alias -> !alias.equals(service)).forEach(all::add);
        return all;
    }

    private static ResourceRequirements resources(StackSpec.Resources resources) {
        ResourceRequirements result = new ResourceRequirements();
        if (resources.limitNanoCpus() > 0 || resources.limitMemoryBytes() > 0) {
            result.withLimits(new ResourceSpecs().withNanoCPUs(resources.limitNanoCpus())
                    .withMemoryBytes(resources.limitMemoryBytes()));
        }
        if (resources.reservationNanoCpus() > 0 || resources.reservationMemoryBytes() > 0) {
            result.withReservations(new ResourceSpecs().withNanoCPUs(resources.reservationNanoCpus())
                    .withMemoryBytes(resources.reservationMemoryBytes()));
        }
        return result;
    }

    // --- state ---

    private ServiceStatus status(Service service) {
        List<Task> tasks = manager.tasks(service.getId());
        int running = 0;
        int wanted = 0;
        List<Task> ended = new ArrayList<>();
        for (Task task : tasks) {
            TaskState state = task.getStatus() == null ? null : task.getStatus().getState();
            if (task.getDesiredState() == TaskState.RUNNING) {
                wanted++;
                if (state == TaskState.RUNNING) {
                    running++;
                }
            }
            if (state == TaskState.FAILED || state == TaskState.REJECTED || state == TaskState.COMPLETE
                    || (task.getStatus() != null && task.getStatus().getErr() != null)) {
                ended.add(task);
            }
        }
        ServiceModeConfig mode = service.getSpec().getMode();
        int desired = mode != null && mode.getReplicated() != null
                ? (int) mode.getReplicated().getReplicas() : Math.max(wanted, 1);
        ended.sort(Comparator.comparing((Task task) -> Objects.toString(task.getStatus().getTimestamp(), "")).reversed());
        List<String> errors = ended.stream().map(StackDeployer::describeEnd).distinct().limit(3).toList();
        return new ServiceStatus(service.getSpec().getName(), running, desired, errors);
    }

    /**
     * How a task ended: {@code "failed: task: non-zero exit (2) (exit code 2)"}. A task stopped
     * without an error (exit 0, "complete") while it should run was usually stopped by its failing
     * healthcheck; the text says so.
     */
    private static String describeEnd(Task task) {
        var status = task.getStatus();
        String state = status.getState() == null ? "ended" : status.getState().name().toLowerCase(java.util.Locale.ROOT);
        String what = status.getErr() != null && !status.getErr().isBlank() ? status.getErr() : status.getMessage();
        Long exit = status.getContainerStatus() == null ? null : status.getContainerStatus().getExitCodeLong();
        String text = state + ": " + what + (exit == null ? "" : " (exit code " + exit + ")");
        if (status.getState() == TaskState.COMPLETE) {
            text += " - stopped without an error, usually by a failing healthcheck";
        }
        return text;
    }

    private static String labelOf(Service service, String label) {
        Map<String, String> labels = service.getSpec() == null ? null : service.getSpec().getLabels();
        return labels == null ? null : labels.get(label);
    }

    private static String scoped(StackSpec stack, String name) {
        return stack.name() + "_" + name;
    }

    private static Long nanos(Duration duration) {
        return duration == null ? null : duration.toNanos();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
