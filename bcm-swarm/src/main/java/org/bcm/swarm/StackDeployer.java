package org.bcm.swarm;

import com.github.dockerjava.api.model.Config;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Secret;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskState;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
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

    /** The replicas a replicated service's stack file declares, set at every deploy. */
    public static final String REPLICAS_LABEL = "bcm.replicas";

    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration NETWORK_RELEASE = Duration.ofSeconds(60);

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
     * @param declared tasks its stack file asks for (the {@value #REPLICAS_LABEL} label the deploy set),
     *     which a {@code docker service scale} does not change; the desired count for a global service
     */
    public record ServiceStatus(String name, int running, int desired, List<String> errors, int declared) {

        /** A status whose declared count is its desired count. */
        public ServiceStatus(String name, int running, int desired, List<String> errors) {
            this(name, running, desired, errors, desired);
        }

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
            ServiceSpec spec = ServiceSpecs.serviceSpec(stack, service, objectLabels, networkIds, secrets, configs);
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
                stacks.computeIfAbsent(namespace, n -> new ArrayList<>()).add(ServiceStates.status(manager, service));
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
        ServiceStates.awaitConverged(manager, stack, services, timeout, POLL, progress);
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
    record Named(String id, String name) {
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
            Failsafe.with(untilGone).get(() -> manager.network(network.getId()).isPresent());
        } catch (DockerEngineException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        } catch (FailsafeException e) {
            throw interrupted(e);
        }
    }

    /** What a wait that Failsafe ended with a checked exception (an interrupt) becomes. */
    static StackDeployException interrupted(FailsafeException e) {
        if (e.getCause() instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new StackDeployException("Interrupted while waiting for the swarm: " + e.getCause(), List.of());
    }

    private static String labelOf(Service service, String label) {
        Map<String, String> labels = service.getSpec() == null ? null : service.getSpec().getLabels();
        return labels == null ? null : labels.get(label);
    }

    static String scoped(StackSpec stack, String name) {
        return stack.name() + "_" + name;
    }


    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
