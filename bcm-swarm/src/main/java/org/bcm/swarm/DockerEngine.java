package org.bcm.swarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Config;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.api.model.Secret;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Swarm;
import com.github.dockerjava.api.model.SwarmNodeSpec;
import com.github.dockerjava.api.model.SwarmSpec;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String endpoint;
    private final Duration responseTimeout;
    private final DockerHttpClient http;
    private final DockerClient client;
    /** docker-java's own mapping of its model classes, for the requests bcm sends without its commands. */
    private final ObjectMapper dockerJson;
    private final ExecutorService calls;

    private DockerEngine(URI host, Duration responseTimeout) {
        this.endpoint = host.toString();
        this.responseTimeout = responseTimeout;
        this.http = new ApacheDockerHttpClient.Builder()
                .dockerHost(host)
                .connectionTimeout(CONNECT_TIMEOUT)
                .responseTimeout(responseTimeout)
                .build();
        // A bare Builder: createDefaultConfigBuilder() would read DOCKER_* variables, system
        // properties and ~/.docker (a DOCKER_API_VERSION there would pin the API version).
        DefaultDockerClientConfig config = new DefaultDockerClientConfig.Builder()
                .withDockerHost(endpoint)
                .withApiVersion(RemoteApiVersion.UNKNOWN_VERSION)
                .build();
        this.client = DockerClientImpl.getInstance(config, http);
        this.dockerJson = config.getObjectMapper();
        this.calls = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "bcm-docker-call-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
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
        return new DockerEngine(unixUri(unixSocket), responseTimeout);
    }

    /** The endpoint, for example {@code "unix:///var/lib/bcm/sockets/node1.sock"}. */
    public String endpoint() {
        return endpoint;
    }

    /** The time each call may wait for the engine's reply. */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    /**
     * The engine's version. Engine API: {@code GET /version}.
     *
     * @throws DockerEngineException when the engine cannot be reached or refuses
     */
    public EngineVersion version() {
        return call("reading the engine version", () -> EngineModels.engineVersion(client.versionCmd().exec()));
    }

    /**
     * Checks that the engine answers. Engine API: {@code GET /_ping}.
     *
     * @throws DockerEngineException when it does not ({@link DockerEngineUnavailableException} when
     *     no answer arrived at all)
     */
    public void ping() {
        call("pinging the engine", () -> {
            client.pingCmd().exec();
            return null;
        });
    }

    /** True when {@link #ping()} succeeds. Engine API: {@code GET /_ping}. Never throws. */
    public boolean isAnswering() {
        try {
            ping();
            return true;
        } catch (DockerEngineException e) {
            LOG.debug("{} does not answer: {}", endpoint, e.getMessage());
            return false;
        }
    }

    /**
     * This engine's swarm membership. Engine API: {@code GET /info} (its {@code Swarm} section).
     *
     * @throws DockerEngineException when the engine cannot be reached or refuses
     */
    public SwarmState swarmState() {
        return call("reading the swarm state", () -> EngineModels.swarmState(getJson("/info")));
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
        String action = "initialising a swarm (advertising " + advertised(advertiseAddress) + ")";
        call(action, () -> {
            client.initializeSwarmCmd(new SwarmSpec())
                    .withListenAddr(SWARM_LISTEN_ADDRESS)
                    .withAdvertiseAddr(advertiseAddress)
                    .exec();
            return null;
        });
        return swarmState().nodeId();
    }

    /**
     * The swarm's join tokens. Engine API: {@code GET /swarm}. The tokens are secrets: they are not
     * logged and {@link JoinTokens#toString()} hides them.
     *
     * @throws DockerEngineException HTTP 503 when this engine is not a swarm manager
     */
    public JoinTokens joinTokens() {
        String action = "reading the swarm join tokens";
        Swarm swarm = call(action, () -> client.inspectSwarmCmd().exec());
        JoinTokens tokens = EngineModels.joinTokens(swarm);
        if (tokens == null) {
            throw new DockerEngineException(
                    "Failed " + action + " on " + endpoint + ": the reply holds no join tokens",
                    0, endpoint, null, null);
        }
        return tokens;
    }

    /**
     * The swarm's id. Engine API: {@code GET /swarm}.
     *
     * @throws DockerEngineException HTTP 503 when this engine is not a swarm manager
     */
    public String swarmClusterId() {
        return call("reading the swarm id", () -> client.inspectSwarmCmd().exec().getId());
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
        Objects.requireNonNull(managerAddresses, "managerAddresses");
        if (managerAddresses.isEmpty()) {
            throw new IllegalArgumentException("at least one manager address is needed to join a swarm");
        }
        if (joinToken == null || joinToken.isBlank()) {
            throw new IllegalArgumentException("a join token is needed to join a swarm");
        }
        List<String> managers = List.copyOf(managerAddresses);
        call("joining the swarm via " + managers + " (advertising " + advertised(advertiseAddress) + ")", () -> {
            client.joinSwarmCmd()
                    .withListenAddr(SWARM_LISTEN_ADDRESS)
                    .withAdvertiseAddr(advertiseAddress)
                    .withRemoteAddrs(managers)
                    .withJoinToken(joinToken)
                    .exec();
            return null;
        });
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
        call(force ? "leaving the swarm (forced)" : "leaving the swarm", () -> {
            client.leaveSwarmCmd().withForceEnabled(force).exec();
            return null;
        });
    }

    /**
     * All nodes of the swarm, sorted by hostname then id. Engine API: {@code GET /nodes}.
     *
     * @throws DockerEngineException HTTP 503 when this engine is not a swarm manager
     */
    public List<SwarmNode> nodes() {
        List<SwarmNode> nodes = new ArrayList<>();
        for (com.github.dockerjava.api.model.SwarmNode node :
                call("listing the swarm nodes", () -> client.listSwarmNodesCmd().exec())) {
            nodes.add(EngineModels.swarmNode(node));
        }
        nodes.sort(Comparator.comparing(SwarmNode::hostname, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(SwarmNode::id));
        return List.copyOf(nodes);
    }

    /**
     * The node with exactly this id. Engine API: {@code GET /nodes?filters={"id":[id]}}.
     *
     * @return the node, or empty when the swarm has no node with this id (a mere prefix of an id
     *     does not match)
     * @throws DockerEngineException HTTP 503 when this engine is not a swarm manager
     */
    public Optional<SwarmNode> node(String id) {
        requireId(id);
        return findNode("reading node " + id, id).map(EngineModels::swarmNode);
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
        requireId(nodeId);
        Objects.requireNonNull(labels, "labels");
        Map<String, String> wanted = new HashMap<>();
        labels.forEach((key, value) -> {
            if (key == null || key.isBlank() || value == null) {
                throw new IllegalArgumentException("label keys must be non-blank and values non-null: "
                        + key + "=" + value);
            }
            wanted.put(key, value);
        });
        String action = "updating the labels of node " + nodeId;
        for (int attempt = 1; ; attempt++) {
            com.github.dockerjava.api.model.SwarmNode current = findNode(action, nodeId)
                    .orElseThrow(() -> EngineErrors.notFound(action, endpoint, "node " + nodeId));
            SwarmNodeSpec currentSpec = current.getSpec() == null ? new SwarmNodeSpec() : current.getSpec();
            SwarmNodeSpec spec = new SwarmNodeSpec()
                    .withName(currentSpec.getName())
                    .withRole(currentSpec.getRole())
                    .withAvailability(currentSpec.getAvailability())
                    .withLabels(new HashMap<>(wanted));
            Long version = current.getVersion() == null ? null : current.getVersion().getIndex();
            try {
                call(action, () -> {
                    client.updateSwarmNodeCmd()
                            .withSwarmNodeId(nodeId)
                            .withVersion(version)
                            .withSwarmNodeSpec(spec)
                            .exec();
                    return null;
                });
                return;
            } catch (DockerEngineException e) {
                if (attempt >= 2 || !e.isVersionConflict()) {
                    throw e;
                }
                LOG.debug("node {} changed since version {}, reading it again", nodeId, version);
            }
        }
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
        requireId(nodeId);
        call("removing node " + nodeId + (force ? " (forced)" : ""), () -> {
            client.removeSwarmNodeCmd(nodeId).withForce(force).exec();
            return null;
        });
    }

    // --- swarm objects of stacks (used by StackDeployer; docker-java models stay inside bcm-swarm) ---

    /** Services carrying all of {@code labels}. Engine API: {@code GET /services?filters={"label":[..]}}. */
    List<Service> services(Map<String, String> labels) {
        return call("listing services " + labels, () -> client.listServicesCmd().withLabelFilter(labels).exec());
    }

    /** Creates a service; returns its id. Engine API: {@code POST /services/create}. */
    String createService(ServiceSpec spec, RegistryCredentials registry) {
        return call("creating service " + spec.getName(), () -> {
            var create = client.createServiceCmd(spec);
            if (registry != null) {
                create.withAuthConfig(authConfig(registry));
            }
            return create.exec().getId();
        });
    }

    /**
     * Replaces a service's spec. Engine API: {@code POST /services/{id}/update?version=}, with the
     * registry's credentials, when given, in {@code X-Registry-Auth} (docker-java's update command cannot
     * send them; without them the engine would keep the credentials of the previous spec).
     */
    void updateService(String id, long version, ServiceSpec spec, RegistryCredentials registry) {
        Map<String, String> headers = registry == null ? Map.of() : Map.of("X-Registry-Auth", registryAuth(registry));
        call("updating service " + spec.getName(), () -> send(DockerHttpClient.Request.Method.POST,
                "/services/" + encode(id) + "/update?version=" + version, headers, dockerJson.writeValueAsBytes(spec)));
    }

    /** Removes a service; its tasks shut down afterwards. Engine API: {@code DELETE /services/{id}}. */
    void removeService(String id, String name) {
        call("removing service " + name, () -> {
            client.removeServiceCmd(id).exec();
            return null;
        });
    }

    /** Tasks of a service, of every desired state. Engine API: {@code GET /tasks?filters={"service":[id]}}. */
    List<Task> tasks(String serviceId) {
        return call("listing the tasks of service " + serviceId,
                () -> client.listTasksCmd().withServiceFilter(serviceId).exec());
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
        try {
            return call("reading the health of container " + containerId, () -> {
                JsonNode log = getJson("/containers/" + encode(containerId) + "/json").path("State").path("Health").path("Log");
                return log.isArray() && log.size() > 0 ? Optional.of(log.get(log.size() - 1).path("Output").asText()) : Optional.<String>empty();
            });
        } catch (DockerEngineException e) {
            if (e instanceof DockerEngineUnavailableException) {
                throw e;
            }
            LOG.debug("no health log of {} on {}: {}", containerId, endpoint, e.getMessage());
            return Optional.empty();
        }
    }

    /** Networks carrying all of {@code labels}. Engine API: {@code GET /networks?filters={"label":[..]}}. */
    List<Network> networks(Map<String, String> labels) {
        List<String> filter = labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        return call("listing networks " + labels, () -> client.listNetworksCmd().withFilter("label", filter).exec());
    }

    /** The network with exactly this name or id. Engine API: {@code GET /networks/{name}}. */
    Optional<Network> network(String nameOrId) {
        try {
            return Optional.of(call("reading network " + nameOrId,
                    () -> client.inspectNetworkCmd().withNetworkId(nameOrId).exec()));
        } catch (DockerEngineException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Creates an overlay network; returns its id. Engine API: {@code POST /networks/create}. */
    String createOverlayNetwork(String name, boolean attachable, boolean internal, Map<String, String> options,
            Map<String, String> labels) {
        return call("creating network " + name, () -> client.createNetworkCmd()
                .withName(name)
                .withDriver("overlay")
                .withAttachable(attachable)
                .withInternal(internal)
                .withCheckDuplicate(true)
                .withOptions(options)
                .withLabels(labels)
                .exec()
                .getId());
    }

    /** Removes a network. Engine API: {@code DELETE /networks/{id}}; HTTP 403 while containers use it. */
    void removeNetwork(String id, String name) {
        call("removing network " + name, () -> {
            client.removeNetworkCmd(id).exec();
            return null;
        });
    }

    /** Secrets carrying all of {@code labels}. Engine API: {@code GET /secrets?filters=}. */
    List<Secret> secrets(Map<String, String> labels) {
        return call("listing secrets " + labels, () -> client.listSecretsCmd().withLabelFilter(labels).exec());
    }

    /** Secrets with exactly this name. Engine API: {@code GET /secrets?filters={"name":[..]}}. */
    Optional<Secret> secret(String name) {
        return call("reading secret " + name, () -> client.listSecretsCmd().withNameFilter(List.of(name)).exec())
                .stream().filter(s -> name.equals(s.getSpec().getName())).findFirst();
    }

    /**
     * Creates a secret with exactly these bytes; returns its id. The data is never logged. Engine API:
     * {@code POST /secrets/create} with {@code Data} the standard base64 of the bytes (docker-java's
     * {@code SecretSpec.withData} encodes a String's platform bytes, which would store base64 text or
     * mangle binary data, so the request is sent here).
     */
    String createSecret(String name, byte[] data, Map<String, String> labels) {
        return call("creating secret " + name, () -> {
            Map<String, Object> spec = new java.util.LinkedHashMap<>();
            spec.put("Name", name);
            spec.put("Labels", labels);
            spec.put("Data", Base64.getEncoder().encodeToString(data));
            byte[] reply = send(DockerHttpClient.Request.Method.POST, "/secrets/create", Map.of(), JSON.writeValueAsBytes(spec));
            return JSON.readTree(reply).path("ID").asText();
        });
    }

    /**
     * One Engine API request without docker-java's commands (for what they cannot send); a status
     * other than 2xx is thrown as docker-java would throw it.
     *
     * @return the reply's body
     */
    private byte[] send(DockerHttpClient.Request.Method method, String path, Map<String, String> headers, byte[] body) throws IOException {
        DockerHttpClient.Request.Builder request = DockerHttpClient.Request.builder().method(method).path(path)
                .putHeader("Accept", "application/json");
        headers.forEach(request::putHeader);
        if (body != null) {
            request.putHeader("Content-Type", "application/json").body(new java.io.ByteArrayInputStream(body));
        }
        try (DockerHttpClient.Response response = http.execute(request.build())) {
            byte[] reply = response.getBody() == null ? new byte[0] : response.getBody().readAllBytes();
            if (response.getStatusCode() / 100 != 2) {
                throw new DockerException(new String(reply, StandardCharsets.UTF_8), response.getStatusCode());
            }
            return reply;
        }
    }

    /** Removes a secret. Engine API: {@code DELETE /secrets/{id}}; HTTP 400 while a service uses it. */
    void removeSecret(String id, String name) {
        call("removing secret " + name, () -> {
            client.removeSecretCmd(id).exec();
            return null;
        });
    }

    /** Configs carrying all of {@code labels}. Engine API: {@code GET /configs?filters=}. */
    List<Config> configs(Map<String, String> labels) {
        List<String> filter = labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        return call("listing configs " + labels,
                () -> client.listConfigsCmd().withFilters(Map.of("label", filter)).exec());
    }

    /** Configs with exactly this name. Engine API: {@code GET /configs?filters={"name":[..]}}. */
    Optional<Config> config(String name) {
        return call("reading config " + name,
                () -> client.listConfigsCmd().withFilters(Map.of("name", List.of(name))).exec())
                .stream().filter(c -> name.equals(c.getSpec().getName())).findFirst();
    }

    /** Creates a config; returns its id. Engine API: {@code POST /configs/create}. */
    String createConfig(String name, byte[] data, Map<String, String> labels) {
        return call("creating config " + name,
                () -> client.createConfigCmd().withName(name).withData(data).withLabels(labels).exec().getId());
    }

    /** Removes a config. Engine API: {@code DELETE /configs/{id}}; HTTP 400 while a service uses it. */
    void removeConfig(String id, String name) {
        call("removing config " + name, () -> {
            client.removeConfigCmd(id).exec();
            return null;
        });
    }

    // --- images ---

    /**
     * Whether this engine holds an image with this reference locally. Engine API: {@code GET
     * /images/{name}/json}.
     *
     * @param reference {@code repository:tag}
     */
    public boolean hasImage(String reference) {
        try {
            call("inspecting image " + reference, () -> client.inspectImageCmd(reference).exec());
            return true;
        } catch (DockerEngineException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
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
        Map<String, String> headers = registry == null ? Map.of() : Map.of("X-Registry-Auth", registryAuth(registry));
        try {
            return call("asking the registry for " + reference, () -> {
                JsonNode digest = JSON.readTree(send(DockerHttpClient.Request.Method.GET, "/distribution/" + reference + "/json", headers, null))
                        .path("Descriptor").path("digest");
                return digest.isTextual() ? Optional.of(digest.asText()) : Optional.<String>empty();
            });
        } catch (DockerEngineException e) {
            if (e instanceof DockerEngineUnavailableException) {
                throw e;
            }
            LOG.debug("{} has no {}: {}", endpoint, reference, e.getMessage());
            return Optional.empty();
        }
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
        StringBuilder path = new StringBuilder("/images/create?fromSrc=-&repo=").append(encode(repository))
                .append("&tag=").append(encode(tag));
        changes.forEach(change -> path.append("&changes=").append(encode(change)));
        String action = "importing " + rootfsTar.getFileName() + " as " + repository + ":" + tag;
        call(action, timeout, () -> {
            try (InputStream body = java.nio.file.Files.newInputStream(rootfsTar)) {
                DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                        .method(DockerHttpClient.Request.Method.POST)
                        .path(path.toString())
                        .putHeader("Content-Type", "application/x-tar")
                        .body(body)
                        .build();
                try (DockerHttpClient.Response response = http.execute(request)) {
                    byte[] reply = response.getBody().readAllBytes();
                    String error = streamError(reply);
                    if (response.getStatusCode() / 100 != 2 || error != null) {
                        throw new DockerException(error != null ? error : new String(reply, StandardCharsets.UTF_8),
                                response.getStatusCode() / 100 != 2 ? response.getStatusCode() : 500);
                    }
                }
            }
            return null;
        });
    }

    /**
     * Pushes a local image to the registry its name points at, like {@code docker push}. Engine API:
     * {@code POST /images/{name}/push?tag=}.
     *
     * @param registry the registry's credentials, or null for none
     * @throws DockerEngineException when the registry refuses or cannot be reached, or the deadline passes
     */
    public void pushImage(String repository, String tag, RegistryCredentials registry, Duration timeout) {
        call("pushing " + repository + ":" + tag, timeout, () -> {
            List<String> errors = new ArrayList<>();
            var push = client.pushImageCmd(repository).withTag(tag);
            if (registry != null) {
                push.withAuthConfig(authConfig(registry));
            }
            push
                    .exec(new ResultCallback.Adapter<PushResponseItem>() {
                        @Override
                        public void onNext(PushResponseItem item) {
                            if (item.isErrorIndicated()) {
                                errors.add(item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                                        ? item.getErrorDetail().getMessage() : String.valueOf(item.getError()));
                            }
                        }
                    })
                    .awaitCompletion();
            if (!errors.isEmpty()) {
                throw new DockerException(String.join("; ", errors), 500);
            }
            return null;
        });
    }

    private static com.github.dockerjava.api.model.AuthConfig authConfig(RegistryCredentials registry) {
        return new com.github.dockerjava.api.model.AuthConfig().withUsername(registry.user()).withPassword(registry.password())
                .withRegistryAddress(registry.server());
    }

    /** The {@code X-Registry-Auth} header: base64url of docker-java's JSON of the credentials, as its own commands send it. */
    private String registryAuth(RegistryCredentials registry) {
        try {
            return Base64.getUrlEncoder().encodeToString(dockerJson.writeValueAsBytes(authConfig(registry)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise registry credentials", e);
        }
    }

    /** Releases the connections and the worker threads. Calls after close fail. Idempotent. */
    @Override
    public void close() {
        calls.shutdownNow();
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("closing the client for {} failed", endpoint, e);
        }
    }

    @Override
    public String toString() {
        return "DockerEngine[" + endpoint + "]";
    }

    private Optional<com.github.dockerjava.api.model.SwarmNode> findNode(String action, String id) {
        List<com.github.dockerjava.api.model.SwarmNode> matches =
                call(action, () -> client.listSwarmNodesCmd().withIdFilter(List.of(id)).exec());
        // The engine's id filter matches prefixes: keep only the exact id.
        return matches.stream().filter(node -> id.equals(node.getId())).findFirst();
    }

    /** GET on an Engine API path, answered as a JSON tree; failures as docker-java would raise them. */
    private JsonNode getJson(String path) throws IOException {
        return JSON.readTree(send(DockerHttpClient.Request.Method.GET, path, Map.of(), null));
    }

    /**
     * Runs one call to the engine on a worker thread with the response deadline; every failure goes
     * through {@link EngineErrors#translate}.
     */
    private <T> T call(String action, Callable<T> work) {
        return call(action, responseTimeout, work);
    }

    /** {@link #call(String, Callable)} with a deadline of its own, for uploads and pushes. */
    private <T> T call(String action, Duration deadline, Callable<T> work) {
        LOG.debug("{} on {}", action, endpoint);
        Future<T> future;
        try {
            future = calls.submit(work);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("DockerEngine for " + endpoint + " is closed", e);
        }
        try {
            return future.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw EngineErrors.translate(action, endpoint, deadline, e.getCause());
        } catch (TimeoutException e) {
            // Interrupting the worker closes its socket channel, which ends the blocked read.
            future.cancel(true);
            throw EngineErrors.translate(action, endpoint, deadline, e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw EngineErrors.interrupted(action, endpoint, e);
        }
    }

    /**
     * The {@code error} of a JSON message stream (image import and pull replies carry failures in
     * the body of an HTTP 200), or null.
     */
    private static String streamError(byte[] reply) {
        for (String line : new String(reply, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode message = JSON.readTree(line);
                if (message.hasNonNull("error")) {
                    return message.get("error").asText();
                }
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String advertised(String advertiseAddress) {
        return advertiseAddress == null ? "the engine's choice" : advertiseAddress;
    }

    private static void requireId(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a node id is needed");
        }
    }

    static URI unixUri(Path socket) {
        String path = socket.toAbsolutePath().normalize().toString();
        try {
            // "unix", empty authority, path: unix:///abs/path.sock, with unusual characters quoted.
            return new URI("unix", "", path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("unusable socket path " + path, e);
        }
    }
}
