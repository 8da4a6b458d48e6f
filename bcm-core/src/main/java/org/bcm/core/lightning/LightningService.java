package org.bcm.core.lightning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.security.SecureRandom;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.port.SwarmEngine;
import org.bcm.core.project.ProjectDefinition;
import org.bcm.core.project.ProjectService;

/**
 * A project's Lightning node as the operator sees it without {@code docker exec}: the node's own CLI
 * ({@code lightning-cli} of Core Lightning, {@code lncli} of lnd) run in its container through the
 * image's {@code bcm-lightning} script, its answer read back through the engine's archive endpoint
 * (what a detached exec prints does not pass every path to the engine; a file in the container does).
 */
public final class LightningService {

    /** The script of both images that runs the node's CLI for bcm (stacks/lightning/images/*.yml). */
    static final String SCRIPT = "bcm-lightning";
    /** The largest answer read back. */
    private static final long MAX_ANSWER = 16L << 20;
    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ProjectService projects;

    public LightningService(ProjectService projects) {
        this.projects = projects;
    }

    /**
     * What {@code bcm lightning} shows, and what the node's CLI answers for it.
     *
     * @param command the CLI's command: Core Lightning's, then lnd's
     */
    public enum View {
        INFO("getinfo", "getinfo"),
        ADDRESS("newaddr", "newaddress p2tr"),
        PEERS("listpeers", "listpeers"),
        CHANNELS("listpeerchannels", "listchannels");

        private final String cln;
        private final String lnd;

        View(String cln, String lnd) {
            this.cln = cln;
            this.lnd = lnd;
        }

        /** The node CLI's command line for this view. */
        public String command(LightningNode.Implementation implementation) {
            return (implementation == LightningNode.Implementation.CLN ? "lightning-cli " + cln : "lncli " + lnd);
        }

        /** Its name in {@code bcm lightning} and in the image's script. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The project's Lightning node.
     *
     * @throws BcmException NOT_FOUND when the project does not exist or has no lightning stack
     */
    public LightningNode node(String project) {
        ProjectDefinition definition = projects.definition(project);
        return LightningNode.of(definition).orElseThrow(() -> new BcmException(Kind.NOT_FOUND, "Project '" + project
                + "' has no lightning stack", "create a project with it: bcm project create ... --stacks=gateway,bitcoin,lightning"));
    }

    /**
     * The node's answer for {@code view} (the JSON its CLI printed).
     *
     * @param cluster the cluster, or null for the only one the project is deployed on
     * @throws BcmException NOT_FOUND (project, lightning stack, no running node), DOCKER_FAILED when the
     *     node's CLI fails (its message is in this one) or prints no JSON, or as {@link ProjectService#onRunningTask}
     */
    public JsonNode view(String project, String cluster, View view) {
        LightningNode node = node(project);
        return run(project, cluster, node, view.word(), null, null);
    }

    /**
     * Runs {@code bcm-lightning WORD OUT [FILE]} in the node's container, with {@code input} written to
     * FILE first when given, and reads the JSON it wrote to OUT; removes what it wrote.
     */
    JsonNode run(String project, String cluster, LightningNode node, String word, byte[] input, String what) {
        String out = "/tmp/bcm-" + HexFormat.of().formatHex(randomBytes());
        String service = node.implementation().service();
        return projects.onRunningTask(project, cluster, LightningNode.STACK, service, (engine, container) -> {
            try {
                List<String> command = input == null ? List.of(SCRIPT, word, out) : List.of(SCRIPT, word, out, out + ".in");
                if (input != null) {
                    engine.writeFile(container, out + ".in", input, 0, 0, 0600);
                }
                int exit = engine.execute(container, command, CLI_TIMEOUT);
                if (exit != 0) {
                    String error = engine.readFile(container, out + ".err", MAX_ANSWER).map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8).strip())
                            .filter(s -> !s.isEmpty()).orElse("no message");
                    throw new BcmException(Kind.DOCKER_FAILED, "The Lightning node (" + LightningNode.STACK + "_" + service + ") refused "
                            + (what == null ? "'" + word + "'" : what) + " (exit code " + exit + "): " + error,
                            "see the node's log: docker service logs " + LightningNode.STACK + "_" + service + " on the gateway host");
                }
                byte[] answer = engine.readFile(container, out, MAX_ANSWER).orElseThrow(() -> new BcmException(Kind.DOCKER_FAILED,
                        "The Lightning node's " + SCRIPT + " wrote no answer to " + out, "see the node's log"));
                return answer.length == 0 ? JSON.createObjectNode() : JSON.readTree(answer);
            } catch (IOException e) {
                throw new BcmException(Kind.DOCKER_FAILED, "The Lightning node's answer to '" + word + "' is not JSON: " + e.getMessage(),
                        "see the node's log", e);
            } finally {
                cleanUp(engine, container, out);
            }
        });
    }

    private static void cleanUp(SwarmEngine engine, String container, String out) {
        try {
            engine.execute(container, List.of("rm", "-f", out, out + ".err", out + ".tmp", out + ".in"), CLI_TIMEOUT);
        } catch (RuntimeException e) {
            // best effort: what is left is in the container's /tmp, which goes with the container (a channel
            // backup there is the node's own file, encrypted by the node)
        }
    }

    /** When the project was created: a project made again under the same name has another node secret. */
    java.time.Instant projectCreated(String project) {
        return projects.definition(project).createdAt();
    }

    /**
     * The node's secret as the project keeps it: Core Lightning's {@code hsm_secret} (64 hex digits),
     * lnd's root key and its birthday ({@code KEY UNIXTIME}); the device decrypts it once there is an
     * identity. (Its copy in the container is a swarm secret, on a tmpfs the engine's archive endpoint
     * does not read.)
     *
     * @return empty when the project has not generated it (never deployed)
     */
    Optional<byte[]> nodeSecret(String project, LightningNode node) {
        return projects.generatedSecret(project, LightningNode.STACK,
                node.implementation() == LightningNode.Implementation.CLN ? "hsm_secret" : "root_key");
    }

    /**
     * A file of the node's container (its static channel backup) on its volume or in its writable
     * layer, read through the engine; empty when the node has not written it yet.
     */
    Optional<byte[]> readFile(String project, String cluster, LightningNode node, String path) {
        return projects.onRunningTask(project, cluster, LightningNode.STACK, node.implementation().service(),
                (engine, container) -> engine.readFile(container, path, MAX_ANSWER));
    }

    /**
     * Tells the lightning stack's exporter which static channel backup bcm's newest backup holds: writes
     * {@code {"sha256": "<first 16 hex digits of the file's SHA-256>", "taken": <Unix seconds>}} as
     * {@value #BACKUP_RECORD} on the node's metrics volume (mode 0600, owned by the exporter's uid
     * {@value #EXPORTER_UID}), where the node's healthcheck leaves the file's own hash and time.
     *
     * @throws BcmException as {@link ProjectService#onRunningTask}; DOCKER_FAILED when it cannot be written
     *     (a node deployed before its stack had the metrics volume: deploy the project again)
     */
    void recordBackup(String project, String cluster, LightningNode node, String sha256, java.time.Instant taken) {
        byte[] record = JSON.createObjectNode().put("sha256", sha256).put("taken", taken.getEpochSecond()).toString()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        projects.onRunningTask(project, cluster, LightningNode.STACK, node.implementation().service(), (engine, container) -> {
            engine.writeFile(container, BACKUP_RECORD, record, EXPORTER_UID, EXPORTER_UID, 0600);
            return null;
        });
    }

    /** What {@link #recordBackup} writes: on the lightning stack's metrics volume, which its exporter reads. */
    static final String BACKUP_RECORD = "/run/bcm-metrics/backup.json";
    /** The exporters image's user (stacks/monitoring/images/exporters.yml). */
    static final int EXPORTER_UID = 65534;

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
