package org.bcm.swarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
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
 * The raw request layer to one engine: docker-java's client on unversioned paths, the deadline of
 * every call (a worker thread interrupted when it passes), every failure through {@link
 * EngineErrors#translate}, and the few requests sent without docker-java's commands.
 */
final class EngineConnection {

    private static final Logger LOG = LoggerFactory.getLogger(DockerEngine.class);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String endpoint;
    private final Duration responseTimeout;
    private final DockerHttpClient http;
    private final DockerClient client;
    /** docker-java's own mapping of its model classes, for the requests bcm sends without its commands. */
    private final ObjectMapper dockerJson;
    private final ExecutorService calls;

    EngineConnection(URI host, Duration responseTimeout) {
        this.endpoint = host.toString();
        this.responseTimeout = responseTimeout;
        this.http = new ApacheDockerHttpClient.Builder()
                .dockerHost(host)
                .connectionTimeout(DockerEngine.CONNECT_TIMEOUT)
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

    String endpoint() {
        return endpoint;
    }

    Duration responseTimeout() {
        return responseTimeout;
    }

    /** docker-java's client; use it inside {@link #call}. */
    DockerClient client() {
        return client;
    }

    /** Runs one call to the engine on a worker thread with the response deadline. */
    <T> T call(String action, Callable<T> work) {
        return call(action, responseTimeout, work);
    }

    /** {@link #call(String, Callable)} with a deadline of its own, for uploads and pushes. */
    <T> T call(String action, Duration deadline, Callable<T> work) {
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
     * One Engine API request without docker-java's commands (for what they cannot send), inside a
     * {@link #call}; a status other than 2xx is thrown as docker-java would throw it.
     *
     * @return the reply's body
     */
    byte[] send(DockerHttpClient.Request.Method method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        DockerHttpClient.Request.Builder request = DockerHttpClient.Request.builder().method(method).path(path)
                .putHeader("Accept", "application/json");
        headers.forEach(request::putHeader);
        if (body != null) {
            request.putHeader("Content-Type", "application/json").body(new ByteArrayInputStream(body));
        }
        try (DockerHttpClient.Response response = http.execute(request.build())) {
            byte[] reply = response.getBody() == null ? new byte[0] : response.getBody().readAllBytes();
            if (response.getStatusCode() / 100 != 2) {
                throw new DockerException(new String(reply, StandardCharsets.UTF_8), response.getStatusCode());
            }
            return reply;
        }
    }

    /** One request with a body of its own (a tarball), inside a {@link #call}; the reply as is. */
    DockerHttpClient.Response execute(DockerHttpClient.Request request) {
        return http.execute(request);
    }

    /** GET on an Engine API path, answered as a JSON tree, inside a {@link #call}. */
    JsonNode getJson(String path) throws IOException {
        return JSON.readTree(send(DockerHttpClient.Request.Method.GET, path, Map.of(), null));
    }

    /** A docker-java model as docker-java's own commands would send it. */
    byte[] dockerJson(Object model) throws IOException {
        return dockerJson.writeValueAsBytes(model);
    }

    /** The {@code X-Registry-Auth} header when credentials are given, else no header. */
    Map<String, String> registryAuthHeader(RegistryCredentials registry) {
        return registry == null ? Map.of() : Map.of("X-Registry-Auth", registryAuth(registry));
    }

    /** Base64url of docker-java's JSON of the credentials, as its own commands send them. */
    private String registryAuth(RegistryCredentials registry) {
        try {
            return Base64.getUrlEncoder().encodeToString(dockerJson(authConfig(registry)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise registry credentials", e);
        }
    }

    static AuthConfig authConfig(RegistryCredentials registry) {
        return new AuthConfig().withUsername(registry.user()).withPassword(registry.password())
                .withRegistryAddress(registry.server());
    }

    /** See {@link DockerEngine#version()}. */
    EngineVersion version() {
        return call("reading the engine version", () -> EngineModels.engineVersion(client.versionCmd().exec()));
    }

    /** See {@link DockerEngine#ping()}. */
    void ping() {
        call("pinging the engine", () -> client.pingCmd().exec());
    }

    /** Releases the connections and the worker threads. Calls after close fail. Idempotent. */
    void close() {
        calls.shutdownNow();
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("closing the client for {} failed", endpoint, e);
        }
    }

    /** A value in a query string. */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
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
