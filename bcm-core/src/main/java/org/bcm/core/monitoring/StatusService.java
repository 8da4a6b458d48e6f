package org.bcm.core.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.cluster.Tier;
import org.bcm.core.project.ProjectService;

/**
 * {@code bcm status}: a deployed project's cluster as the monitoring stack sees it, read on the
 * controller from Prometheus's HTTP API ({@code GET /api/v1/query}, instant queries) and Alertmanager's
 * ({@code GET /api/v2/alerts}), both published on the kafka tier host and asking for the user
 * {@value PrometheusConf#WEB_USER} and the password bcm generated (docs/monitoring.md).
 */
public final class StatusService {

    /** The stack that runs Prometheus and Alertmanager. */
    public static final String STACK = "monitoring";
    /** The generated secret of the monitoring stack that is the web password. */
    static final String PASSWORD_SECRET = "web_password";
    /** How long Prometheus and Alertmanager may take to answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProjectService projects;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public StatusService(ProjectService projects) {
        this.projects = projects;
    }

    /** Where the monitoring stack of a deployment answers, and its password. */
    record Endpoints(URI prometheus, URI alertmanager, String authorization) {
    }

    /** The endpoints of a deployment, checked once ({@code --watch} reads them again and again). */
    Endpoints endpoints(String project, String cluster) {
        String address = projects.onDeployment(project, cluster, engines -> {
            if (!ProjectService.deployedStacks(project, engines).contains(STACK)) {
                throw new BcmException(Kind.NOT_FOUND, "Project '" + project + "' has no monitoring stack deployed",
                        "add it and deploy: bcm project add-stack --project-name=" + project + " --stack=" + STACK
                                + "; bcm project deploy --project-name=" + project);
            }
            return ProjectService.tierAddress(engines, Tier.KAFKA);
        });
        String password = new String(projects.generatedSecret(project, STACK, PASSWORD_SECRET).orElseThrow(() ->
                new BcmException(Kind.NOT_FOUND, "Project '" + project + "' has no password for its monitoring stack",
                        "deploy it again: bcm project deploy --project-name=" + project)), StandardCharsets.US_ASCII).strip();
        String authorization = "Basic " + Base64.getEncoder().encodeToString((PrometheusConf.WEB_USER + ":" + password)
                .getBytes(StandardCharsets.US_ASCII));
        return new Endpoints(URI.create("http://" + address + ":" + PrometheusConf.PROMETHEUS_PORT),
                URI.create("http://" + address + ":" + PrometheusConf.ALERTMANAGER_PORT), authorization);
    }

    /**
     * A reader of a deployment's status now, called once or, for {@code --watch}, again and again: finds
     * the endpoints once.
     *
     * @param cluster the cluster, or null for the one the project is deployed on
     * @throws BcmException NOT_FOUND (project, not deployed, no monitoring stack deployed), DOCKER_FAILED; the
     *     reader: TIMEOUT (Prometheus or Alertmanager does not answer), VERIFY_FAILED (the password refused)
     */
    public java.util.function.Supplier<ClusterStatus> watcher(String project, String cluster) {
        Endpoints endpoints = endpoints(project, cluster);
        return () -> read(endpoints);
    }

    ClusterStatus read(Endpoints at) {
        Map<String, Map<String, String>> hostLabels = new TreeMap<>();
        Map<String, Boolean> up = new HashMap<>();
        for (Sample s : query(at, "up{job=\"node\"}")) {
            hostLabels.put(s.labels().get("host"), s.labels());
            up.put(s.labels().get("host"), s.value() == 1);
        }
        Map<String, Double> cpu = byHost(at, "1 - avg by (host) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))");
        Map<String, Double> total = byHost(at, "node_memory_MemTotal_bytes");
        Map<String, Double> available = byHost(at, "node_memory_MemAvailable_bytes");
        Map<String, Double> disk = byHost(at, "max by (host) (1 - node_filesystem_avail_bytes{fstype!~\"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs\"}"
                + " / node_filesystem_size_bytes{fstype!~\"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs\"})");
        List<ClusterStatus.Host> hosts = new ArrayList<>();
        hostLabels.forEach((host, labels) -> hosts.add(new ClusterStatus.Host(host, labels.getOrDefault("tier", ""), up.get(host),
                cpu.getOrDefault(host, Double.NaN),
                total.containsKey(host) && available.containsKey(host) ? (long) (total.get(host) - available.get(host)) : -1,
                total.containsKey(host) ? total.get(host).longValue() : -1, disk.getOrDefault(host, Double.NaN))));

        Map<String, Map<String, int[]>> services = new TreeMap<>();
        for (Sample s : query(at, "bcm_swarm_service_running_tasks")) {
            services.computeIfAbsent(s.labels().get("stack"), k -> new TreeMap<>())
                    .computeIfAbsent(s.labels().get("service"), k -> new int[2])[0] = (int) s.value();
        }
        for (Sample s : query(at, "bcm_swarm_service_declared_tasks")) {
            services.computeIfAbsent(s.labels().get("stack"), k -> new TreeMap<>())
                    .computeIfAbsent(s.labels().get("service"), k -> new int[2])[1] = (int) s.value();
        }
        Map<String, List<ClusterStatus.Service>> stacks = new TreeMap<>();
        services.forEach((stack, byName) -> byName.forEach((name, counts) ->
                stacks.computeIfAbsent(stack, k -> new ArrayList<>()).add(new ClusterStatus.Service(name, counts[0], counts[1]))));

        ClusterStatus.Node node = null;
        Metrics bitcoind = metrics(at, "bitcoind_(up|info|blocks|headers|verification_progress|peers)");
        if (bitcoind.has("bitcoind_up")) {
            node = new ClusterStatus.Node(bitcoind.value("bitcoind_up") == 1, bitcoind.label("bitcoind_info", "chain"),
                    (long) bitcoind.value("bitcoind_blocks"), (long) bitcoind.value("bitcoind_headers"),
                    bitcoind.value("bitcoind_verification_progress"), (int) bitcoind.value("bitcoind_peers", "direction", "in"),
                    (int) bitcoind.value("bitcoind_peers", "direction", "out"));
        }
        ClusterStatus.Lightning lightning = null;
        Metrics ln = metrics(at, "lightning_(up|info|block_height|synced_to_chain|peers|channels)");
        if (ln.has("lightning_up")) {
            lightning = new ClusterStatus.Lightning(ln.value("lightning_up") == 1, ln.label("lightning_info", "implementation"),
                    ln.label("lightning_info", "version"), (long) ln.value("lightning_block_height"), ln.value("lightning_synced_to_chain") == 1,
                    (int) ln.value("lightning_peers"), count(ln.value("lightning_channels", "state", "active")),
                    count(ln.value("lightning_channels", "state", "inactive")), count(ln.value("lightning_channels", "state", "pending")));
        }

        List<ClusterStatus.Alert> alerts = new ArrayList<>();
        for (JsonNode alert : get(at.alertmanager().resolve("/api/v2/alerts?active=true&silenced=false&inhibited=false"),
                at.authorization(), "Alertmanager")) {
            Map<String, String> labels = new TreeMap<>();
            alert.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
            alerts.add(new ClusterStatus.Alert(labels.getOrDefault("alertname", ""), labels.getOrDefault("severity", ""),
                    alert.path("annotations").path("summary").asText(""), Instant.parse(alert.path("startsAt").asText()), labels));
        }
        alerts.sort(Comparator.comparing(ClusterStatus.Alert::since).thenComparing(ClusterStatus.Alert::name));
        return new ClusterStatus(Instant.now(), hosts, stacks, node, lightning, alerts);
    }

    /** One sample of an instant vector. */
    record Sample(Map<String, String> labels, double value) {
    }

    private List<Sample> query(Endpoints at, String promql) {
        JsonNode data = get(at.prometheus().resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)),
                at.authorization(), "Prometheus");
        List<Sample> samples = new ArrayList<>();
        for (JsonNode result : data.path("result")) {
            Map<String, String> labels = new TreeMap<>();
            result.path("metric").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
            samples.add(new Sample(labels, Double.parseDouble(result.path("value").path(1).asText("NaN"))));
        }
        return samples;
    }

    /** An exporter's samples of one query, by metric name. */
    record Metrics(Map<String, List<Sample>> byName) {

        boolean has(String name) {
            return byName.containsKey(name);
        }

        /** The first sample's value, NaN when there is none (a NaN cast to a count is 0). */
        double value(String name) {
            List<Sample> samples = byName.getOrDefault(name, List.of());
            return samples.isEmpty() ? Double.NaN : samples.get(0).value();
        }

        /** The value of the sample whose {@code label} is {@code value}, NaN when there is none. */
        double value(String name, String label, String value) {
            return byName.getOrDefault(name, List.of()).stream().filter(s -> value.equals(s.labels().get(label)))
                    .mapToDouble(Sample::value).findFirst().orElse(Double.NaN);
        }

        /** A label of the first sample, empty when there is none. */
        String label(String name, String label) {
            List<Sample> samples = byName.getOrDefault(name, List.of());
            return samples.isEmpty() ? "" : samples.get(0).labels().getOrDefault(label, "");
        }
    }

    /** A count, or -1 when the exporter did not report it (NaN). */
    private static int count(double value) {
        return Double.isNaN(value) ? -1 : (int) value;
    }

    /** The samples of every metric whose name matches {@code nameRegex}, in one query. */
    private Metrics metrics(Endpoints at, String nameRegex) {
        Map<String, List<Sample>> byName = new HashMap<>();
        for (Sample s : query(at, "{__name__=~\"" + nameRegex + "\"}")) {
            byName.computeIfAbsent(s.labels().get("__name__"), k -> new ArrayList<>()).add(s);
        }
        return new Metrics(byName);
    }

    private Map<String, Double> byHost(Endpoints at, String promql) {
        Map<String, Double> values = new HashMap<>();
        query(at, promql).forEach(s -> values.put(s.labels().get("host"), s.value()));
        return values;
    }

    /**
     * A GET of the API: Prometheus's {@code data} (status success), or Alertmanager's body.
     *
     * @throws BcmException TIMEOUT when it does not answer, INTERNAL when it answers with an error
     */
    private JsonNode get(URI uri, String authorization, String what) {
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Authorization", authorization).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BcmException(Kind.TIMEOUT, what + " at " + uri.getHost() + ":" + uri.getPort() + " did not answer ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")",
                    "check the monitoring stack: bcm stack list; its logs: bcm logs --stack=" + STACK, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BcmException(Kind.TIMEOUT, what + " was not read: interrupted", "run bcm status again", e);
        }
        if (response.statusCode() == 401) {
            throw new BcmException(Kind.VERIFY_FAILED, what + " at " + uri.getHost() + ":" + uri.getPort()
                    + " refused bcm's password", "deploy the project again: bcm project deploy (it gives the monitoring stack its web configuration)");
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() != 200 || body == null) {
            throw new BcmException(Kind.INTERNAL, what + " answered HTTP " + response.statusCode() + " to " + uri.getPath(),
                    "see its log: bcm logs --stack=" + STACK);
        }
        return what.equals("Prometheus") ? body.path("data") : body;
    }
}
