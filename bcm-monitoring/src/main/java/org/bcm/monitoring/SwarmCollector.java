package org.bcm.monitoring;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Map;
import org.bcm.swarm.DockerEngine;
import org.bcm.swarm.StackDeployer;
import org.bcm.swarm.SwarmNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The swarm's stacks and nodes as Prometheus metrics, read at each scrape from a manager's Docker
 * Engine API ({@code GET /services}, {@code GET /tasks}, {@code GET /nodes}; read-only calls):
 *
 * <ul>
 *   <li>{@code bcm_swarm_up} 1 when the manager answered, else 0 (and nothing else is reported);
 *   <li>{@code bcm_swarm_service_running_tasks{stack, service}} tasks running (and healthy);
 *   <li>{@code bcm_swarm_service_desired_tasks{stack, service}} tasks the swarm wants now (a {@code docker
 *       service scale} changes it);
 *   <li>{@code bcm_swarm_service_declared_tasks{stack, service}} tasks the stack file asks for (the deploy's
 *       {@code bcm.replicas} label; for a global service, the desired count);
 *   <li>{@code bcm_swarm_node_ready{node, tier, role}} 1 when the node is ready, else 0.
 * </ul>
 *
 * {@code service} is the swarm's name, {@code <stack>_<service>}; {@code node} the node's hostname;
 * {@code tier} its {@code bcm.tier} label.
 */
final class SwarmCollector implements MultiCollector {

    private static final Logger LOG = LoggerFactory.getLogger(SwarmCollector.class);
    private static final String UP = "bcm_swarm_up";
    private static final String UP_HELP = "1 when the swarm manager answered this scrape";

    private final DockerEngine manager;
    private volatile boolean wasUp = true;

    SwarmCollector(DockerEngine manager) {
        this.manager = manager;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, List<StackDeployer.ServiceStatus>> stacks;
        List<SwarmNode> nodes;
        try {
            stacks = new StackDeployer(manager, line -> { }).stacks();
            nodes = manager.nodes();
        } catch (RuntimeException e) {
            if (wasUp) {
                LOG.warn("the swarm manager at {} did not answer: {}", manager.endpoint(), e.getMessage());
            }
            wasUp = false;
            return MetricSnapshots.of(Gauges.of(UP, UP_HELP, 0));
        }
        wasUp = true;
        var running = GaugeSnapshot.builder().name("bcm_swarm_service_running_tasks").help("tasks of the service running (and healthy)");
        var desired = GaugeSnapshot.builder().name("bcm_swarm_service_desired_tasks").help("tasks of the service the swarm wants now");
        var declared = GaugeSnapshot.builder().name("bcm_swarm_service_declared_tasks").help("tasks of the service its stack file asks for");
        stacks.forEach((stack, services) -> services.forEach(service -> {
            Labels labels = Labels.of("stack", stack, "service", service.name());
            running.dataPoint(Gauges.point(service.running(), labels));
            desired.dataPoint(Gauges.point(service.desired(), labels));
            declared.dataPoint(Gauges.point(service.declared(), labels));
        }));
        var ready = GaugeSnapshot.builder().name("bcm_swarm_node_ready").help("1 when the swarm node is ready");
        for (SwarmNode node : nodes) {
            ready.dataPoint(Gauges.point(node.isReady() ? 1 : 0, Labels.of("node", node.hostname(),
                    "tier", node.labels().getOrDefault("bcm.tier", ""), "role", node.role())));
        }
        return MetricSnapshots.of(Gauges.of(UP, UP_HELP, 1), running.build(), desired.build(), declared.build(), ready.build());
    }
}
