package org.bcm.core.port;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.bcm.swarm.JoinTokens;
import org.bcm.swarm.RegistryCredentials;
import org.bcm.swarm.StackDeployer;
import org.bcm.swarm.StackSpec;
import org.bcm.swarm.SwarmNode;
import org.bcm.swarm.SwarmState;

/**
 * What bcm's orchestration asks of one tier host's Docker daemon (Docker Engine API): its part in the
 * swarm, its images and, on a swarm manager, the nodes and the stacks. The value types are
 * bcm-swarm's; {@code org.bcm.core.adapter.DockerSwarmEngine} implements it over
 * {@link org.bcm.swarm.DockerEngine} and {@link StackDeployer}, the unit tests over an in-memory swarm.
 *
 * <p>Every method throws {@link org.bcm.swarm.DockerEngineException} when the daemon refuses or does
 * not answer; the stack methods also {@link org.bcm.swarm.StackDeployException} (see
 * {@link StackDeployer}).
 */
public interface SwarmEngine extends AutoCloseable {

    /** GET /_ping; never throws. */
    boolean isAnswering();

    /** GET /_ping, throwing when the daemon does not answer. */
    void ping();

    /** GET /version: the daemon's version, e.g. {@code 20.10.24+dfsg1}. */
    String version();

    /** GET /info: this daemon's part in a swarm. */
    SwarmState swarmState();

    /** POST /swarm/init, advertising {@code advertiseAddress} (an IPv4 address). */
    void initSwarm(String advertiseAddress);

    /** GET /swarm: the join tokens (a manager only). */
    JoinTokens joinTokens();

    /** POST /swarm/join. */
    void joinSwarm(List<String> managerAddresses, String joinToken, String advertiseAddress);

    /** POST /swarm/leave. */
    void leaveSwarm(boolean force);

    /** GET /nodes (a manager only). */
    List<SwarmNode> nodes();

    /** GET /nodes/ID; empty when there is none. */
    Optional<SwarmNode> node(String id);

    /** POST /nodes/ID/update with these labels (all of them: the node's labels become exactly these). */
    void updateNodeLabels(String nodeId, Map<String, String> labels);

    /** POST /nodes/ID/update with this role ({@code manager} or {@code worker}), keeping labels and availability. */
    void updateNodeRole(String nodeId, String role);

    /** DELETE /nodes/ID. */
    void removeNode(String nodeId, boolean force);

    /** The output of the container's last healthcheck; empty when it has none yet. */
    Optional<String> lastHealthcheckOutput(String containerId);

    /** Runs {@code command} in a running container of this engine and waits for it to end; its exit code. */
    int execute(String containerId, List<String> command, Duration timeout);

    /**
     * {@link org.bcm.swarm.DockerEngine#readFile}: a regular file of a container of this engine, at most
     * {@code maxBytes}; empty when the container or the file does not exist.
     */
    Optional<byte[]> readFile(String containerId, String path, long maxBytes);

    /** {@link org.bcm.swarm.DockerEngine#writeFile}: writes a file into a container of this engine. */
    void writeFile(String containerId, String path, byte[] content, int uid, int gid, int mode);

    /** Whether the daemon has the image {@code reference} locally. */
    boolean hasImage(String reference);

    /** The digest the registry holds for {@code reference}; empty when it holds none. */
    Optional<String> registryDigest(String reference, RegistryCredentials registry);

    /** POST /images/create from a root filesystem tarball, as {@code repository:tag}. */
    void importImage(Path rootfsTar, String repository, String tag, List<String> changes, Duration timeout);

    /** POST /images/NAME/push. */
    void pushImage(String repository, String tag, RegistryCredentials registry, Duration timeout);

    /** {@link StackDeployer#deploy(StackSpec, Map, boolean, RegistryCredentials)}, reporting each step. */
    StackDeployer.Result deployStack(StackSpec stack, Map<String, String> labels, boolean prune,
            RegistryCredentials registry, Consumer<String> progress);

    /** {@link StackDeployer#plan}: what {@link #deployStack} would change, changing nothing. */
    StackDeployer.Result planStack(StackSpec stack, Map<String, String> labels, boolean prune);

    /**
     * {@link StackDeployer#awaitConverged(String, Set, Duration)}.
     *
     * @param services service names as in the stack file; null for all
     */
    void awaitConverged(String stack, Set<String> services, Duration timeout, Consumer<String> progress);

    /** {@link StackDeployer#remove}: what was removed. */
    List<String> removeStack(String stack, Consumer<String> progress);

    /** {@link StackDeployer#planRemoval}: what {@link #removeStack} would remove. */
    List<String> planStackRemoval(String stack);

    /** {@link StackDeployer#stacks}: each stack's services' states. */
    Map<String, List<StackDeployer.ServiceStatus>> stacks();

    /** {@link StackDeployer#stackLabel}: each stack's value of a label of its services. */
    Map<String, String> stackLabel(String label);

    /** {@link StackDeployer#runningTasks}. */
    List<StackDeployer.RunningTask> runningTasks(String stack, String service);

    /** Releases the connection; never throws. */
    @Override
    void close();
}
