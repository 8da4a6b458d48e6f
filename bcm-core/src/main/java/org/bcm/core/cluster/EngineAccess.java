package org.bcm.core.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.cluster.ClusterLayout.TierHost;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.Ports;
import org.bcm.core.port.SwarmEngine;
import org.bcm.lxd.Instance;

/** Opens the {@link Engines} of a running cluster for the project commands. */
final class EngineAccess {

    private final ClusterStore store;
    private final Ports ports;

    EngineAccess(ClusterStore store, Ports ports) {
        this.store = store;
        this.ports = ports;
    }

    /**
     * Connects to every tier host's engine and checks that the manager answers. The returned
     * {@link Engines} own {@code lxd} (closed with them): a remote endpoint's relays need it.
     *
     * @param runningOnly leave out the tier hosts that are not running (for {@code cull}, which looks
     *                    for them) instead of refusing; the manager must run either way
     * @throws BcmException NOT_FOUND (no definition or no LXD project), DOCKER_FAILED (a tier host not
     *     running, the manager not answering), INVALID_INPUT (no gateway host)
     */
    Engines open(InstanceServer lxd, ClusterDefinition definition, boolean runningOnly) {
        String name = definition.name();
        ClusterLayout layout = new ClusterLayout(name);
        if (lxd.lxdProject(layout.lxdProject()).filter(p -> layout.owns(p.config())).isEmpty()) {
            throw new BcmException(Kind.NOT_FOUND, "Cluster '" + name + "' is defined but has no LXD project",
                    "run 'bcm cluster create --cluster-name=" + name + "' to converge it");
        }
        InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
        TierHostEngines opener = new TierHostEngines(store.home(), definition, inProject, ports);
        Map<String, SwarmEngine> engines = new LinkedHashMap<>();
        String gatewayAddress = null;
        SwarmEngine manager = null;
        try {
            for (TierHost host : ClusterLayout.tierHosts(definition.hostsPerTier())) {
                Optional<Instance> instance = inProject.instance(host.instanceName());
                boolean theManager = host.tier() == Tier.GATEWAY && manager == null;
                if ((instance.isEmpty() || !instance.get().running()) && runningOnly && !theManager) {
                    continue;
                }
                if (instance.isEmpty() || !instance.get().running()) {
                    throw new BcmException(Kind.DOCKER_FAILED, "Tier host " + host.instanceName() + " of cluster '" + name
                            + "' is not running", "run 'bcm cluster create --cluster-name=" + name + "' to start it");
                }
                SwarmEngine engine = opener.open(host);
                engines.put(host.instanceName(), engine);
                if (host.tier() == Tier.GATEWAY && manager == null) {
                    manager = engine;
                    gatewayAddress = ClusterProvisioner.ipv4(inProject, host.instanceName()).orElse(null);
                }
            }
            if (manager == null) {
                throw new BcmException(Kind.INVALID_INPUT, "Cluster '" + name + "' has no gateway tier host",
                        "give the gateway tier a host in " + store.home().clusterDir(name).resolve("cluster.yml"));
            }
            manager.ping();
            return new Engines(name, manager, gatewayAddress, Map.copyOf(engines), definition.endpoint(), () -> {
                opener.close();
                lxd.close();
            });
        } catch (RuntimeException e) {
            opener.close();
            throw e;
        }
    }
}
