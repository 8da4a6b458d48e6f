package org.bcm.swarm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.ContainerSpecConfig;
import com.github.dockerjava.api.model.ContainerSpecFile;
import com.github.dockerjava.api.model.ContainerSpecSecret;
import com.github.dockerjava.api.model.Driver;
import com.github.dockerjava.api.model.EndpointResolutionMode;
import com.github.dockerjava.api.model.EndpointSpec;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.PortConfig;
import com.github.dockerjava.api.model.PortConfigProtocol;
import com.github.dockerjava.api.model.ResourceRequirements;
import com.github.dockerjava.api.model.ResourceSpecs;
import com.github.dockerjava.api.model.ServiceGlobalModeOptions;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import com.github.dockerjava.api.model.ServiceRestartPolicy;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.UpdateConfig;
import com.github.dockerjava.api.model.UpdateFailureAction;
import com.github.dockerjava.api.model.UpdateOrder;
import com.github.dockerjava.api.model.VolumeOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stack's service as the Engine API's {@code ServiceSpec}, built the way the Docker CLI's
 * {@code docker stack deploy} builds it (names {@code <stack>_<name>}, the service name as a network
 * alias, host-mode or ingress ports), and its hash, by which {@link StackDeployer} tells a changed
 * service from an unchanged one. Pure: no engine call.
 */
final class ServiceSpecs {

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private ServiceSpecs() {
    }

    /**
     * The Engine API spec of a stack's service, as {@code docker stack deploy} builds it, with the
     * label {@value StackDeployer#SPEC_HASH_LABEL} of its own hash.
     *
     * @param labels     labels of every object (the namespace among them)
     * @param networkIds the stack's network keys to the ids (or placeholders, when planning) they have
     * @param secrets    the stack's secret keys to the swarm objects they are
     * @param configs    the same for configs
     */
    static ServiceSpec serviceSpec(StackSpec stack, StackSpec.Service service, Map<String, String> labels,
            Map<String, String> networkIds, Map<String, StackDeployer.Named> secrets, Map<String, StackDeployer.Named> configs) {
        Map<String, String> containerLabels = new TreeMap<>(service.containerLabels());
        containerLabels.put(StackDeployer.NAMESPACE_LABEL, stack.name());
        ContainerSpec container = new ContainerSpec()
                .withImage(service.image())
                .withLabels(containerLabels)
                .withCommand(service.entrypoint())
                .withArgs(service.command())
                .withEnv(service.environment().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withUser(service.user())
                .withDir(service.workingDir())
                .withHostname(service.hostname())
                .withStopSignal(service.stopSignal())
                .withStopGracePeriod(nanos(service.stopGracePeriod()))
                .withReadOnly(service.readOnly() ? Boolean.TRUE : null)
                .withMounts(service.mounts().stream().map(mount -> mount(stack, mount, labels)).toList())
                .withSecrets(service.secrets().stream().map(ref -> new ContainerSpecSecret()
                        .withSecretId(secrets.get(ref.source()).id())
                        .withSecretName(secrets.get(ref.source()).name())
                        .withFile(file(ref))).toList())
                .withConfigs(service.configs().stream().map(ref -> new ContainerSpecConfig()
                        .withConfigID(configs.get(ref.source()).id())
                        .withConfigName(configs.get(ref.source()).name())
                        .withFile(file(ref))).toList());
        if (service.healthcheck() != null) {
            StackSpec.Healthcheck check = service.healthcheck();
            container.withHealthCheck(new HealthCheck()
                    .withTest(check.test())
                    .withInterval(nanos(check.interval()))
                    .withTimeout(nanos(check.timeout()))
                    .withRetries(check.retries())
                    .withStartPeriod(nanos(check.startPeriod())));
        }
        StackSpec.Deploy deploy = service.deploy();
        TaskSpec task = new TaskSpec()
                .withContainerSpec(container)
                .withPlacement(new ServicePlacement().withConstraints(deploy.constraints()))
                .withNetworks(service.networks().stream().map(attachment -> new NetworkAttachmentConfig()
                        .withTarget(networkIds.get(attachment.network()))
                        .withAliases(withServiceName(service.name(), attachment.aliases()))).toList())
                .withResources(resources(deploy.resources()));
        if (deploy.restartPolicy() != null) {
            StackSpec.RestartPolicy policy = deploy.restartPolicy();
            task.withRestartPolicy(new ServiceRestartPolicy()
                    .withCondition(policy.condition() == null ? null : switch (policy.condition()) {
                        case "none" -> ServiceRestartCondition.NONE;
                        case "on-failure" -> ServiceRestartCondition.ON_FAILURE;
                        default -> ServiceRestartCondition.ANY;
                    })
                    .withDelay(nanos(policy.delay()))
                    .withMaxAttempts(policy.maxAttempts() == null ? null : policy.maxAttempts().longValue())
                    .withWindow(nanos(policy.window())));
        }
        ServiceModeConfig mode = "global".equals(deploy.mode())
                ? new ServiceModeConfig().withGlobal(new ServiceGlobalModeOptions())
                : new ServiceModeConfig().withReplicated(new ServiceReplicatedModeOptions().withReplicas(deploy.replicas()));
        EndpointSpec endpoint = new EndpointSpec()
                .withMode("dnsrr".equals(deploy.endpointMode()) ? EndpointResolutionMode.DNSRR : EndpointResolutionMode.VIP)
                .withPorts(service.ports().stream().map(port -> new PortConfig()
                        .withTargetPort(port.target())
                        .withPublishedPort(port.published() == null ? 0 : port.published())
                        .withProtocol(switch (port.protocol()) {
                            case "udp" -> PortConfigProtocol.UDP;
                            case "sctp" -> PortConfigProtocol.SCTP;
                            default -> PortConfigProtocol.TCP;
                        })
                        .withPublishMode("host".equals(port.mode()) ? PortConfig.PublishMode.host
                                : PortConfig.PublishMode.ingress)).toList());
        Map<String, String> serviceLabels = new TreeMap<>(service.labels());
        serviceLabels.putAll(labels);
        serviceLabels.put(StackDeployer.IMAGE_LABEL, service.image());
        if (!"global".equals(deploy.mode())) {
            serviceLabels.put(StackDeployer.REPLICAS_LABEL, Integer.toString(deploy.replicas()));
        }
        ServiceSpec spec = new ServiceSpec()
                .withName(StackDeployer.scoped(stack, service.name()))
                .withLabels(serviceLabels)
                .withTaskTemplate(task)
                .withMode(mode)
                .withEndpointSpec(endpoint);
        if (deploy.updateConfig() != null) {
            StackSpec.UpdateConfig update = deploy.updateConfig();
            spec.withUpdateConfig(new UpdateConfig()
                    .withParallelism(update.parallelism() == null ? null : update.parallelism().longValue())
                    .withDelay(nanos(update.delay()))
                    .withOrder(update.order() == null ? null
                            : "start-first".equals(update.order()) ? UpdateOrder.START_FIRST : UpdateOrder.STOP_FIRST)
                    .withFailureAction(update.failureAction() == null ? null : switch (update.failureAction()) {
                        case "continue" -> UpdateFailureAction.CONTINUE;
                        case "rollback" -> UpdateFailureAction.ROLLBACK;
                        default -> UpdateFailureAction.PAUSE;
                    }));
        }
        serviceLabels.put(StackDeployer.SPEC_HASH_LABEL, specHash(spec));
        return spec;
    }

    /** The hash of a spec without its own hash label: canonical JSON (map keys sorted), SHA-256. */
    static String specHash(ServiceSpec spec) {
        try {
            return StackDeployer.sha256(CANONICAL.writeValueAsBytes(spec));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise service spec " + spec.getName(), e);
        }
    }

    private static Mount mount(StackSpec stack, StackSpec.Mount mount, Map<String, String> labels) {
        Mount result = new Mount().withTarget(mount.target()).withReadOnly(mount.readOnly() ? Boolean.TRUE : null);
        switch (mount.type()) {
            case "bind" -> result.withType(MountType.BIND).withSource(mount.source());
            case "tmpfs" -> result.withType(MountType.TMPFS);
            default -> {
                result.withType(MountType.VOLUME);
                StackSpec.Volume volume = mount.source() == null ? null : stack.volumes().get(mount.source());
                if (volume != null) {
                    Map<String, String> volumeLabels = new TreeMap<>(volume.labels());
                    volumeLabels.putAll(labels);
                    result.withSource(volume.external()
                                    ? (volume.externalName() == null ? volume.name() : volume.externalName())
                                    : StackDeployer.scoped(stack, volume.name()))
                            .withVolumeOptions(new VolumeOptions()
                                    .withLabels(volumeLabels)
                                    .withDriverConfig(new Driver().withName(volume.driver()).withOptions(volume.driverOpts())));
                }
            }
        }
        return result;
    }

    private static ContainerSpecFile file(StackSpec.FileMount ref) {
        return new ContainerSpecFile().withName(ref.target()).withUid(ref.uid()).withGid(ref.gid())
                .withMode((long) ref.mode());
    }

    /** Docker's CLI adds the service name as an alias on every network it joins. */
    private static List<String> withServiceName(String service, List<String> aliases) {
        List<String> all = new ArrayList<>();
        all.add(service);
        aliases.stream().filter(alias -> !alias.equals(service)).forEach(all::add);
        return all;
    }

    private static ResourceRequirements resources(StackSpec.Resources resources) {
        ResourceRequirements result = new ResourceRequirements();
        if (resources.limitNanoCpus() > 0 || resources.limitMemoryBytes() > 0) {
            result.withLimits(new ResourceSpecs().withNanoCPUs(resources.limitNanoCpus())
                    .withMemoryBytes(resources.limitMemoryBytes()));
        }
        if (resources.reservationNanoCpus() > 0 || resources.reservationMemoryBytes() > 0) {
            result.withReservations(new ResourceSpecs().withNanoCPUs(resources.reservationNanoCpus())
                    .withMemoryBytes(resources.reservationMemoryBytes()));
        }
        return result;
    }

    private static Long nanos(Duration duration) {
        return duration == null ? null : duration.toNanos();
    }
}
