package org.bcm.core.project;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.bitcoin.BitcoinNode;
import org.bcm.core.bitcoin.NodeStatus;
import org.bcm.core.kafka.KafkaTopics;
import org.bcm.core.lightning.LightningNode;
import org.bcm.core.lightning.NodeAnswers;
import org.bcm.core.monero.MonerodConf;
import org.bcm.core.monero.MoneroStatus;
import org.bcm.core.cluster.ClusterService;
import org.bcm.core.cluster.Engines;
import org.bcm.core.port.SwarmEngine;
import org.bcm.core.stack.StackCatalog;
import org.bcm.core.stack.StackDefinition;
import org.bcm.core.tor.ClientAuthKey;
import org.bcm.core.tor.OnionService;
import org.bcm.swarm.DockerEngineException;
import org.bcm.swarm.StackDeployException;
import org.bcm.swarm.StackDeployer;
import org.bcm.swarm.SwarmNode;

/**
 * Projects: which stacks, with which settings, on which chain; and their deployment onto a
 * cluster's swarm.
 *
 * <p>A plan or deploy reads and checks everything first ({@link StackPreparer}: project, stacks,
 * settings, Compose files), so bad input changes nothing; then {@link DeployPlanner} compares it with
 * the cluster, or {@link DeployApplier} converges the cluster to it, with {@link ImagePublisher}
 * putting missing images into the cluster registry. Every object carries the label
 * {@value #PROJECT_LABEL}; one cluster runs one project.
 */
public final class ProjectService {

    /** Label on every swarm object a project's deploy creates: the project name. */
    public static final String PROJECT_LABEL = "bcm.project";

    /** Label on every swarm object a deploy creates: the suffix of the registry credentials the services pull with. */
    public static final String REGISTRY_CREDENTIALS_LABEL = "bcm.registry-credentials";
    /** The gateway stack's setting that chooses the cluster's egress ({@link ClusterService#applyEgress}). */
    static final String EGRESS_SETTING = "EGRESS";
    /** The stack that runs the cluster's Kafka broker (stacks/kafka). */
    public static final String KAFKA_STACK = "kafka";
    /** How long bcm waits for Kafka to answer. */
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(120);

    private final ProjectStore projects;
    private final ProjectSecrets secrets;
    private final ClusterService clusters;
    private final Progress progress;

    public ProjectService(ProjectStore projects, ProjectSecrets secrets, ClusterService clusters, Progress progress) {
        this.projects = projects;
        this.secrets = secrets;
        this.clusters = clusters;
        this.progress = progress;
    }

    /** A project and the clusters it is deployed on. */
    public record Summary(ProjectDefinition definition, List<String> deployments) {
    }

    /**
     * The state of a stack: where it comes from and, on a cluster, its services.
     *
     * @param services swarm service name to "running/desired"; empty when not deployed or no cluster
     * @param node     for the bitcoin stack on a cluster, what bitcoind said at its last healthcheck; else null
     * @param lightning for the lightning stack on a cluster, what the node said at its last healthcheck
     *                  (its getinfo); else null
     * @param monero   for the monero stack on a cluster, what monerod said at its last healthcheck; else null
     */
    public record StackState(StackDefinition stack, String project, Map<String, String> services, boolean converged,
            NodeStatus node, NodeAnswers.Info lightning, MoneroStatus monero) {
    }

    // ---------------------------------------------------------------- definitions

    /**
     * Creates a project definition.
     *
     * @param stacks   the stacks it includes; empty for every shipped stack
     * @param settings {@code STACK.SETTING} to value, overriding the defaults
     * @throws BcmException INVALID_INPUT (name, chain, setting), NOT_FOUND (stack), CONFLICT (exists)
     */
    public ProjectDefinition create(String name, String chain, List<String> stacks, Map<String, String> settings) {
        ProjectDefinition.validateName(name);
        ProjectDefinition.validateChain(chain);
        if (projects.load(name).isPresent()) {
            throw new BcmException(Kind.CONFLICT, "Project '" + name + "' already exists",
                    "see 'bcm project list'; change it with 'bcm project set', or destroy it first");
        }
        StackCatalog catalog = catalog();
        List<String> names = stacks.isEmpty()
                ? catalog.stacks().stream().filter(s -> "built-in".equals(s.origin())).map(StackDefinition::name).toList()
                : stacks;
        Map<String, Map<String, String>> included = new LinkedHashMap<>();
        for (StackDefinition stack : catalog.inDependencyOrder(names)) {
            included.put(stack.name(), defaults(stack, chain));
        }
        ProjectDefinition project = new ProjectDefinition(name, chain, included, Instant.now());
        for (var entry : settings.entrySet()) {
            project = withSetting(catalog, project, entry.getKey(), entry.getValue());
        }
        checkTogether(catalog, project);
        projects.save(project);
        return project;
    }

    /** Every setting of {@code stack} with its default for the chain. */
    private static Map<String, String> defaults(StackDefinition stack, String chain) {
        Map<String, String> values = new LinkedHashMap<>();
        stack.settings().values().forEach(setting -> values.put(setting.name(), setting.defaultFor(chain)));
        return values;
    }

    /**
     * Includes more stacks in a project, each with its settings' defaults for the project's chain (the
     * stacks it has keep theirs); the next deploy deploys them. A stack it includes already is left as it is.
     *
     * @throws BcmException NOT_FOUND (project, stack), INVALID_INPUT (a stack whose required stacks the
     *     project does not include, or whose needs its other stacks' settings refuse)
     */
    public ProjectDefinition addStacks(String name, List<String> stacks) {
        StackCatalog catalog = catalog();
        ProjectDefinition project = projects.require(name);
        java.util.Set<String> names = new java.util.LinkedHashSet<>(project.stacks().keySet());
        names.addAll(stacks);
        Map<String, Map<String, String>> included = new LinkedHashMap<>();
        for (StackDefinition stack : catalog.inDependencyOrder(names)) {
            Map<String, String> values = project.stacks().get(stack.name());
            included.put(stack.name(), values != null ? values : defaults(stack, project.chain()));
        }
        ProjectDefinition changed = new ProjectDefinition(name, project.chain(), included, project.createdAt());
        checkTogether(catalog, changed);
        projects.save(changed);
        return changed;
    }

    /** Every project, sorted by name. */
    public List<Summary> list() {
        List<Summary> all = new ArrayList<>();
        for (String name : projects.names()) {
            all.add(new Summary(projects.require(name), projects.deployments(name)));
        }
        return all;
    }

    /**
     * Changes one setting; the next deploy applies it.
     *
     * @param key {@code STACK.SETTING}
     * @throws BcmException NOT_FOUND (project), INVALID_INPUT (unknown stack or setting, bad value)
     */
    public ProjectDefinition set(String name, String key, String value) {
        StackCatalog catalog = catalog();
        ProjectDefinition project = withSetting(catalog, projects.require(name), key, value);
        checkTogether(catalog, project);
        projects.save(project);
        return project;
    }

    /**
     * The rules between the settings of several stacks: a Bitcoin node's clients and what they need of it
     * (an Electrum server refuses a pruned node).
     *
     * @throws BcmException INVALID_INPUT naming the stacks and settings that disagree
     */
    private static void checkTogether(StackCatalog catalog, ProjectDefinition project) {
        BitcoinNode.of(project, catalog.inDependencyOrder(project.stacks().keySet()));
    }

    private static ProjectDefinition withSetting(StackCatalog catalog, ProjectDefinition project, String key, String value) {
        int dot = key.indexOf('.');
        if (dot < 1 || dot == key.length() - 1) {
            throw new BcmException(Kind.INVALID_INPUT, "Invalid setting '" + key + "'",
                    "name a setting as STACK.SETTING=VALUE, e.g. gateway.TOR_LOG_LEVEL=info");
        }
        String stackName = key.substring(0, dot);
        String settingName = key.substring(dot + 1);
        if (!project.stacks().containsKey(stackName)) {
            throw new BcmException(Kind.INVALID_INPUT, "Project '" + project.name() + "' does not include stack " + stackName,
                    "its stacks: " + String.join(", ", project.stacks().keySet()));
        }
        StackDefinition stack = catalog.require(stackName);
        StackDefinition.Setting setting = stack.settings().get(settingName);
        if (setting == null) {
            throw new BcmException(Kind.INVALID_INPUT, "Stack " + stackName + " has no setting " + settingName,
                    stack.settings().isEmpty() ? "it has no settings" : "its settings: " + String.join(", ", stack.settings().keySet()));
        }
        setting.validate(stackName, value);
        return project.withSetting(stackName, settingName, value);
    }

    /**
     * Deletes the project definition and its generated secrets.
     *
     * @throws BcmException NOT_FOUND; CONFLICT while it is deployed on a cluster
     */
    public void destroy(String name) {
        projects.require(name);
        List<String> deployments = projects.deployments(name);
        if (!deployments.isEmpty()) {
            throw new BcmException(Kind.CONFLICT, "Project '" + name + "' is deployed on " + String.join(", ", deployments),
                    "remove it first: bcm project remove --project-name=" + name + " --cluster-name=" + deployments.get(0));
        }
        secrets.delete(name);
        projects.delete(name);
    }

    /**
     * Destroys a cluster ({@link ClusterService#destroy}) and with it every deployment on it: the
     * projects deployed there are recorded as no longer deployed, so that they can be destroyed or
     * deployed again.
     *
     * @return what was removed from LXD, then {@code deployment of project NAME} for each such project
     * @throws BcmException as {@link ClusterService#destroy}; the deployments are kept when it fails
     */
    public List<String> destroyCluster(String cluster) {
        List<String> removed = new ArrayList<>(clusters.destroy(cluster));
        projects.forgetCluster(cluster).forEach(project -> removed.add("deployment of project " + project));
        return removed;
    }

    // ---------------------------------------------------------------- plan, deploy

    /**
     * What {@link #deploy} would build, push, create, update and remove now, changing nothing on the
     * cluster ({@link DeployPlanner}); secrets the project lacks are generated and stored, as a deploy
     * would.
     *
     * @throws BcmException as {@link #deploy}, but never TIMEOUT or HOST_PREREQUISITE
     */
    public DeployReport plan(String name, String cluster) {
        ProjectDefinition project = checked(name);
        return onCluster(name, cluster, engines -> new DeployPlanner(imagePublisher())
                .plan(DeployTarget.of(prepare(project, engines), cluster, engines.manager())));
    }

    /**
     * Deploys the project onto the cluster and waits until every service converged: everything is read
     * and checked first ({@link StackPreparer}), so bad input changes nothing; then the cluster network
     * enforces the project's {@code gateway.EGRESS} ({@link ClusterService#applyEgress}) and
     * {@link DeployApplier} converges the stacks; with a kafka stack, the topics bcm keeps are then created
     * or their retention set ({@link KafkaTopics}).
     *
     * @param timeout how long each stack may take to converge
     * @throws BcmException NOT_FOUND (project, cluster, stack), INVALID_INPUT (malformed stack or
     *     settings), CONFLICT (the cluster runs another project), DOCKER_FAILED, TIMEOUT (a service
     *     did not converge: the message names it and its task errors; Kafka did not answer within 120 s),
     *     HOST_PREREQUISITE (image build)
     */
    public DeployReport deploy(String name, String cluster, Duration timeout) {
        ProjectDefinition project = checked(name);
        return onCluster(name, cluster, engines -> {
            StackPreparer.PreparedProject prepared = prepare(project, engines);
            if (setting(prepared, KAFKA_STACK, "RETENTION_HOURS").isPresent()) {
                tierAddress(engines, org.bcm.core.cluster.Tier.KAFKA); // refuses a remote cluster before anything changes
            }
            DeployTarget target = DeployTarget.of(prepared, cluster, engines.manager());
            projects.setDeployed(name, cluster, true);
            egress(prepared).ifPresent(mode -> clusters.applyEgress(cluster, mode, engines.gatewayAddress()));
            DeployReport report = new DeployApplier(imagePublisher(), progress).apply(target, timeout);
            ensureKafkaTopics(prepared, engines);
            return report;
        });
    }

    /**
     * The project, its stacks read with its settings and its secrets supplied before any cluster is read, so
     * that bad input is reported as such (and a cluster that is missing or down does not hide it); the cluster's
     * facts ({@link ClusterVariables}) are then filled in by {@link #prepare(ProjectDefinition, Engines)}.
     */
    private ProjectDefinition checked(String name) {
        ProjectDefinition project = projects.require(name);
        new StackPreparer(projects, secrets).prepare(project, ClusterVariables.unknown());
        return project;
    }

    /** The project's stacks read and their secrets supplied for the cluster of {@code engines}, which this does not change. */
    private StackPreparer.PreparedProject prepare(ProjectDefinition project, Engines engines) {
        return new StackPreparer(projects, secrets).prepare(project, ClusterVariables.of(engines.manager().nodes()));
    }

    /** The project's {@code gateway.EGRESS}, empty when it has no gateway stack. */
    private static Optional<String> egress(StackPreparer.PreparedProject prepared) {
        return setting(prepared, OnionService.GATEWAY_STACK, EGRESS_SETTING);
    }

    /** A setting of one of the project's stacks (its default on the project's chain when unset), empty when the project lacks the stack. */
    private static Optional<String> setting(StackPreparer.PreparedProject prepared, String stack, String setting) {
        ProjectDefinition project = prepared.project();
        return prepared.stacks().stream().map(StackPreparer.PreparedStack::stack)
                .filter(s -> s.name().equals(stack)).findFirst()
                .map(s -> project.stacks().get(s.name()).getOrDefault(setting, s.settings().get(setting).defaultFor(project.chain())));
    }

    /**
     * With a kafka stack: the log topic of every stack of the project, {@link KafkaTopics#HOSTS} and the
     * topics its stacks declare ({@code x-bcm.kafka-topics}), with
     * the retention of {@code kafka.RETENTION_HOURS} and {@code kafka.RETENTION_MB} (docs/kafka.md).
     */
    private void ensureKafkaTopics(StackPreparer.PreparedProject prepared, Engines engines) {
        Optional<String> hours = setting(prepared, KAFKA_STACK, "RETENTION_HOURS");
        if (hours.isEmpty()) {
            return;
        }
        List<String> topics = new ArrayList<>();
        prepared.stacks().forEach(p -> topics.add(KafkaTopics.logs(p.stack().name())));
        topics.add(KafkaTopics.HOSTS);
        prepared.stacks().forEach(p -> p.stack().meta().path("kafka-topics").forEach(topic -> topics.add(topic.asText())));
        String bootstrap = kafkaBootstrap(engines);
        progress.report("stack " + KAFKA_STACK, "checking the topics " + String.join(", ", topics) + " at " + bootstrap);
        KafkaTopics.ensure(bootstrap, topics, new KafkaTopics.Retention(Long.parseLong(hours.get()),
                Long.parseLong(setting(prepared, KAFKA_STACK, "RETENTION_MB").orElseThrow())), 1, KAFKA_TIMEOUT)
                .forEach(line -> progress.report("stack " + KAFKA_STACK, line));
    }

    private ImagePublisher imagePublisher() {
        return new ImagePublisher(projects.home().cacheDir(), progress);
    }

    // ---------------------------------------------------------------- remove

    /**
     * Removes every service, network, secret and config of the project's stacks from the cluster;
     * volumes (data) stay. Removing a project that is not deployed there does nothing.
     *
     * @return what was removed
     * @throws BcmException NOT_FOUND (project or cluster), DOCKER_FAILED
     */
    public List<String> remove(String name, String cluster) {
        ProjectDefinition project = projects.require(name);
        List<String> removed = onCluster(name, cluster, engines -> {
            // a stack before the stacks it requires (whose networks it joins): the project's stacks are
            // stored in dependency order, so in reverse; stacks the project no longer names go first
            List<String> order = new ArrayList<>(project.stacks().keySet());
            Collections.reverse(order);
            List<String> owned = new ArrayList<>();
            engines.manager().stackLabel(PROJECT_LABEL).forEach((stack, owner) -> {
                if (owner.equals(name)) {
                    owned.add(stack);
                }
            });
            owned.sort(Comparator.comparingInt(order::indexOf));
            List<String> all = new ArrayList<>();
            for (String stack : owned) {
                progress.report("stack " + stack, "removing");
                all.addAll(engines.manager().removeStack(stack, line -> progress.report("remove", line)));
            }
            return all;
        });
        projects.setDeployed(name, cluster, false);
        return removed;
    }

    // ---------------------------------------------------------------- stacks

    /**
     * Every stack bcm knows and, when {@code cluster} is given, its state there.
     *
     * @throws BcmException NOT_FOUND (cluster), DOCKER_FAILED
     */
    public List<StackState> stacks(String cluster) {
        StackCatalog catalog = catalog();
        if (cluster == null) {
            return catalog.stacks().stream().map(s -> new StackState(s, null, Map.of(), false, null, null, null)).toList();
        }
        return onCluster(null, cluster, engines -> {
            Map<String, String> owners = engines.manager().stackLabel(PROJECT_LABEL);
            Map<String, List<StackDeployer.ServiceStatus>> live = engines.manager().stacks();
            List<StackState> states = new ArrayList<>();
            for (StackDefinition stack : catalog.stacks()) {
                Map<String, String> services = new TreeMap<>();
                List<StackDeployer.ServiceStatus> statuses = live.getOrDefault(stack.name(), List.of());
                statuses.forEach(s -> services.put(s.name(), s.running() + "/" + s.desired()));
                states.add(new StackState(stack, owners.get(stack.name()), services,
                        !statuses.isEmpty() && statuses.stream().allMatch(StackDeployer.ServiceStatus::converged),
                        stack.name().equals(BitcoinNode.STACK) ? nodeStatus(engines).orElse(null) : null,
                        stack.name().equals(LightningNode.STACK) ? lightningStatus(engines).orElse(null) : null,
                        stack.name().equals(MonerodConf.STACK)
                                ? lastHealthcheck(engines, MonerodConf.STACK, MonerodConf.SERVICE, MoneroStatus::parse).orElse(null) : null));
            }
            return states;
        });
    }

    /**
     * What the bitcoind on {@code cluster} said of itself at its last healthcheck ({@code bcm show}).
     *
     * @return empty when no bitcoind runs there or it has not been checked yet
     * @throws BcmException NOT_FOUND (cluster), DOCKER_FAILED, or as {@link ClusterService#engines} when the cluster is stopped
     */
    public Optional<NodeStatus> nodeStatus(String cluster) {
        return onCluster(null, cluster, ProjectService::nodeStatus);
    }

    /**
     * What bitcoind said of itself at its last healthcheck, read from the engine of the tier host its
     * task runs on; empty when it does not run or has not been checked yet.
     */
    private static Optional<NodeStatus> nodeStatus(Engines engines) {
        return lastHealthcheck(engines, BitcoinNode.STACK, BitcoinNode.BITCOIND_SERVICE, NodeStatus::parse);
    }

    /** What the Lightning node (Core Lightning or lnd, whichever runs) said at its last healthcheck: its getinfo. */
    private static Optional<NodeAnswers.Info> lightningStatus(Engines engines) {
        for (LightningNode.Implementation implementation : LightningNode.Implementation.values()) {
            Optional<NodeAnswers.Info> info = lastHealthcheck(engines, LightningNode.STACK, implementation.service(),
                    output -> NodeAnswers.parseInfo(implementation, output));
            if (info.isPresent()) {
                return info;
            }
        }
        return Optional.empty();
    }

    /**
     * What a service's running task printed at its last healthcheck, parsed, read from the engine of the
     * tier host it runs on (no credential of the daemon needed); empty when it does not run, has not been
     * checked yet, or printed something else.
     */
    private static <T> Optional<T> lastHealthcheck(Engines engines, String stack, String service, Function<String, Optional<T>> parse) {
        for (StackDeployer.RunningTask task : engines.manager().runningTasks(stack, service)) {
            Optional<String> host = engines.manager().node(task.nodeId()).map(SwarmNode::hostname);
            SwarmEngine engine = host.map(engines.engines()::get).orElse(null);
            if (engine != null) {
                Optional<T> status = engine.lastHealthcheckOutput(task.containerId()).flatMap(parse);
                if (status.isPresent()) {
                    return status;
                }
            }
        }
        return Optional.empty();
    }


    /**
     * A project's definition.
     *
     * @throws BcmException NOT_FOUND when there is no such project
     */
    public ProjectDefinition definition(String name) {
        return projects.require(name);
    }

    /**
     * A generated secret of a project's stack, as kept ({@link ProjectSecrets#existing}): a node's secret
     * for its backup.
     *
     * @return empty when it was never generated
     * @throws BcmException NOT_FOUND (project); a device error kind when the device does not decrypt it
     */
    public Optional<byte[]> generatedSecret(String name, String stack, String secret) {
        projects.require(name);
        return secrets.existing(name, stack, secret);
    }

    /** Work on a running task's container, given the engine of the tier host it runs on. */
    public interface TaskWork<T> {
        T apply(SwarmEngine engine, String containerId);
    }

    /**
     * Runs {@code work} on the engines of the cluster the project is deployed on.
     *
     * @param cluster the cluster, or null for the only one the project is deployed on
     * @throws BcmException NOT_FOUND (project; not deployed there), INVALID_INPUT (deployed on several
     *     clusters and none named), DOCKER_FAILED, or as {@link ClusterService#engines}
     */
    public <T> T onDeployment(String name, String cluster, Function<Engines, T> work) {
        return onCluster(name, deployedOn(name, cluster), work);
    }

    /** The cluster the project is deployed on: {@code cluster} when it is, the only one when null. */
    private String deployedOn(String name, String cluster) {
        projects.require(name);
        List<String> deployed = projects.deployments(name);
        String on = cluster;
        if (on == null) {
            if (deployed.isEmpty()) {
                throw new BcmException(Kind.NOT_FOUND, "Project '" + name + "' is not deployed",
                        "deploy it: bcm project deploy --project-name=" + name + " --cluster-name=CLUSTER");
            }
            if (deployed.size() > 1) {
                throw new BcmException(Kind.INVALID_INPUT, "Project '" + name + "' is deployed on " + String.join(", ", deployed),
                        "name one with --cluster-name");
            }
            on = deployed.get(0);
        } else if (!deployed.contains(on)) {
            throw new BcmException(Kind.NOT_FOUND, "Project '" + name + "' is not deployed on cluster '" + on + "'",
                    deployed.isEmpty() ? "deploy it first" : "it is deployed on " + String.join(", ", deployed));
        }
        return on;
    }

    /** The address of Kafka's HOST listener on the cluster of {@code engines} (the kafka tier host's, port 9094). */
    public static String kafkaBootstrap(Engines engines) {
        return tierAddress(engines, org.bcm.core.cluster.Tier.KAFKA) + ":" + ClusterService.KAFKA_PORT;
    }

    /**
     * The address on the cluster network of the tier's first host, where services publish in host
     * mode ({@link ClusterVariables}), for the controller to connect to (Kafka, Prometheus).
     *
     * @throws BcmException INVALID_INPUT for a cluster on a remote endpoint: its network is behind the
     *     endpoint's NAT, and bcm relays only the tier hosts' Docker APIs so far
     */
    public static String tierAddress(Engines engines, org.bcm.core.cluster.Tier tier) {
        if (engines.remote()) {
            throw new BcmException(Kind.INVALID_INPUT, "Cluster '" + engines.cluster() + "' is on a remote endpoint (" + engines.endpoint()
                    + "): bcm reaches its Docker APIs, but not yet its Kafka or Prometheus (behind the endpoint's NAT)",
                    "the kafka and monitoring stacks, 'bcm logs' and 'bcm status' need a cluster on this machine's LXD for now"
                            + " (docs/architecture.md, remote endpoints)");
        }
        return ClusterVariables.of(engines.manager().nodes()).get(ClusterVariables.addressVariable(tier));
    }

    /**
     * The stacks of project {@code name} on the swarm of {@code engines} (by their {@value #PROJECT_LABEL} label).
     *
     * @throws BcmException DOCKER_FAILED
     */
    public static java.util.Set<String> deployedStacks(String name, Engines engines) {
        java.util.Set<String> owned = new java.util.TreeSet<>();
        engines.manager().stackLabel(PROJECT_LABEL).forEach((stack, owner) -> {
            if (owner.equals(name)) {
                owned.add(stack);
            }
        });
        return owned;
    }

    /**
     * Runs {@code work} on the running task of a project's service, on the cluster the project is
     * deployed on.
     *
     * @param cluster the cluster, or null for the only one the project is deployed on
     * @throws BcmException NOT_FOUND (project; not deployed; the service has no running task), INVALID_INPUT
     *     (deployed on several clusters and none named), DOCKER_FAILED, or as {@link ClusterService#engines}
     */
    public <T> T onRunningTask(String name, String cluster, String stack, String service, TaskWork<T> work) {
        String where = deployedOn(name, cluster);
        return onCluster(name, where, engines -> {
            for (StackDeployer.RunningTask task : engines.manager().runningTasks(stack, service)) {
                SwarmEngine engine = engines.manager().node(task.nodeId()).map(SwarmNode::hostname).map(engines.engines()::get).orElse(null);
                if (engine != null) {
                    return work.apply(engine, task.containerId());
                }
            }
            throw new BcmException(Kind.NOT_FOUND, "Service " + stack + "_" + service + " of project '" + name + "' has no running task on cluster '"
                    + where + "'", "see 'bcm stack list --cluster-name=" + where + "'; 'bcm project deploy' starts it");
        });
    }

    // ---------------------------------------------------------------- onion services

    /**
     * An onion service of a project, as {@code bcm onion list} shows it.
     *
     * @param address its .onion address
     * @param clients its authorized clients' names, sorted
     */
    public record OnionStatus(OnionService service, String address, List<String> clients) {
    }

    /**
     * What a client of an onion service needs.
     *
     * @param authPrivateLine the line of the client's {@code .auth_private} file (Tor's {@code ClientOnionAuthDir}), or
     *                        null when the client brought its own key
     * @param uri             the service's connection URI, or null
     * @param clusters        the clusters whose Tor authorized the client now (others at their next deploy)
     */
    public record ClientGrant(OnionStatus onion, String client, String authPrivateLine, String uri, List<String> clusters) {
    }

    /**
     * The onion services the project's stacks declare, their keys generated and stored the first time.
     *
     * @throws BcmException NOT_FOUND (project), INVALID_INPUT (malformed stack or declaration)
     */
    public List<OnionStatus> onions(String name) {
        ProjectDefinition project = projects.require(name);
        ProjectOnions onions = projectOnions();
        return new StackPreparer(projects, secrets).onions(project).stream()
                .map(onion -> new OnionStatus(onion, onions.address(name, onion), List.copyOf(onions.clients(name, onion).keySet())))
                .toList();
    }

    /**
     * The onion services of the project whose addresses are known (recorded when their keys were made),
     * by name; nothing is generated, the device is not asked ({@code bcm show}).
     *
     * @throws BcmException NOT_FOUND (project), INVALID_INPUT (malformed stack or declaration)
     */
    public Map<String, String> knownOnionAddresses(String name) {
        ProjectDefinition project = projects.require(name);
        ProjectOnions onions = projectOnions();
        Map<String, String> known = new TreeMap<>();
        new StackPreparer(projects, secrets).onions(project)
                .forEach(onion -> onions.knownAddress(name, onion).ifPresent(address -> known.put(onion.name(), address)));
        return known;
    }

    /**
     * Authorizes a client of an onion service that requires client authorization: its key is generated
     * and stored (the same key when the client exists), or the public key of its own {@code .auth} file
     * is taken; the Tor of every cluster the project is deployed on gets the public key and reloads
     * (SIGHUP: no circuit is dropped).
     *
     * @param authFile the client's own {@code .auth} file ({@code descriptor:x25519:KEY}), or null to generate its key
     * @throws BcmException NOT_FOUND (project, onion service), INVALID_INPUT (client name; a service without
     *     client authorization; an unreadable or malformed {@code .auth} file), DOCKER_FAILED (a cluster's Tor
     *     refused; the client stays stored, and a rerun or the next deploy installs it)
     */
    public ClientGrant addOnionClient(String name, String service, String client, java.nio.file.Path authFile) {
        String publicKey = authFile == null ? null : publicKeyOf(authFile);
        OnionStatus status = onion(name, service);
        ClientAuthKey key = projectOnions().addClient(name, status.service(), client, publicKey);
        String authorized = key == null ? publicKey : key.publicKeyBase32();
        List<String> clusters = onGatewayTor(name, List.of("bcm-tor-onion", "client-add", service, client, authorized));
        OnionStatus now = new OnionStatus(status.service(), status.address(),
                List.copyOf(projectOnions().clients(name, status.service()).keySet()));
        return new ClientGrant(now, client, key == null ? null : key.authPrivateLine(now.address()),
                now.service().uriFor(now.address()), clusters);
    }

    private static String publicKeyOf(java.nio.file.Path authFile) {
        try {
            return ClientAuthKey.publicKeyOfAuthFile(java.nio.file.Files.readString(authFile));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new BcmException(Kind.INVALID_INPUT, "Cannot use " + authFile + " as a client's .auth file: " + e.getMessage(),
                    "give the file the client's Tor made: one line descriptor:x25519:<base32 public key>");
        }
    }

    /**
     * Revokes a client: its key is deleted, and the Tor of every cluster the project is deployed on
     * forgets it and reloads.
     *
     * @return the clusters whose Tor revoked it now
     * @throws BcmException NOT_FOUND (project, onion service, client), DOCKER_FAILED as {@link #addOnionClient}
     */
    public List<String> removeOnionClient(String name, String service, String client) {
        OnionStatus status = onion(name, service);
        OnionService.validateClientName(client);
        boolean known = projectOnions().removeClient(name, status.service(), client);
        // also when bcm no longer knows it: a revocation a stopped cluster missed is finished by running it again
        List<String> clusters = onGatewayTor(name, List.of("bcm-tor-onion", "client-remove", service, client));
        if (!known) {
            throw new BcmException(Kind.NOT_FOUND, "The onion service " + service + " has no client '" + client + "'",
                    status.clients().isEmpty() ? "it has no clients" : "its clients: " + String.join(", ", status.clients()));
        }
        return clusters;
    }

    private OnionStatus onion(String name, String service) {
        List<OnionStatus> all = onions(name);
        return all.stream().filter(o -> o.service().name().equals(service)).findFirst().orElseThrow(() -> new BcmException(
                Kind.NOT_FOUND, "Project '" + name + "' has no onion service '" + service + "'", all.isEmpty()
                        ? "its stacks declare none (x-bcm-onion)"
                        : "its onion services: " + String.join(", ", all.stream().map(o -> o.service().name()).toList())));
    }

    /**
     * Runs {@code command} in the gateway's Tor on every cluster the project is deployed on.
     *
     * @return the clusters where a Tor ran it
     */
    private List<String> onGatewayTor(String name, List<String> command) {
        List<String> done = new ArrayList<>();
        for (String cluster : projects.deployments(name)) {
            boolean ran = onCluster(name, cluster, engines -> {
                boolean any = false;
                for (StackDeployer.RunningTask task : engines.manager().runningTasks(OnionService.GATEWAY_STACK, OnionService.TOR_SERVICE)) {
                    SwarmEngine engine = engines.manager().node(task.nodeId()).map(SwarmNode::hostname).map(engines.engines()::get).orElse(null);
                    if (engine == null) {
                        continue;
                    }
                    int exit = engine.execute(task.containerId(), command, Duration.ofSeconds(30));
                    if (exit != 0) {
                        throw new BcmException(Kind.DOCKER_FAILED, "Tor on cluster '" + cluster + "' refused '" + String.join(" ", command.subList(0, 4))
                                + "' (exit code " + exit + ")", "see its log: the next 'bcm project deploy' installs the clients bcm keeps");
                    }
                    any = true;
                }
                return any;
            });
            if (ran) {
                done.add(cluster);
            }
        }
        return done;
    }

    private ProjectOnions projectOnions() {
        return new ProjectOnions(projects.home(), secrets);
    }

    // ---------------------------------------------------------------- plumbing

    private StackCatalog catalog() {
        return StackCatalog.load(projects.home());
    }

    private static BcmException deployFailed(String project, String cluster, StackDeployException e) {
        if (e.services().isEmpty()) {
            return new BcmException(Kind.INVALID_INPUT, e.getMessage(), "fix the stack, then run the command again");
        }
        return new BcmException(Kind.TIMEOUT, e.getMessage(), project == null
                ? "check the stack's services: 'bcm stack list --cluster-name=" + cluster + "'"
                : "fix the stack or the project's settings, then run 'bcm project deploy --project-name=" + project
                        + " --cluster-name=" + cluster + "' again: it continues from what exists", e);
    }

    private static BcmException dockerFailed(String project, String cluster, DockerEngineException e) {
        return new BcmException(Kind.DOCKER_FAILED, "Docker on cluster '" + cluster + "': " + e.getMessage(),
                project == null ? "check the cluster with 'bcm cluster verify --cluster-name=" + cluster + "'"
                        : "check the cluster with 'bcm cluster verify', then run the command again: it continues from what exists",
                e);
    }

    /**
     * Runs {@code work} with the cluster's engines, turning adapter failures into {@link BcmException}s.
     *
     * @param project the project worked on, or null when the work is not a project's
     */
    private <T> T onCluster(String project, String cluster, Function<Engines, T> work) {
        try (Engines engines = clusters.engines(cluster)) {
            return work.apply(engines);
        } catch (StackDeployException e) {
            throw deployFailed(project, cluster, e);
        } catch (DockerEngineException e) {
            throw dockerFailed(project, cluster, e);
        }
    }
}
