package org.bcm.swarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Images on this engine and in registries: lookup, the registry's digest, import of a rootfs, push. */
final class EngineImages {

    private static final Logger LOG = LoggerFactory.getLogger(DockerEngine.class);

    private final EngineConnection engine;

    EngineImages(EngineConnection engine) {
        this.engine = engine;
    }

    boolean has(String reference) {
        try {
            engine.call("inspecting image " + reference, () -> engine.client().inspectImageCmd(reference).exec());
            return true;
        } catch (DockerEngineException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
    }

    /** Empty when the registry refuses or is down; {@link DockerEngineUnavailableException} passes. */
    Optional<String> registryDigest(String reference, RegistryCredentials registry) {
        Map<String, String> headers = engine.registryAuthHeader(registry);
        try {
            return engine.call("asking the registry for " + reference, () -> {
                JsonNode digest = EngineConnection.JSON.readTree(engine.send(DockerHttpClient.Request.Method.GET,
                        "/distribution/" + reference + "/json", headers, null)).path("Descriptor").path("digest");
                return digest.isTextual() ? Optional.of(digest.asText()) : Optional.<String>empty();
            });
        } catch (DockerEngineException e) {
            if (e instanceof DockerEngineUnavailableException) {
                throw e;
            }
            LOG.debug("{} has no {}: {}", engine.endpoint(), reference, e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code POST /images/create?fromSrc=-}, the tarball streamed from disk; failures in the reply's stream count. */
    void importRootfs(Path rootfsTar, String repository, String tag, List<String> changes, Duration timeout) {
        StringBuilder path = new StringBuilder("/images/create?fromSrc=-&repo=")
                .append(EngineConnection.encode(repository)).append("&tag=").append(EngineConnection.encode(tag));
        changes.forEach(change -> path.append("&changes=").append(EngineConnection.encode(change)));
        String action = "importing " + rootfsTar.getFileName() + " as " + repository + ":" + tag;
        engine.call(action, timeout, () -> {
            try (InputStream body = Files.newInputStream(rootfsTar)) {
                DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                        .method(DockerHttpClient.Request.Method.POST)
                        .path(path.toString())
                        .putHeader("Content-Type", "application/x-tar")
                        .body(body)
                        .build();
                try (DockerHttpClient.Response response = engine.execute(request)) {
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

    void push(String repository, String tag, RegistryCredentials registry, Duration timeout) {
        engine.call("pushing " + repository + ":" + tag, timeout, () -> {
            List<String> errors = new ArrayList<>();
            var push = engine.client().pushImageCmd(repository).withTag(tag);
            if (registry != null) {
                push.withAuthConfig(EngineConnection.authConfig(registry));
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
                JsonNode message = EngineConnection.JSON.readTree(line);
                if (message.hasNonNull("error")) {
                    return message.get("error").asText();
                }
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }
}
