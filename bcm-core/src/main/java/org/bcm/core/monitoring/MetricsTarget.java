package org.bcm.core.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.stack.StackDefinition;
import org.bcm.swarm.StackSpec;

/**
 * A service that serves Prometheus metrics, as its stack declares it: {@code x-bcm-metrics: {port: N,
 * path: /metrics}} on the service, which joins the network {@value #NETWORK}. Prometheus finds its
 * tasks by DNS ({@code tasks.<stack>_<service>}, type A) and scrapes each.
 *
 * @param stack   the stack's name
 * @param service the service's name in the stack file
 * @param port    TCP port of the metrics endpoint, 1 to 65535
 * @param path    its HTTP path, default {@code /metrics}
 */
public record MetricsTarget(String stack, String service, int port, String path) {

    /** The overlay network (the gateway stack's) on which Prometheus reaches every target. */
    public static final String NETWORK = "gateway_metrics";

    /** The swarm's name of the service, {@code <stack>_<service>}: Prometheus's job. */
    public String job() {
        return stack + "_" + service;
    }

    /**
     * The targets a parsed stack declares.
     *
     * @throws BcmException INVALID_INPUT for a malformed {@code x-bcm-metrics} or a service off {@value #NETWORK}
     */
    public static List<MetricsTarget> declared(StackDefinition stack, StackSpec spec) {
        List<MetricsTarget> targets = new ArrayList<>();
        for (StackSpec.Service service : spec.services().values()) {
            JsonNode metrics = service.extensions().get("x-bcm-metrics");
            if (metrics == null) {
                continue;
            }
            int port = metrics.path("port").asInt(0);
            String path = metrics.path("path").asText("/metrics");
            if (!metrics.isObject() || port < 1 || port > 65535 || !path.startsWith("/")) {
                throw invalid(stack, service, "x-bcm-metrics must be {port: 1-65535, path: /...}");
            }
            boolean onNetwork = service.networks().stream().map(attachment -> spec.networks().get(attachment.network()))
                    .anyMatch(network -> network != null && network.external() && NETWORK.equals(network.externalName()));
            if (!onNetwork) {
                throw invalid(stack, service, "declares x-bcm-metrics but does not join the external network " + NETWORK);
            }
            targets.add(new MetricsTarget(stack.name(), service.name(), port, path));
        }
        return targets;
    }

    private static BcmException invalid(StackDefinition stack, StackSpec.Service service, String problem) {
        return new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": service " + service.name() + " " + problem,
                "fix " + stack.dir().resolve("stack.yml"));
    }
}
