package org.bcm.core.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The monitoring stack's {@code prometheus.yml} (Prometheus 2's configuration file,
 * prometheus.io/docs/prometheus/latest/configuration/configuration/), written at every deploy from
 * what bcm deployed: jobs {@code node} and {@code dockerd} with every tier host (labels {@code host},
 * {@code tier}), one job per {@link MetricsTarget} ({@code <stack>_<service>}, its tasks found by DNS
 * on gateway_metrics), Prometheus and Alertmanager themselves; bcm's rules; Alertmanager. The password
 * of the user {@code bcm} is read from {@value #PASSWORD_FILE}, never written here.
 */
public final class PrometheusConf {

    /** The user Prometheus's and Alertmanager's web servers ask for (basic authentication). */
    public static final String WEB_USER = "bcm";
    /** Where the stack mounts the web password in the Prometheus container. */
    static final String PASSWORD_FILE = "/run/secrets/web_password";
    /** Prometheus's and Alertmanager's ports. */
    public static final int PROMETHEUS_PORT = 9090;
    public static final int ALERTMANAGER_PORT = 9093;

    /** The writer of both generated configurations (this one's and {@link AlertmanagerConf}'s). */
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private PrometheusConf() {
    }

    /** The file's text for project {@code project}. */
    public static String text(String project, Monitored monitored) {
        ObjectNode conf = YAML.createObjectNode();
        ObjectNode global = conf.putObject("global");
        global.put("scrape_interval", "15s");
        global.put("scrape_timeout", "10s");
        global.put("evaluation_interval", "15s");
        global.putObject("external_labels").put("bcm_project", project);
        conf.putArray("rule_files").add("/etc/prometheus/rules/*.yml");
        ObjectNode alertmanager = conf.putObject("alerting").putArray("alertmanagers").addObject();
        authenticated(alertmanager).putArray("static_configs").addObject().putArray("targets").add("alertmanager:" + ALERTMANAGER_PORT);
        ArrayNode jobs = conf.putArray("scrape_configs");
        staticJob(jobs, "prometheus", List.of("localhost:" + PROMETHEUS_PORT), true);
        staticJob(jobs, "alertmanager", List.of("alertmanager:" + ALERTMANAGER_PORT), true);
        hostJob(jobs, "node", monitored.hosts(), TierHost.NODE_EXPORTER_PORT);
        hostJob(jobs, "dockerd", monitored.hosts(), TierHost.DOCKERD_PORT);
        for (MetricsTarget target : monitored.targets()) {
            ObjectNode job = jobs.addObject();
            job.put("job_name", target.job());
            job.put("metrics_path", target.path());
            ObjectNode dns = job.putArray("dns_sd_configs").addObject();
            dns.putArray("names").add("tasks." + target.job());
            dns.put("type", "A");
            dns.put("port", target.port());
            dns.put("refresh_interval", "15s");
        }
        return text("Prometheus", project, conf);
    }

    /** A generated configuration's text: a comment naming what and whose, then the YAML. */
    static String text(String what, String project, ObjectNode conf) {
        try {
            return "# " + what + " of project " + project + ", written by bcm at every deploy (docs/monitoring.md).\n"
                    + YAML.writeValueAsString(conf);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode authenticated(ObjectNode job) {
        job.putObject("basic_auth").put("username", WEB_USER).put("password_file", PASSWORD_FILE);
        return job;
    }

    private static void staticJob(ArrayNode jobs, String name, List<String> targets, boolean authenticated) {
        ObjectNode job = jobs.addObject().put("job_name", name);
        if (authenticated) {
            authenticated(job);
        }
        ArrayNode list = job.putArray("static_configs").addObject().putArray("targets");
        targets.forEach(list::add);
    }

    private static void hostJob(ArrayNode jobs, String name, List<TierHost> hosts, int port) {
        if (hosts.isEmpty()) {
            return;
        }
        ArrayNode configs = jobs.addObject().put("job_name", name).putArray("static_configs");
        for (TierHost host : hosts) {
            ObjectNode config = configs.addObject();
            config.putArray("targets").add(host.address() + ":" + port);
            config.putObject("labels").put("host", host.hostname()).put("tier", host.tier());
        }
    }
}
