package org.bcm.core.monitoring;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.Map;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * The monitoring stack's {@code alertmanager.yml} (Alertmanager's configuration file,
 * prometheus.io/docs/alerting/latest/configuration/): every alert goes to each receiver the project
 * has, and the root route's receiver {@code none} sends nowhere:
 *
 * <ul>
 *   <li>{@code kafka}: the monitoring stack's receiver into the topic {@code bcm.alerts}, when the
 *       project includes the kafka stack;
 *   <li>{@code webhook}: the stack's {@code WEBHOOK_URL} (Alertmanager's webhook payload, version 4);
 *   <li>{@code email}: to {@code EMAIL_TO} from {@code EMAIL_FROM} through {@code SMTP_SMARTHOST}.
 * </ul>
 *
 * Resolved alerts are sent too.
 */
public final class AlertmanagerConf {

    /** The receiver into Kafka (the monitoring stack's {@code alerts} service). */
    static final String KAFKA_RECEIVER_URL = "http://alerts:9334/";

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");
    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.-]+:[0-9]{1,5}");

    private AlertmanagerConf() {
    }

    /**
     * The file's text.
     *
     * @param settings the monitoring stack's settings as the project sets them (absent: default)
     * @param kafka    whether the project includes the kafka stack
     * @throws BcmException INVALID_INPUT for a WEBHOOK_URL that is no http(s) URL, an EMAIL_TO that is no
     *     address, or an EMAIL_TO without a HOST:PORT SMTP_SMARTHOST
     */
    public static String text(String project, Map<String, String> settings, boolean kafka) {
        String webhook = settings.getOrDefault("WEBHOOK_URL", "").strip();
        String to = settings.getOrDefault("EMAIL_TO", "").strip();
        String smarthost = settings.getOrDefault("SMTP_SMARTHOST", "").strip();
        String from = settings.getOrDefault("EMAIL_FROM", "bcm@localhost").strip();
        if (!webhook.isEmpty()) {
            URI uri;
            try {
                uri = URI.create(webhook);
            } catch (IllegalArgumentException e) {
                uri = null;
            }
            if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw invalid(project, "monitoring.WEBHOOK_URL '" + webhook + "' is not an http:// or https:// URL", "WEBHOOK_URL=https://...");
            }
        }
        if (!to.isEmpty() && !EMAIL.matcher(to).matches()) {
            throw invalid(project, "monitoring.EMAIL_TO '" + to + "' is not an e-mail address", "EMAIL_TO=you@example.org");
        }
        if (!to.isEmpty() && !HOST_PORT.matcher(smarthost).matches()) {
            throw invalid(project, "monitoring.EMAIL_TO is set but monitoring.SMTP_SMARTHOST '" + smarthost + "' is not HOST:PORT",
                    "SMTP_SMARTHOST=mail.example.org:587");
        }
        if (!to.isEmpty() && !EMAIL.matcher(from).matches()) {
            throw invalid(project, "monitoring.EMAIL_FROM '" + from + "' is not an e-mail address", "EMAIL_FROM=bcm@example.org");
        }
        ObjectNode conf = PrometheusConf.YAML.createObjectNode();
        ObjectNode global = conf.putObject("global").put("resolve_timeout", "5m");
        if (!to.isEmpty()) {
            global.put("smtp_smarthost", smarthost).put("smtp_from", from);
        }
        ObjectNode route = conf.putObject("route");
        route.put("receiver", "none");
        route.putArray("group_by").add("alertname").add("service").add("host");
        route.put("group_wait", "10s").put("group_interval", "1m").put("repeat_interval", "4h");
        ArrayNode routes = route.putArray("routes");
        ArrayNode receivers = conf.putArray("receivers");
        receivers.addObject().put("name", "none");
        if (kafka) {
            receiver(routes, receivers, "kafka").putArray("webhook_configs").addObject()
                    .put("url", KAFKA_RECEIVER_URL).put("send_resolved", true);
        }
        if (!webhook.isEmpty()) {
            receiver(routes, receivers, "webhook").putArray("webhook_configs").addObject()
                    .put("url", webhook).put("send_resolved", true);
        }
        if (!to.isEmpty()) {
            receiver(routes, receivers, "email").putArray("email_configs").addObject()
                    .put("to", to).put("send_resolved", true);
        }
        return PrometheusConf.text("Alertmanager", project, conf);
    }

    private static ObjectNode receiver(ArrayNode routes, ArrayNode receivers, String name) {
        routes.addObject().put("receiver", name).put("continue", true);
        return receivers.addObject().put("name", name);
    }

    private static BcmException invalid(String project, String problem, String example) {
        return new BcmException(Kind.INVALID_INPUT, "Project '" + project + "': " + problem,
                "bcm project set --project-name=" + project + " monitoring." + example);
    }
}
