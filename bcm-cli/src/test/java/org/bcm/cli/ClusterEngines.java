package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end-to-end tests' view of a cluster's Docker engines, through the sockets bcm's LXD proxy
 * devices expose in the bcm home: a docker-java client per tier host, the services' versions and
 * images, and a container run on an overlay network of a tier host (a client of a stack's services,
 * as another stack's task would be).
 *
 * <p>docker-java comes through bcm-core (bcm-swarm) at compile scope: declaring it here with test scope
 * would drop it from the distribution.
 *
 * @param home    the bcm home of the test
 * @param cluster the cluster's name
 * @param project the project deployed on it (its registry password is in {@code projects/P/secrets})
 */
record ClusterEngines(Path home, String cluster, String project) {

    /** A docker-java client of a tier host's engine. */
    DockerClient docker(String instance) {
        URI socket = URI.create("unix://" + home.resolve("clusters/" + cluster + "/docker/" + instance + ".sock"));
        var http = new ApacheDockerHttpClient.Builder().dockerHost(socket).responseTimeout(Duration.ofMinutes(2)).build();
        var config = new DefaultDockerClientConfig.Builder().withDockerHost(socket.toString())
                .withApiVersion(RemoteApiVersion.UNKNOWN_VERSION).build();
        return DockerClientImpl.getInstance(config, http);
    }

    /** Every service's version on the swarm (an update raises it), by name. */
    Map<String, Long> serviceVersions() throws Exception {
        Map<String, Long> versions = new TreeMap<>();
        try (DockerClient docker = docker("bcm-gateway-01")) {
            for (Service service : docker.listServicesCmd().exec()) {
                versions.put(service.getSpec().getName(), service.getVersion().getIndex());
            }
        }
        return versions;
    }

    /** The image a service runs. */
    String image(String service) throws Exception {
        try (DockerClient docker = docker("bcm-gateway-01")) {
            return docker.listServicesCmd().withNameFilter(List.of(service)).exec().stream()
                    .filter(s -> s.getSpec().getName().equals(service)).findFirst().orElseThrow()
                    .getSpec().getTaskTemplate().getContainerSpec().getImage();
        }
    }

    /** The cluster registry's password, as bcm generated it for the project (a home without an identity). */
    String registryPassword() throws Exception {
        return Files.readString(home.resolve("projects/" + project + "/secrets/gateway/registry_password"));
    }

    /**
     * Runs a bash script in a container on the overlay network {@code network}, on the given tier host,
     * after pulling the image there from the cluster registry with bcm's credentials; returns its output.
     * (Logs, not attach: attach does not pass the LXD proxy device.)
     *
     * @param image a reference pinned by digest, {@code 127.0.0.1:5000/bcm/NAME:TAG@sha256:DIGEST}
     */
    String runOnOverlay(String instance, String network, String image, String script, Map<String, String> env) throws Exception {
        return runOnOverlay(instance, network, image, script, env, Duration.ofSeconds(120));
    }

    /** {@link #runOnOverlay(String, String, String, String, Map)}, the script given {@code timeout} to end. */
    String runOnOverlay(String instance, String network, String image, String script, Map<String, String> env, Duration timeout)
            throws Exception {
        try (DockerClient docker = docker(instance)) {
            Matcher reference = Pattern.compile("(.*):[0-9a-f]{12}@(sha256:[0-9a-f]{64})").matcher(image);
            assertThat(reference.matches()).as(image).isTrue();
            docker.pullImageCmd(reference.group(1)).withTag(reference.group(2))
                    .withAuthConfig(new AuthConfig().withUsername("bcm").withPassword(registryPassword())
                            .withRegistryAddress("127.0.0.1:5000"))
                    .exec(new PullImageResultCallback()).awaitCompletion(5, TimeUnit.MINUTES);
            String id = docker.createContainerCmd(image)
                    .withEntrypoint("bash", "-c", script)
                    .withEnv(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode(network))
                    .exec().getId();
            try {
                docker.startContainerCmd(id).exec();
                docker.waitContainerCmd(id).start().awaitStatusCode(timeout.toSeconds(), TimeUnit.SECONDS);
                StringBuilder output = new StringBuilder();
                docker.logContainerCmd(id).withStdOut(true).withStdErr(true)
                        .exec(new ResultCallback.Adapter<Frame>() {
                            @Override
                            public void onNext(Frame frame) {
                                output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                            }
                        }).awaitCompletion(30, TimeUnit.SECONDS);
                System.out.println("container on " + network + " said:\n" + output);
                return output.toString();
            } finally {
                docker.removeContainerCmd(id).withForce(true).exec();
            }
        }
    }

    /**
     * A file of the running task of {@code service} on a tier host (its engine's archive endpoint: a plain
     * request, which the proxy device passes).
     */
    String readFile(String instance, String service, String path) throws Exception {
        String id = containerOf(instance, service);
        try (DockerClient docker = docker(instance)) {
            try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                    docker.copyArchiveFromContainerCmd(id, path).exec())) {
                tar.getNextEntry();
                return new String(tar.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * Writes a file into the running task of {@code service} on a tier host, as its user root (the
     * engine's archive endpoint); where a volume is mounted, the file is in the volume.
     */
    void writeFile(String instance, String service, String path, byte[] content) throws Exception {
        String id = containerOf(instance, service);
        var bytes = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes)) {
            var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(path.substring(path.lastIndexOf('/') + 1));
            entry.setSize(content.length);
            entry.setMode(0100644);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        try (DockerClient docker = docker(instance)) {
            docker.copyArchiveToContainerCmd(id).withRemotePath(path.substring(0, path.lastIndexOf('/')))
                    .withTarInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())).exec();
        }
    }

    /**
     * Runs {@code script} with {@code sh -c} in the running task of {@code service} on a tier host and
     * returns what it printed (standard output and error) when it exits 0; fails with it otherwise. The
     * exec is detached and its output written to files in the container, read back through the archive
     * endpoint: attached exec output does not pass the LXD proxy device.
     */
    String shell(String instance, String service, String script) throws Exception {
        String id = containerOf(instance, service);
        String run = "/tmp/it-" + System.nanoTime();
        try (DockerClient docker = docker(instance)) {
            String exec = docker.execCreateCmd(id).withCmd("sh", "-c", "( " + script + " ) > " + run + ".out 2>&1; echo $? > " + run + ".rc")
                    .exec().getId();
            docker.execStartCmd(exec).withDetach(true).exec(new ResultCallback.Adapter<>()).awaitCompletion(10, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            try {
                String rc = readFile(instance, service, run + ".rc").strip();
                String out = readFile(instance, service, run + ".out");
                if (!rc.equals("0")) {
                    throw new AssertionError("'" + script + "' in " + service + " exited " + rc + ": " + out);
                }
                return out;
            } catch (com.github.dockerjava.api.exception.NotFoundException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("'" + script + "' in " + service + " did not end within 5 minutes");
                }
                Thread.sleep(200);
            }
        }
    }

    /** The log of the running task of {@code service} on a tier host, so far. */
    String logs(String instance, String service) throws Exception {
        String id = containerOf(instance, service);
        StringBuilder output = new StringBuilder();
        try (DockerClient docker = docker(instance)) {
            docker.logContainerCmd(id).withStdOut(true).withStdErr(true).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                }
            }).awaitCompletion(30, TimeUnit.SECONDS);
        }
        return output.toString();
    }

    /** The id of the running task's container of {@code service} on a tier host. */
    String containerOf(String instance, String service) throws Exception {
        try (DockerClient docker = docker(instance)) {
            return docker.listContainersCmd().withLabelFilter(Map.of("com.docker.swarm.service.name", service)).exec()
                    .stream().findFirst().orElseThrow(() -> new AssertionError("no task of " + service + " on " + instance)).getId();
        }
    }

    /**
     * A JSON-RPC call over HTTP/1.0 with basic authentication, from a container on the kafka tier host
     * on the overlay network {@code network}, to {@code host:port}.
     *
     * @return {@code "STATUS BODY"}: the HTTP status code and the body's last line
     */
    String jsonRpc(String network, String host, int port, String user, String password, String body) throws Exception {
        String script = """
                auth=$(printf '%s:%s' "$RPC_USER" "$RPC_PASSWORD" | base64 -w0)
                exec 3<>/dev/tcp/$RPC_HOST/$RPC_PORT
                printf 'POST / HTTP/1.0\\r\\nAuthorization: Basic %s\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\n\\r\\n%s' "$auth" "${#BODY}" "$BODY" >&3
                response=$(cat <&3)
                status=$(printf '%s\\n' "$response" | head -n1 | cut -d' ' -f2)
                body=$(printf '%s\\n' "$response" | tail -n1)
                echo "$status $body"
                """;
        return runOnOverlay("bcm-kafka-01", network, image("gateway_tor"), script, Map.of("RPC_HOST", host,
                "RPC_PORT", String.valueOf(port), "RPC_USER", user, "RPC_PASSWORD", password, "BODY", body)).strip();
    }
}
