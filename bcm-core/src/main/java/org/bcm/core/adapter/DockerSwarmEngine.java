package org.bcm.core.adapter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.bcm.core.port.SwarmEngine;
import org.bcm.swarm.DockerEngine;
import org.bcm.swarm.JoinTokens;
import org.bcm.swarm.RegistryCredentials;
import org.bcm.swarm.StackDeployer;
import org.bcm.swarm.StackSpec;
import org.bcm.swarm.SwarmNode;
import org.bcm.swarm.SwarmState;

/**
 * {@link SwarmEngine} over bcm-swarm: the engine calls are {@link DockerEngine}'s of the same name, the
 * stack calls a {@link StackDeployer}'s on this engine.
 */
public final class DockerSwarmEngine implements SwarmEngine {

    private final DockerEngine engine;

    public DockerSwarmEngine(DockerEngine engine) {
        this.engine = engine;
    }

    /** The engine behind a unix socket ({@link DockerEngine#connect(Path)}). */
    public static SwarmEngine connect(Path unixSocket) {
        return new DockerSwarmEngine(DockerEngine.connect(unixSocket));
    }

    private StackDeployer deployer(Consumer<String> progress) {
        return new StackDeployer(engine, progress);
    }

    private StackDeployer deployer() {
        return deployer(line -> { });
    }

    @Override
    public boolean isAnswering() {
        return engine.isAnswering();
    }

    @Override
    public void ping() {
        engine.ping();
    }

    @Override
    public String version() {
        return engine.version().version();
    }

    @Override
    public SwarmState swarmState() {
        return engine.swarmState();
    }

    @Override
    public void initSwarm(String advertiseAddress) {
        engine.initSwarm(advertiseAddress);
    }

    @Override
    public JoinTokens joinTokens() {
        return engine.joinTokens();
    }

    @Override
    public void joinSwarm(List<String> managerAddresses, String joinToken, String advertiseAddress) {
        engine.joinSwarm(managerAddresses, joinToken, advertiseAddress);
    }

    @Override
    public void leaveSwarm(boolean force) {
        engine.leaveSwarm(force);
    }

    @Override
    public List<SwarmNode> nodes() {
        return engine.nodes();
    }

    @Override
    public Optional<SwarmNode> node(String id) {
        return engine.node(id);
    }

    @Override
    public void updateNodeLabels(String nodeId, Map<String, String> labels) {
        engine.updateNodeLabels(nodeId, labels);
    }

    @Override
    public void updateNodeRole(String nodeId, String role) {
        engine.updateNodeRole(nodeId, role);
    }

    @Override
    public void removeNode(String nodeId, boolean force) {
        engine.removeNode(nodeId, force);
    }

    @Override
    public Optional<String> lastHealthcheckOutput(String containerId) {
        return engine.lastHealthcheckOutput(containerId);
    }

    @Override
    public int execute(String containerId, List<String> command, Duration timeout) {
        return engine.execute(containerId, command, timeout);
    }

    @Override
    public Optional<byte[]> readFile(String containerId, String path, long maxBytes) {
        return engine.readFile(containerId, path, maxBytes);
    }

    @Override
    public void writeFile(String containerId, String path, byte[] content, int uid, int gid, int mode) {
        engine.writeFile(containerId, path, content, uid, gid, mode);
    }

    @Override
    public boolean hasImage(String reference) {
        return engine.hasImage(reference);
    }

    @Override
    public Optional<String> registryDigest(String reference, RegistryCredentials registry) {
        return engine.registryDigest(reference, registry);
    }

    @Override
    public void importImage(Path rootfsTar, String repository, String tag, List<String> changes, Duration timeout) {
        engine.importImage(rootfsTar, repository, tag, changes, timeout);
    }

    @Override
    public void pushImage(String repository, String tag, RegistryCredentials registry, Duration timeout) {
        engine.pushImage(repository, tag, registry, timeout);
    }

    @Override
    public StackDeployer.Result deployStack(StackSpec stack, Map<String, String> labels, boolean prune,
            RegistryCredentials registry, Consumer<String> progress) {
        return deployer(progress).deploy(stack, labels, prune, registry);
    }

    @Override
    public StackDeployer.Result planStack(StackSpec stack, Map<String, String> labels, boolean prune) {
        return deployer().plan(stack, labels, prune);
    }

    @Override
    public void awaitConverged(String stack, Set<String> services, Duration timeout, Consumer<String> progress) {
        deployer(progress).awaitConverged(stack, services, timeout);
    }

    @Override
    public List<String> removeStack(String stack, Consumer<String> progress) {
        return deployer(progress).remove(stack);
    }

    @Override
    public List<String> planStackRemoval(String stack) {
        return deployer().planRemoval(stack);
    }

    @Override
    public Map<String, List<StackDeployer.ServiceStatus>> stacks() {
        return deployer().stacks();
    }

    @Override
    public Map<String, String> stackLabel(String label) {
        return deployer().stackLabel(label);
    }

    @Override
    public List<StackDeployer.RunningTask> runningTasks(String stack, String service) {
        return deployer().runningTasks(stack, service);
    }

    @Override
    public void close() {
        engine.close();
    }
}
