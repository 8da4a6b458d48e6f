package org.bcm.core.port;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.bcm.swarm.DockerEngineException;
import org.bcm.swarm.JoinTokens;
import org.bcm.swarm.LocalNodeState;
import org.bcm.swarm.RegistryCredentials;
import org.bcm.swarm.StackDeployException;
import org.bcm.swarm.StackDeployer;
import org.bcm.swarm.StackSpec;
import org.bcm.swarm.SwarmNode;
import org.bcm.swarm.SwarmState;

/**
 * The Docker daemons of a cluster's tier hosts and their swarm, in memory, behaving like dockerd and
 * {@link StackDeployer} for what bcm uses: each daemon is inactive until it initialises or joins a
 * swarm; the manager lists the nodes (a node that left stays listed as {@code down}); stacks are
 * services, networks, secrets and configs named {@code <stack>_<name>} with the stack's namespace
 * label, a service unchanged when its spec is, secrets and configs immutable (a new content is a new
 * name); services run their tasks at once unless {@linkplain #failTasks told to fail}; the registry
 * holds pushed images by digest.
 *
 * <p>A daemon is found by its socket's file name ({@code bcm-gateway-01.sock}). Failures are injected
 * per call ({@link #failNext}); every mutating call is logged in {@link #calls}.
 */
public final class FakeSwarm {

    /** Every mutating call, in order: {@code "<host> <method> <name>"}. */
    public final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<String, RuntimeException> failures = new HashMap<>();
    private final Map<String, Daemon> daemons = new LinkedHashMap<>();
    private final Map<String, SwarmNode> nodes = new LinkedHashMap<>();
    private final Map<String, String> registry = new TreeMap<>();
    private final Map<String, FakeService> services = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> networks = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> secrets = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> configs = new LinkedHashMap<>();
    private final Set<String> failingServices = new HashSet<>();
    private final Set<String> silent = new HashSet<>();
    private String managerHost;
    private int opened;
    private int closed;

    /** A service as the manager has it. */
    public record FakeService(String name, String stack, String fingerprint, Map<String, String> labels, int replicas,
            long version) {
    }

    private static final class Daemon {
        final String host;
        LocalNodeState state = LocalNodeState.INACTIVE;
        String nodeId;
        List<String> remoteManagers = List.of();
        final Set<String> images = new HashSet<>();
        final Map<String, String> healthchecks = new HashMap<>();
        /** What {@code execute} ran: container id, then the command. */
        final List<List<String>> executed = new ArrayList<>();
        /** Files in containers: "containerId:path" to content. */
        final Map<String, byte[]> files = new HashMap<>();

        Daemon(String host) {
            this.host = host;
        }
    }

    /** The connector of the {@link Ports}: a daemon per socket. */
    public Function<Path, SwarmEngine> connector() {
        return socket -> {
            String host = socket.getFileName().toString().replaceFirst("\\.sock$", "");
            synchronized (this) {
                daemons.computeIfAbsent(host, Daemon::new);
                opened++;
            }
            return new Engine(host);
        };
    }

    /** Connections opened and not closed. */
    public synchronized int openConnections() {
        return opened - closed;
    }

    /** Makes a daemon not answer (stopped dockerd) or answer again. */
    public synchronized void silent(String host, boolean silent) {
        if (silent) {
            this.silent.add(host);
        } else {
            this.silent.remove(host);
        }
    }

    /** Makes the next {@code method} call about {@code name} throw {@code failure} (once). */
    public synchronized void failNext(String method, String name, RuntimeException failure) {
        failures.put(method + " " + name, failure);
    }

    /** Makes the tasks of service {@code name} ({@code <stack>_<service>}) fail, as a broken image would. */
    public synchronized void failTasks(String name) {
        failingServices.add(name);
    }

    /** A daemon's last healthcheck output for a container (what bitcoind's healthcheck prints). */
    public synchronized void healthcheck(String host, String containerId, String output) {
        daemons.computeIfAbsent(host, Daemon::new).healthchecks.put(containerId, output);
    }

    /** Puts a file into a container of the host's engine (what a service wrote), or removes it (null). */
    public synchronized void file(String host, String containerId, String path, byte[] content) {
        Map<String, byte[]> files = daemons.computeIfAbsent(host, Daemon::new).files;
        if (content == null) {
            files.remove(containerId + ":" + path);
        } else {
            files.put(containerId + ":" + path, content.clone());
        }
    }

    /** A file of a container of the host's engine, or null. */
    public synchronized byte[] file(String host, String containerId, String path) {
        byte[] content = daemons.computeIfAbsent(host, Daemon::new).files.get(containerId + ":" + path);
        return content == null ? null : content.clone();
    }

    /** What a command run in a container does: (host, [container id, command...]) to its exit code. */
    public interface ExecHandler {
        int run(String host, List<String> line);
    }

    private ExecHandler execHandler = (host, line) -> 0;

    /** Makes {@code execute} run {@code handler} (by default every command exits 0 and does nothing). */
    public synchronized void onExecute(ExecHandler handler) {
        this.execHandler = handler;
    }

    /** What {@code execute} ran on the host's engine: container id, then the command. */
    public synchronized List<List<String>> executed(String host) {
        return List.copyOf(daemons.computeIfAbsent(host, Daemon::new).executed);
    }

    public synchronized Map<String, FakeService> services() {
        return Map.copyOf(services);
    }

    public synchronized Set<String> networks() {
        return Set.copyOf(networks.keySet());
    }

    public synchronized Set<String> secrets() {
        return Set.copyOf(secrets.keySet());
    }

    public synchronized Map<String, String> registry() {
        return Map.copyOf(registry);
    }

    public synchronized List<SwarmNode> nodeList() {
        return List.copyOf(nodes.values());
    }

    /** An image reference the gateway's daemon has locally (as if loaded earlier). */
    public synchronized void addImage(String host, String reference) {
        daemons.computeIfAbsent(host, Daemon::new).images.add(reference);
    }

    private synchronized void call(String host, String method, String name) {
        calls.add(host + " " + method + " " + name);
        RuntimeException failure = failures.remove(method + " " + name);
        if (failure != null) {
            throw failure;
        }
    }

    static DockerEngineException engineError(String host, int status, String message) {
        return new DockerEngineException(message + " (" + host + ")", status, "unix:///fake/" + host + ".sock", message, null);
    }

    /** One daemon, as the port sees it. */
    private final class Engine implements SwarmEngine {
        private final String host;

        Engine(String host) {
            this.host = host;
        }

        private Daemon daemon() {
            if (silent.contains(host)) {
                throw engineError(host, 0, "connection refused");
            }
            return daemons.get(host);
        }

        private void requireManager() {
            Daemon d = daemon();
            if (!host.equals(managerHost) || d.state != LocalNodeState.ACTIVE) {
                throw engineError(host, 503, "This node is not a swarm manager.");
            }
        }

        @Override
        public boolean isAnswering() {
            synchronized (FakeSwarm.this) {
                return !silent.contains(host);
            }
        }

        @Override
        public void ping() {
            synchronized (FakeSwarm.this) {
                daemon();
            }
        }

        @Override
        public String version() {
            synchronized (FakeSwarm.this) {
                daemon();
                return "20.10.24+dfsg1";
            }
        }

        @Override
        public SwarmState swarmState() {
            synchronized (FakeSwarm.this) {
                Daemon d = daemon();
                boolean control = d.state == LocalNodeState.ACTIVE && host.equals(managerHost);
                return new SwarmState(d.state, d.nodeId == null ? "" : d.nodeId, control ? "cluster-1" : "", control, "",
                        d.remoteManagers, "");
            }
        }

        @Override
        public void initSwarm(String advertiseAddress) {
            synchronized (FakeSwarm.this) {
                Daemon d = daemon();
                call(host, "initSwarm", host);
                if (d.state != LocalNodeState.INACTIVE) {
                    throw engineError(host, 503, "This node is already part of a swarm.");
                }
                d.state = LocalNodeState.ACTIVE;
                d.nodeId = "node-" + host + "-" + nodes.size();
                managerHost = host;
                nodes.clear();
                nodes.put(d.nodeId, new SwarmNode(d.nodeId, host, SwarmNode.ROLE_MANAGER, SwarmNode.STATE_READY, "active",
                        advertiseAddress, Map.of(), 1, true));
            }
        }

        @Override
        public JoinTokens joinTokens() {
            synchronized (FakeSwarm.this) {
                requireManager();
                return new JoinTokens("SWMTKN-worker", "SWMTKN-manager");
            }
        }

        @Override
        public void joinSwarm(List<String> managerAddresses, String joinToken, String advertiseAddress) {
            synchronized (FakeSwarm.this) {
                Daemon d = daemon();
                call(host, "joinSwarm", host);
                if (d.state != LocalNodeState.INACTIVE) {
                    throw engineError(host, 503, "This node is already part of a swarm.");
                }
                d.state = LocalNodeState.ACTIVE;
                d.nodeId = "node-" + host + "-" + nodes.size();
                d.remoteManagers = List.copyOf(managerAddresses);
                nodes.put(d.nodeId, new SwarmNode(d.nodeId, host, SwarmNode.ROLE_WORKER, SwarmNode.STATE_READY, "active",
                        advertiseAddress, Map.of(), 1, false));
            }
        }

        @Override
        public void leaveSwarm(boolean force) {
            synchronized (FakeSwarm.this) {
                Daemon d = daemon();
                call(host, "leaveSwarm", host);
                SwarmNode node = nodes.get(d.nodeId);
                if (node != null) {
                    nodes.put(d.nodeId, new SwarmNode(node.id(), node.hostname(), node.role(), "down", node.availability(),
                            node.address(), node.labels(), node.version() + 1, false));
                }
                d.state = LocalNodeState.INACTIVE;
                d.nodeId = null;
                d.remoteManagers = List.of();
            }
        }

        @Override
        public List<SwarmNode> nodes() {
            synchronized (FakeSwarm.this) {
                requireManager();
                return List.copyOf(nodes.values());
            }
        }

        @Override
        public Optional<SwarmNode> node(String id) {
            synchronized (FakeSwarm.this) {
                requireManager();
                return Optional.ofNullable(nodes.get(id));
            }
        }

        @Override
        public void updateNodeLabels(String nodeId, Map<String, String> labels) {
            synchronized (FakeSwarm.this) {
                requireManager();
                call(host, "updateNodeLabels", nodeId);
                SwarmNode node = nodes.get(nodeId);
                if (node == null) {
                    throw engineError(host, 404, "node " + nodeId + " not found");
                }
                nodes.put(nodeId, new SwarmNode(node.id(), node.hostname(), node.role(), node.state(), node.availability(),
                        node.address(), labels, node.version() + 1, node.leader()));
            }
        }

        @Override
        public void updateNodeRole(String nodeId, String role) {
            synchronized (FakeSwarm.this) {
                requireManager();
                call(host, "updateNodeRole", nodeId + " " + role);
                SwarmNode node = nodes.get(nodeId);
                if (node == null) {
                    throw engineError(host, 404, "node " + nodeId + " not found");
                }
                nodes.put(nodeId, new SwarmNode(node.id(), node.hostname(), role, node.state(), node.availability(),
                        node.address(), node.labels(), node.version() + 1, node.leader()));
            }
        }

        @Override
        public void removeNode(String nodeId, boolean force) {
            synchronized (FakeSwarm.this) {
                requireManager();
                call(host, "removeNode", nodeId);
                SwarmNode node = nodes.get(nodeId);
                if (node == null) {
                    throw engineError(host, 404, "node " + nodeId + " not found");
                }
                if (node.isManager()) {
                    // as dockerd: "node is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal"
                    throw engineError(host, 400, "node " + nodeId + " is a cluster manager; it must be demoted to worker before removal");
                }
                nodes.remove(nodeId);
            }
        }

        @Override
        public int execute(String containerId, List<String> command, Duration timeout) {
            synchronized (FakeSwarm.this) {
                List<String> line = new ArrayList<>(List.of(containerId));
                line.addAll(command);
                daemon().executed.add(line);
                return execHandler.run(host, line);
            }
        }

        @Override
        public Optional<byte[]> readFile(String containerId, String path, long maxBytes) {
            synchronized (FakeSwarm.this) {
                call(host, "readFile", path);
                return Optional.ofNullable(file(host, containerId, path));
            }
        }

        @Override
        public void writeFile(String containerId, String path, byte[] content, int uid, int gid, int mode) {
            synchronized (FakeSwarm.this) {
                call(host, "writeFile", path);
                file(host, containerId, path, content);
            }
        }

        @Override
        public Optional<String> lastHealthcheckOutput(String containerId) {
            synchronized (FakeSwarm.this) {
                return Optional.ofNullable(daemon().healthchecks.get(containerId));
            }
        }

        @Override
        public boolean hasImage(String reference) {
            synchronized (FakeSwarm.this) {
                return daemon().images.contains(reference);
            }
        }

        @Override
        public Optional<String> registryDigest(String reference, RegistryCredentials credentials) {
            synchronized (FakeSwarm.this) {
                daemon();
                if (credentials == null) {
                    throw engineError(host, 401, "no basic auth credentials");
                }
                return Optional.ofNullable(registry.get(reference));
            }
        }

        @Override
        public void importImage(Path rootfsTar, String repository, String tag, List<String> changes, Duration timeout) {
            synchronized (FakeSwarm.this) {
                call(host, "importImage", repository + ":" + tag);
                daemon().images.add(repository + ":" + tag);
            }
        }

        @Override
        public void pushImage(String repository, String tag, RegistryCredentials credentials, Duration timeout) {
            synchronized (FakeSwarm.this) {
                String reference = repository + ":" + tag;
                call(host, "pushImage", reference);
                if (!daemon().images.contains(reference)) {
                    throw engineError(host, 404, "An image does not exist locally with the tag: " + reference);
                }
                if (services.values().stream().noneMatch(s -> s.name().endsWith("_registry") && s.replicas() > 0
                        && !failingServices.contains(s.name()))) {
                    throw engineError(host, 500, "Get \"http://127.0.0.1:5000/v2/\": connection refused");
                }
                registry.put(reference, "sha256:" + Integer.toHexString(reference.hashCode()));
            }
        }

        @Override
        public StackDeployer.Result deployStack(StackSpec stack, Map<String, String> labels, boolean prune,
                RegistryCredentials credentials, Consumer<String> progress) {
            synchronized (FakeSwarm.this) {
                requireManager();
                return converge(stack, labels, prune, true);
            }
        }

        @Override
        public StackDeployer.Result planStack(StackSpec stack, Map<String, String> labels, boolean prune) {
            synchronized (FakeSwarm.this) {
                requireManager();
                return converge(stack, labels, prune, false);
            }
        }

        private StackDeployer.Result converge(StackSpec stack, Map<String, String> labels, boolean prune, boolean apply) {
            List<String> created = new ArrayList<>();
            List<String> updated = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            List<String> unchanged = new ArrayList<>();
            Map<String, String> objectLabels = new TreeMap<>(labels);
            objectLabels.put(StackDeployer.NAMESPACE_LABEL, stack.name());
            Set<String> keepNetworks = new HashSet<>();
            for (StackSpec.Network network : stack.networks().values()) {
                if (network.external()) {
                    String name = network.externalName() == null ? network.name() : network.externalName();
                    if (apply && !networks.containsKey(name) && !List.of("host", "bridge", "none").contains(name)) {
                        throw new StackDeployException("Stack " + stack.name() + " uses the external network " + name
                                + ", which does not exist", List.of());
                    }
                    continue;
                }
                String name = stack.name() + "_" + network.name();
                keepNetworks.add(name);
                if (!networks.containsKey(name)) {
                    if (apply) {
                        call(host, "createNetwork", name);
                        networks.put(name, objectLabels);
                    }
                    created.add("network " + name);
                }
            }
            Map<String, String> objectNames = new TreeMap<>();
            for (var kind : List.of(Map.entry("secret", secrets), Map.entry("config", configs))) {
                Map<String, StackSpec.FileObject> declared = kind.getKey().equals("secret") ? stack.secrets() : stack.configs();
                for (StackSpec.FileObject object : declared.values()) {
                    if (object.external()) {
                        continue;
                    }
                    String name = stack.name() + "_" + object.name() + "-" + suffix(object);
                    objectNames.put(kind.getKey() + " " + object.name(), name);
                    if (!kind.getValue().containsKey(name)) {
                        if (apply) {
                            call(host, "create" + kind.getKey(), name);
                            kind.getValue().put(name, objectLabels);
                        }
                        created.add(kind.getKey() + " " + name);
                    }
                }
            }
            Set<String> keepServices = new HashSet<>();
            for (StackSpec.Service service : stack.services().values()) {
                String name = stack.name() + "_" + service.name();
                keepServices.add(name);
                Map<String, String> serviceLabels = new TreeMap<>(service.labels());
                serviceLabels.putAll(objectLabels);
                String fingerprint = service + " " + serviceLabels + " " + objectNames;
                FakeService current = services.get(name);
                if (current != null && current.fingerprint().equals(fingerprint)) {
                    unchanged.add("service " + name);
                    continue;
                }
                if (apply) {
                    call(host, current == null ? "createService" : "updateService", name);
                    services.put(name, new FakeService(name, stack.name(), fingerprint, serviceLabels,
                            "global".equals(service.deploy().mode()) ? 1 : service.deploy().replicas(),
                            current == null ? 1 : current.version() + 1));
                }
                (current == null ? created : updated).add("service " + name);
            }
            if (prune) {
                for (FakeService stale : List.copyOf(services.values())) {
                    if (stale.stack().equals(stack.name()) && !keepServices.contains(stale.name())) {
                        removed.add("service " + stale.name());
                        if (apply) {
                            call(host, "removeService", stale.name());
                            services.remove(stale.name());
                        }
                    }
                }
                pruneObjects(stack.name(), "secret", secrets, objectNames, removed, apply);
                pruneObjects(stack.name(), "config", configs, objectNames, removed, apply);
                for (String network : List.copyOf(networks.keySet())) {
                    if (stack.name().equals(networks.get(network).get(StackDeployer.NAMESPACE_LABEL)) && !keepNetworks.contains(network)) {
                        removed.add("network " + network);
                        if (apply) {
                            call(host, "removeNetwork", network);
                            networks.remove(network);
                        }
                    }
                }
            }
            return new StackDeployer.Result(created, updated, removed, unchanged);
        }

        private void pruneObjects(String stack, String kind, Map<String, Map<String, String>> objects,
                Map<String, String> keep, List<String> removed, boolean apply) {
            for (String name : List.copyOf(objects.keySet())) {
                if (stack.equals(objects.get(name).get(StackDeployer.NAMESPACE_LABEL)) && !keep.containsValue(name)) {
                    removed.add(kind + " " + name);
                    if (apply) {
                        call(host, "remove" + kind, name);
                        objects.remove(name);
                    }
                }
            }
        }

        private static String suffix(StackSpec.FileObject object) {
            if (object.content() != null) {
                return object.content().suffix();
            }
            try {
                return Integer.toHexString(Arrays.hashCode(Files.readAllBytes(object.file())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void awaitConverged(String stack, Set<String> only, Duration timeout, Consumer<String> progress) {
            synchronized (FakeSwarm.this) {
                requireManager();
                List<StackDeployer.ServiceStatus> pending = stacks().getOrDefault(stack, List.of()).stream()
                        .filter(s -> only == null || only.contains(s.name().substring(stack.length() + 1)))
                        .filter(s -> !s.converged()).toList();
                if (!pending.isEmpty()) {
                    throw new StackDeployException("Stack " + stack + " did not converge within " + timeout.toSeconds() + " s:"
                            + pending.stream().map(s -> "\n  " + s.name() + ": " + s.running() + "/" + s.desired()
                                    + " tasks running" + s.errors().stream().map(e -> "\n    task error: " + e).reduce("", String::concat))
                                    .reduce("", String::concat), pending);
                }
            }
        }

        @Override
        public List<String> removeStack(String stack, Consumer<String> progress) {
            synchronized (FakeSwarm.this) {
                requireManager();
                return removal(stack, true);
            }
        }

        @Override
        public List<String> planStackRemoval(String stack) {
            synchronized (FakeSwarm.this) {
                requireManager();
                return removal(stack, false);
            }
        }

        private List<String> removal(String stack, boolean apply) {
            List<String> removed = new ArrayList<>();
            for (FakeService service : List.copyOf(services.values())) {
                if (service.stack().equals(stack)) {
                    removed.add("service " + service.name());
                    if (apply) {
                        call(host, "removeService", service.name());
                        services.remove(service.name());
                    }
                }
            }
            pruneObjects(stack, "secret", secrets, Map.of(), removed, apply);
            pruneObjects(stack, "config", configs, Map.of(), removed, apply);
            for (String network : List.copyOf(networks.keySet())) {
                if (stack.equals(networks.get(network).get(StackDeployer.NAMESPACE_LABEL))) {
                    removed.add("network " + network);
                    if (apply) {
                        call(host, "removeNetwork", network);
                        networks.remove(network);
                    }
                }
            }
            return removed;
        }

        @Override
        public Map<String, List<StackDeployer.ServiceStatus>> stacks() {
            synchronized (FakeSwarm.this) {
                requireManager();
                Map<String, List<StackDeployer.ServiceStatus>> stacks = new TreeMap<>();
                for (FakeService service : services.values()) {
                    boolean failing = failingServices.contains(service.name());
                    stacks.computeIfAbsent(service.stack(), s -> new ArrayList<>()).add(new StackDeployer.ServiceStatus(
                            service.name(), failing ? 0 : service.replicas(), service.replicas(),
                            failing ? List.of("failed: task: non-zero exit (1) (exit code 1)") : List.of()));
                }
                return stacks;
            }
        }

        @Override
        public Map<String, String> stackLabel(String label) {
            synchronized (FakeSwarm.this) {
                requireManager();
                Map<String, String> values = new TreeMap<>();
                services.values().stream().filter(s -> s.labels().containsKey(label))
                        .forEach(s -> values.put(s.stack(), s.labels().get(label)));
                return values;
            }
        }

        @Override
        public List<StackDeployer.RunningTask> runningTasks(String stack, String service) {
            synchronized (FakeSwarm.this) {
                requireManager();
                FakeService s = services.get(stack + "_" + service);
                if (s == null || s.replicas() == 0 || failingServices.contains(s.name())) {
                    return List.of();
                }
                String node = nodes.values().stream().filter(n -> n.hostname().contains(stack)).map(SwarmNode::id).findFirst()
                        .orElse(daemons.get(managerHost).nodeId);
                return List.of(new StackDeployer.RunningTask(node, "container-" + s.name()));
            }
        }

        @Override
        public void close() {
            synchronized (FakeSwarm.this) {
                closed++;
            }
        }
    }
}
