package org.bcm.swarm;

import com.github.dockerjava.api.model.Config;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Secret;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.Task;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Docker engine reached through a UNIX socket, and the swarm calls bcm needs from it.
 *
 * <p>Requests go to unversioned Engine API paths ({@code /info}, not {@code /v1.44/info}), so the
 * engine answers in its own API version (1.41 for Debian bookworm's dockerd 20.10); docker-java is
 * never pinned to a newer version, which old engines refuse with HTTP 400.
 *
 * <p>Every call has a deadline, the response timeout given to {@link #connect(Path, Duration)} (60 s
 * by default): the HTTP client's own response timeout is not enforced on UNIX sockets, so each call
 * runs on a worker thread that is interrupted when the deadline passes.
 *
 * <p>Every failure is a {@link DockerEngineException} (unchecked) naming the call and the endpoint;
 * {@link DockerEngineUnavailableException} (status 0) when the engine did not answer at all.
 *
 * <p>Instances are thread-safe. Join tokens are never logged.
 */
public final class DockerEngine implements AutoCloseable {

    /** Time allowed to open the connection. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default time allowed for the engine's reply to each call. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    /** Swarm listen address used for init and join: all interfaces, Docker's standard port. */
    public static final String SWARM_LISTEN_ADDRESS = "0.0.0.0:2377";

    private static final Logger LOG = LoggerFactory.getLogger(DockerEngine.class);

    private final EngineConnection engine;
    private final SwarmNodes swarm;
    private final StackObjects stacks;
    private final EngineImages images;

    private DockerEngine(EngineConnection engine) {
        this.engine = engine;
        this.swarm = new SwarmNodes(engine);
        this.stacks = new StackObjects(engine);
        this.images = new EngineImages(engine);
    }

    /**
     * An engine at a UNIX socket with the default response timeout of 60 s. Does not contact the
     * engine: use {@link #ping()} to check that it answers.
     *
     * @param unixSocket path of the engine's socket on this machine (relative paths are resolved
     *     against the working directory)
     */
    public static DockerEngine connect(Path unixSocket) {
        return connect(unixSocket, DEFAULT_RESPONSE_TIMEOUT);
    }

    /**
     * An engine at a UNIX socket. Does not contact the engine: use {@link #ping()} to check that it
     * answers.
     *
     * @param unixSocket path of the engine's socket on this machine
     * @param responseTimeout how long each call may wait for the engine's reply; positive
     * @throws IllegalArgumentException when the timeout is not positive
     */
    public static DockerEngine connect(Path unixSocket, Duration responseTimeout) {
        Objects.requireNonNull(unixSocket, "unixSocket");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        if (responseTimeout.isZero() || responseTimeout.isNegative()) {
            throw new IllegalArgumentException("responseTimeout must be positive, got " + responseTimeout);
        }
        return new DockerEngine(new EngineConnection(EngineConnection.unixUri(unixSocket), responseTimeout));
    }

    /** The endpoint, for example {@code "unix:///var/lib/bcm/sockets/node1.sock"}. */
    public String endpoint() {
        return engine.endpoint();
    }

    /** The time each call may wait for the engine's reply. */
    public Duration responseTimeout() {
        return engine.responseTimeout();
    }

    /**
     * The engine's version. Engine API: {@code GET /version}.
     *
     * @throws DockerEngineException when the engine cannot be reached or refuses
     */
    public EngineVersion version() {
        return engine.version();
    }

    /**
     * Checks that the engine answers. Engine API: {@code GET /_ping}.
     *
     * @throws DockerEngineException when it does not ({@link DockerEngineUnavailableException} when
     *     no answer arrived at all)
     */
    public void ping() {
        engine.ping();
    }

    /** True when {@link #ping()} succeeds. Engine API: {@code GET /_ping}. Never throws. */
    public boolean isAnswering() {
        try {
            ping();
            return true;
        } catch (DockerEngineException e) {
            LOG.debug("{} does not answer: {}", engine.endpoint(), e.getMessage());
            return false;
        }
    }

    /**
     * This engine's swarm membership. Engine API: {@code GET /info} (its {@code Swarm} section).
     *
     * @throws DockerEngineException when the engine cannot be reached or refuses
     */
    public SwarmState swarmState() {
        return swarm.state();
    }

    /**
     * Creates a new swarm with this engine as its first manager, listening on {@value
     * #SWARM_LISTEN_ADDRESS}. Engine API: {@code POST /swarm/init}, then {@code GET /info}.
     *
     * @param advertiseAddress address other nodes reach this one at, {@code "ip"} or {@code
     *     "ip:port"}; {@code null} lets the engine choose, which fails with HTTP 400 when the machine
     *     has several addresses (any engine with a docker0 bridge)
     * @return this node's swarm id
     * @throws DockerEngineException HTTP 503 when the engine is already part of a swarm, HTTP 400 for
     *     an unusable advertise address
     */
    public String initSwarm(String advertiseAddress) {
        return swarm.init(advertiseAddress);
    }

    /**
     * The swarm's join tokens. Engine API: {@code GET /swarm}. The tokens are secrets: they are not
     * logged and {@link JoinTokens#toString()} hides them.
     *
     * @throws DockerEngineException HTTP 503 when this engine is not a swarm manager
     */
    public JoinTokens joinTokens() {
        return swarm.joinTokens();
    }

    /**
     * The swarm's id. Engine API: {@code GET /swarm}.
     *
     * @throws DockerEngineException HTTP 503 when this engine is not a swarm manager
     */
    public String swarmClusterId() {
        return swarm.clusterId();
    }

    /**
     * Joins an existing swarm, listening on {@value #SWARM_LISTEN_ADDRESS}. The role (worker or
     * manager) is the one the token grants. Engine API: {@code POST /swarm/join}; the engine replies
     * once the node has joined (or after about 20 s with HTTP 500 when it could not reach a manager).
     *
     * @param managerAddresses addresses of managers of the swarm, {@code "ip:2377"}; at least one
     * @param joinToken a worker or manager join token; never logged
     * @param advertiseAddress address other nodes reach this one at, or {@code null} to let the engine
     *     choose
     * @throws DockerEngineException HTTP 503 when already part of a swarm, HTTP 400 or 500 when the
     *     token is invalid or no manager could be reached
     * @throws IllegalArgumentException when no manager address or no token is given
     */
    public void joinSwarm(List<String> managerAddresses, String joinToken, String advertiseAddress) {
        swarm.join(managerAddresses, joinToken, advertiseAddress);
    }

    /**
     * Leaves the swarm. Engine API: {@code POST /swarm/leave?force=}.
     *
     * @param force also leave when this is a manager (needed for the last manager, which destroys
     *     the swarm, or when leaving would lose the raft quorum)
     * @throws DockerEngineException HTTP 503 when the engine is not part of a swarm, or when it is a
     *     manager and {@code force} is false
     */
    public void leaveSwarm(boolean force) {
        swarm.leave(force);
    }

    /**
     * All nodes of the swarm, sorted by hostname then id. Engine API: {@code GET /nodes}.
     *
     * @throws DockerEngineException HTTP 503 when this engine is not a swarm manager
     */
    public List<SwarmNode> nodes() {
        return swarm.nodes();
    }

    /**
     * The node with exactly this id. Engine API: {@code GET /nodes?filters={"id":[id]}}.
     *
     * @return the node, or empty when the swarm has no node with this id (a mere prefix of an id
     *     does not match)
     * @throws DockerEngineException HTTP 503 when this engine is not a swarm manager
     */
    public Optional<SwarmNode> node(String id) {
        return swarm.node(id);
    }

    /**
     * Sets the node's spec labels to exactly {@code labels} (labels not named are removed), keeping
     * its role and availability. Uses the node's current version and, when the node changed in
     * between (version conflict), reads it again and retries once. Engine API: {@code GET
     * /nodes?filters=...}, then {@code POST /nodes/{id}/update?version=}.
     *
     * @throws DockerEngineException HTTP 404 when there is no such node, HTTP 503 when this engine is
     *     not a swarm manager, a version conflict ({@link DockerEngineException#isVersionConflict()})
     *     when the node changed twice in a row
     */
    public void updateNodeLabels(String nodeId, Map<String, String> labels) {
        swarm.updateLabels(nodeId, labels);
    }

    /**
     * Promotes a node to manager or demotes it to worker, keeping its labels and availability; as
     * {@link #updateNodeLabels}, the node's current version, retried once on a version conflict.
     * Demoting works on an unreachable manager while the others keep a quorum. Engine API: {@code
     * POST /nodes/{id}/update?version=} with {@code Role}.
     *
     * @param role {@link SwarmNode#ROLE_MANAGER} or {@link SwarmNode#ROLE_WORKER}
     * @throws DockerEngineException HTTP 404 when there is no such node, HTTP 503 when this engine is
     *     not a swarm manager or the swarm has no quorum
     */
    public void updateNodeRole(String nodeId, String role) {
        swarm.updateRole(nodeId, role);
    }

    /**
     * Removes a node from the swarm. Engine API: {@code DELETE /nodes/{id}?force=}.
     *
     * @param force also remove a node that is not down yet
     * @throws DockerEngineException HTTP 404 when there is no such node, HTTP 400 or 500 when the
     *     node is still up and {@code force} is false (or is a manager), HTTP 503 when this engine is
     *     not a swarm manager
     */
    public void removeNode(String nodeId, boolean force) {
        swarm.remove(nodeId, force);
    }

    // --- swarm objects of stacks (used by StackDeployer; docker-java models stay inside bcm-swarm) ---

    /** Services carrying all of {@code labels}. Engine API: {@code GET /services?filters={"label":[..]}}. */
    List<Service> services(Map<String, String> labels) {
        return stacks.services(labels);
    }

    /** Creates a service; returns its id. Engine API: {@code POST /services/create}. */
    String createService(ServiceSpec spec, RegistryCredentials registry) {
        return stacks.createService(spec, registry);
    }

    /**
     * Replaces a service's spec. Engine API: {@code POST /services/{id}/update?version=}, with the
     * registry's credentials, when given, in {@code X-Registry-Auth} (docker-java's update command cannot
     * send them; without them the engine would keep the credentials of the previous spec).
     */
    void updateService(String id, long version, ServiceSpec spec, RegistryCredentials registry) {
        stacks.updateService(id, version, spec, registry);
    }

    /** Removes a service; its tasks shut down afterwards. Engine API: {@code DELETE /services/{id}}. */
    void removeService(String id, String name) {
        stacks.removeService(id, name);
    }

    /** Tasks of a service, of every desired state. Engine API: {@code GET /tasks?filters={"service":[id]}}. */
    List<Task> tasks(String serviceId) {
        return stacks.tasks(serviceId);
    }

    /**
     * The output of the last healthcheck of a container on this engine (what its test printed, at most
     * 4096 bytes: the engine keeps no more). Engine API: {@code GET /containers/{id}/json},
     * {@code State.Health.Log}.
     *
     * @return empty when the container has no healthcheck, has not been checked yet, or is gone
     * @throws DockerEngineUnavailableException when the engine does not answer
     */
    public Optional<String> lastHealthcheckOutput(String containerId) {
        return stacks.lastHealthcheckOutput(containerId);
    }

    /**
     * Runs {@code command} in a running container of this engine, as the container's user, detached (its
     * output is not read: a detached exec is a plain request, which every path to the engine passes), and
     * waits for it to end. Engine API: {@code POST /containers/{id}/exec}, {@code POST /exec/{id}/start}
     * with {@code Detach}, {@code GET /exec/{id}/json}.
     *
     * @param command the program and its arguments (no shell)
     * @return its exit code
     * @throws DockerEngineException when the container is gone or the command did not end within {@code timeout}
     */
    public int execute(String containerId, List<String> command, Duration timeout) {
        return stacks.execute(containerId, command, timeout);
    }

    /**
     * The content of a regular file in a container of this engine (running or stopped). Engine API:
     * {@code GET /containers/{id}/archive?path=}, which, being a plain request, every path to the engine
     * passes (the LXD proxy device too).
     *
     * @param path     absolute path in the container
     * @param maxBytes the largest file read
     * @return empty when the container or the file does not exist
     * @throws DockerEngineException when the path is no regular file or is larger than {@code maxBytes}, or
     *     the engine fails
     */
    public Optional<byte[]> readFile(String containerId, String path, long maxBytes) {
        return stacks.readFile(containerId, path, maxBytes);
    }

    /**
     * Writes a regular file into a container of this engine, replacing one of that name; its directory
     * must exist. Engine API: {@code PUT /containers/{id}/archive?path=<directory>} with a tar of the one
     * file.
     *
     * @param path absolute path in the container
     * @param mode permission bits, e.g. {@code 0400}
     * @throws DockerEngineException when the container or the directory does not exist, or the engine fails
     */
    public void writeFile(String containerId, String path, byte[] content, int uid, int gid, int mode) {
        stacks.writeFile(containerId, path, content, uid, gid, mode);
    }

    /** Networks carrying all of {@code labels}. Engine API: {@code GET /networks?filters={"label":[..]}}. */
    List<Network> networks(Map<String, String> labels) {
        return stacks.networks(labels);
    }

    /** The network with exactly this name or id. Engine API: {@code GET /networks/{name}}. */
    Optional<Network> network(String nameOrId) {
        return stacks.network(nameOrId);
    }

    /** Creates an overlay network; returns its id. Engine API: {@code POST /networks/create}. */
    String createOverlayNetwork(String name, boolean attachable, boolean internal, Map<String, String> options,
            Map<String, String> labels) {
        return stacks.createOverlayNetwork(name, attachable, internal, options, labels);
    }

    /** Removes a network. Engine API: {@code DELETE /networks/{id}}; HTTP 403 while containers use it. */
    void removeNetwork(String id, String name) {
        stacks.removeNetwork(id, name);
    }

    /** Secrets carrying all of {@code labels}. Engine API: {@code GET /secrets?filters=}. */
    List<Secret> secrets(Map<String, String> labels) {
        return stacks.secrets(labels);
    }

    /** Secrets with exactly this name. Engine API: {@code GET /secrets?filters={"name":[..]}}. */
    Optional<Secret> secret(String name) {
        return stacks.secret(name);
    }

    /**
     * Creates a secret with exactly these bytes; returns its id. The data is never logged. Engine API:
     * {@code POST /secrets/create} with {@code Data} the standard base64 of the bytes (docker-java's
     * {@code SecretSpec.withData} encodes a String's platform bytes, which would store base64 text or
     * mangle binary data, so the request is sent here).
     */
    String createSecret(String name, byte[] data, Map<String, String> labels) {
        return stacks.createSecret(name, data, labels);
    }

    /** Removes a secret. Engine API: {@code DELETE /secrets/{id}}; HTTP 400 while a service uses it. */
    void removeSecret(String id, String name) {
        stacks.removeSecret(id, name);
    }

    /** Configs carrying all of {@code labels}. Engine API: {@code GET /configs?filters=}. */
    List<Config> configs(Map<String, String> labels) {
        return stacks.configs(labels);
    }

    /** Configs with exactly this name. Engine API: {@code GET /configs?filters={"name":[..]}}. */
    Optional<Config> config(String name) {
        return stacks.config(name);
    }

    /** Creates a config; returns its id. Engine API: {@code POST /configs/create}. */
    String createConfig(String name, byte[] data, Map<String, String> labels) {
        return stacks.createConfig(name, data, labels);
    }

    /** Removes a config. Engine API: {@code DELETE /configs/{id}}; HTTP 400 while a service uses it. */
    void removeConfig(String id, String name) {
        stacks.removeConfig(id, name);
    }

    // --- images ---

    /**
     * Whether this engine holds an image with this reference locally. Engine API: {@code GET
     * /images/{name}/json}.
     *
     * @param reference {@code repository:tag}
     */
    public boolean hasImage(String reference) {
        return images.has(reference);
    }

    /**
     * The digest of the manifest the registry named in the reference serves for it, asked through
     * this engine (Engine API: {@code GET /distribution/{name}/json}, answered with the registry's
     * descriptor); empty when the registry refuses or is down.
     *
     * @param reference {@code registry/repository:tag}
     * @param registry  the registry's credentials, or null for none
     * @return e.g. {@code sha256:0123...}
     */
    public Optional<String> registryDigest(String reference, RegistryCredentials registry) {
        return images.registryDigest(reference, registry);
    }

    /**
     * Creates an image from a root filesystem tarball, like {@code docker import}. Engine API:
     * {@code POST /images/create?fromSrc=-&repo=&tag=&changes=}; the tarball is streamed from disk.
     *
     * @param rootfsTar an uncompressed tar of the root filesystem
     * @param repository e.g. {@code 127.0.0.1:5000/bcm/tor}
     * @param tag the tag
     * @param changes Dockerfile instructions applied to the image config, e.g. {@code ENTRYPOINT ["tor"]}
     *     (allowed: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)
     * @param timeout how long the upload and import may take
     * @throws DockerEngineException when the engine refuses the tarball or the deadline passes
     */
    public void importImage(Path rootfsTar, String repository, String tag, List<String> changes, Duration timeout) {
        images.importRootfs(rootfsTar, repository, tag, changes, timeout);
    }

    /**
     * Pushes a local image to the registry its name points at, like {@code docker push}. Engine API:
     * {@code POST /images/{name}/push?tag=}.
     *
     * @param registry the registry's credentials, or null for none
     * @throws DockerEngineException when the registry refuses or cannot be reached, or the deadline passes
     */
    public void pushImage(String repository, String tag, RegistryCredentials registry, Duration timeout) {
        images.push(repository, tag, registry, timeout);
    }

    /** Releases the connections and the worker threads. Calls after close fail. Idempotent. */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "DockerEngine[" + engine.endpoint() + "]";
    }
}
