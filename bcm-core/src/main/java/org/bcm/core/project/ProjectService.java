package org.bcm.core.project;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.bitcoin.BitcoinNode;
import org.bcm.core.bitcoin.NodeStatus;
import org.bcm.core.cluster.ClusterService;
import org.bcm.core.image.DockerImageRecipe;
import org.bcm.core.image.DockerImages;
import org.bcm.core.stack.StackCatalog;
import org.bcm.core.stack.StackDefinition;
import org.bcm.swarm.ComposeFile;
import org.bcm.swarm.ComposeFileException;
import org.bcm.swarm.DockerEngine;
import org.bcm.swarm.DockerEngineException;
import org.bcm.swarm.RegistryCredentials;
import org.bcm.swarm.StackDeployException;
import org.bcm.swarm.StackDeployer;
import org.bcm.swarm.StackSpec;

/**
 * Projects: which stacks, with which settings, on which chain; and their deployment onto a
 * cluster's swarm.
 *
 * <p>A deploy reads and checks everything first (project, stacks, settings, Compose files), so bad
 * input changes nothing. Then, on the cluster: images missing from the cluster registry are built
 * (cached on the controller), loaded into the gateway's engine and pushed to the registry, which is
 * started first when it is not running; then each stack is converged in dependency order and
 * awaited. Every object carries the label {@value #PROJECT_LABEL}; one cluster runs one project.
 */
public final class ProjectService {

    /** Label on every swarm object a project's deploy creates: the project name. */
    public static final String PROJECT_LABEL = "bcm.project";
    private static final Duration IMAGE_TRANSFER_TIMEOUT = Duration.ofMinutes(10);

    /** Label on every swarm object a deploy creates: the suffix of the registry credentials the services pull with. */
    public static final String REGISTRY_CREDENTIALS_LABEL = "bcm.registry-credentials";
    /** The generated secret, kept with the registry stack's, that is the cluster registry's password. */
    static final String REGISTRY_PASSWORD = "registry_password";

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
     * What a deploy did.
     *
     * @param built    images built on the controller
     * @param pushed   images pushed to the cluster registry
     * @param created  swarm objects created ("service gateway_tor")
     * @param updated  services updated
     * @param removed  swarm objects removed
     * @param unchanged services left alone
     */
    public record DeployReport(String project, String cluster, List<String> built, List<String> pushed,
            List<String> created, List<String> updated, List<String> removed, List<String> unchanged) {
        /** Whether the deploy changed nothing at all. */
        public boolean nothingToDo() {
            return built.isEmpty() && pushed.isEmpty() && created.isEmpty() && updated.isEmpty() && removed.isEmpty();
        }
    }

    /**
     * The state of a stack: where it comes from and, on a cluster, its services.
     *
     * @param services swarm service name to "running/desired"; empty when not deployed or no cluster
     * @param node     for the bitcoin stack on a cluster, what bitcoind said at its last healthcheck; else null
     */
    public record StackState(StackDefinition stack, String project, Map<String, String> services, boolean converged,
            NodeStatus node) {
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
            Map<String, String> values = new LinkedHashMap<>();
            stack.settings().values().forEach(setting -> values.put(setting.name(), setting.defaultFor(chain)));
            included.put(stack.name(), values);
        }
        ProjectDefinition project = new ProjectDefinition(name, chain, included, Instant.now());
        for (var entry : settings.entrySet()) {
            project = withSetting(catalog, project, entry.getKey(), entry.getValue());
        }
        checkTogether(catalog, project);
        projects.save(project);
        return project;
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

    // ---------------------------------------------------------------- deploy

    /** A stack ready to deploy: its definition, its parsed spec and the bcm images it runs. */
    record Prepared(StackDefinition stack, StackSpec spec, Map<String, DockerImageRecipe> images) {
    }

    /**
     * What a deploy of the project would send: its stacks in dependency order, read with the
     * project's settings, their secrets supplied, and the registry's password (null without a registry).
     */
    record Plan(List<Prepared> stacks, ProjectSecrets.Secret registryPassword) {
    }

    /**
     * Reads every stack of the project with its settings and gives each secret its content (generating
     * what is missing), touching no cluster: a malformed stack or a bad setting changes nothing there.
     *
     * @throws BcmException NOT_FOUND (stack), INVALID_INPUT (malformed stack, settings, secrets)
     */
    Plan plan(ProjectDefinition project) {
        StackCatalog catalog = catalog();
        Map<String, DockerImageRecipe> recipes = new TreeMap<>();
        catalog.images().values().forEach(recipe -> recipes.put(recipe.reference(), recipe));
        Map<String, String> imageVariables = catalog.imageVariables();
        List<StackDefinition> stacks = catalog.inDependencyOrder(project.stacks().keySet());
        StackDefinition registryStack = stacks.stream().filter(s -> s.registry() != null).findFirst().orElse(null);
        Optional<BitcoinNode> node = BitcoinNode.of(project, stacks);
        ProjectSecrets.Secret registryPassword = registryStack == null ? null
                : secrets.generated(project.name(), registryStack.name(), REGISTRY_PASSWORD, 32);
        GeneratedSecrets generated = new GeneratedSecrets(secrets, project, node, registryPassword);
        List<Prepared> prepared = new ArrayList<>();
        for (StackDefinition stack : stacks) {
            prepared.add(prepare(project, stack, imageVariables, node, recipes, generated));
        }
        return new Plan(List.copyOf(prepared), registryPassword);
    }

    /**
     * Deploys the project onto the cluster and waits until every service converged.
     *
     * @param timeout how long each stack may take to converge
     * @throws BcmException NOT_FOUND (project, cluster, stack), INVALID_INPUT (malformed stack or
     *     settings), CONFLICT (the cluster runs another project), DOCKER_FAILED, TIMEOUT (a service
     *     did not converge: the message names it and its task errors), HOST_PREREQUISITE (image build)
     */
    public DeployReport deploy(String name, String cluster, Duration timeout) {
        ProjectDefinition project = projects.require(name);
        Plan plan = plan(project);
        List<Prepared> prepared = plan.stacks();
        StackDefinition registryStack = prepared.stream().map(Prepared::stack).filter(s -> s.registry() != null).findFirst().orElse(null);
        ProjectSecrets.Secret registryPassword = plan.registryPassword();
        Map<String, DockerImageRecipe> needed = new LinkedHashMap<>();
        prepared.forEach(p -> needed.putAll(p.images()));
        if (!needed.isEmpty() && registryStack == null) {
            throw new BcmException(Kind.INVALID_INPUT, "Project '" + name + "' runs bcm images but includes no stack with the registry",
                    "include the gateway stack: bcm project create ... --stacks=gateway,...");
        }
        List<String> built = new ArrayList<>();
        List<String> pushed = new ArrayList<>();
        List<String> created = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        Map<String, String> labels = new TreeMap<>(Map.of(PROJECT_LABEL, name));
        if (registryPassword != null) {
            // a new password is a new suffix: every service is updated, and the swarm keeps the new credentials with it
            labels.put(REGISTRY_CREDENTIALS_LABEL, registryPassword.suffix());
        }
        try (ClusterService.Engines engines = clusters.engines(cluster)) {
            // read (with an identity: decrypted on the device) once the cluster is known to exist
            RegistryCredentials registry = registryPassword == null ? null : new RegistryCredentials(DockerImageRecipe.REGISTRY,
                    RegistryCredentialsFile.USER, new String(registryPassword.value().get(), java.nio.charset.StandardCharsets.US_ASCII));
            DockerEngine manager = engines.manager();
            StackDeployer deployer = new StackDeployer(manager, line -> progress.report("deploy", line));
            Map<String, String> owners = deployer.stackLabel(PROJECT_LABEL);
            owners.values().stream().filter(owner -> !owner.equals(name)).findFirst().ifPresent(other -> {
                throw new BcmException(Kind.CONFLICT, "Cluster '" + cluster + "' runs project '" + other + "'",
                        "remove it first (bcm project remove --project-name=" + other + " --cluster-name=" + cluster
                                + "), or deploy to another cluster");
            });
            projects.setDeployed(name, cluster, true);

            // Every service runs its image pinned by the digest the registry holds for its tag.
            Map<String, String> digests = new TreeMap<>();
            List<DockerImageRecipe> missing = new ArrayList<>();
            for (DockerImageRecipe recipe : needed.values()) {
                Optional<String> digest = manager.registryDigest(recipe.reference(), registry);
                digest.ifPresentOrElse(d -> digests.put(recipe.reference(), d), () -> missing.add(recipe));
            }
            if (!missing.isEmpty()) {
                DockerImages images = new DockerImages(DockerImages.baseRecipe(), projects.home().cacheDir(), progress);
                for (DockerImageRecipe recipe : missing) {
                    if (!manager.hasImage(recipe.reference())) {
                        if (!images.isCached(recipe)) {
                            built.add(recipe.reference());
                        }
                        Path tarball = images.ensureBuilt(recipe);
                        progress.report("image " + recipe.name(), "loading into the gateway's engine");
                        manager.importImage(tarball, recipe.repository(), recipe.tag(), recipe.changes(), IMAGE_TRANSFER_TIMEOUT);
                    }
                }
                Prepared registryPrepared = prepared.stream().filter(p -> p.stack() == registryStack).findFirst().orElseThrow();
                String registryService = registryStack.registry();
                if (!registryRunning(deployer, registryStack.name(), registryService)) {
                    // from the image just loaded into the gateway's engine, by tag: the registry holds no digest yet
                    progress.report("registry", "starting the cluster registry (" + registryStack.name() + "_" + registryService + ")");
                    StackDeployer.Result started = deployer.deploy(registryPrepared.spec().onlyServices(Set.of(registryService)),
                            labels, false, registry);
                    created.addAll(started.created());
                    updated.addAll(started.updated());
                    deployer.awaitConverged(registryStack.name(), Set.of(registryService), timeout);
                }
                for (DockerImageRecipe recipe : missing) {
                    progress.report("image " + recipe.name(), "pushing " + recipe.reference() + " to the cluster registry");
                    manager.pushImage(recipe.repository(), recipe.tag(), registry, IMAGE_TRANSFER_TIMEOUT);
                    pushed.add(recipe.reference());
                    digests.put(recipe.reference(), manager.registryDigest(recipe.reference(), registry).orElseThrow(() -> new BcmException(
                            Kind.DOCKER_FAILED, "The cluster registry does not serve " + recipe.reference() + " after it was pushed",
                            "check the registry service: docker service logs " + registryStack.name() + "_" + registryService
                                    + " on the gateway host, then deploy again")));
                }
            }
            for (Prepared stack : prepared) {
                progress.report("stack " + stack.stack().name(), "deploying");
                StackSpec pinned = stack.spec().withImages(image -> digests.containsKey(image) ? image + "@" + digests.get(image) : image);
                StackDeployer.Result result = deployer.deploy(pinned, labels, true, registry);
                created.addAll(result.created());
                updated.addAll(result.updated());
                removed.addAll(result.removed());
                unchanged.addAll(result.unchanged());
                deployer.awaitConverged(stack.stack().name(), timeout);
            }
            for (var owned : owners.entrySet()) {
                if (owned.getValue().equals(name) && !project.stacks().containsKey(owned.getKey())) {
                    progress.report("stack " + owned.getKey(), "removing (no longer in the project)");
                    removed.addAll(deployer.remove(owned.getKey()));
                }
            }
        } catch (StackDeployException e) {
            throw deployFailed(name, cluster, e);
        } catch (DockerEngineException e) {
            throw dockerFailed(name, cluster, e);
        }
        unchanged.removeIf(item -> created.contains(item) || updated.contains(item));
        return new DeployReport(name, cluster, built, pushed, dedupe(created), dedupe(updated), removed, dedupe(unchanged));
    }

    /** Whether the registry service runs its tasks (then it answers, and only its images are missing). */
    private static boolean registryRunning(StackDeployer deployer, String stack, String service) {
        return deployer.stacks().getOrDefault(stack, List.of()).stream()
                .anyMatch(s -> s.name().equals(stack + "_" + service) && s.desired() > 0 && s.converged());
    }

    /**
     * Reads a stack's Compose file with the project's settings, and gives its generated secrets
     * their files.
     *
     * @param imageVariables {@code BCM_IMAGE_<NAME>} to image reference, for every recipe
     * @param recipes        image reference to its recipe
     */
    private Prepared prepare(ProjectDefinition project, StackDefinition stack, Map<String, String> imageVariables,
            Optional<BitcoinNode> node, Map<String, DockerImageRecipe> recipes, GeneratedSecrets generated) {
        Map<String, String> values = project.stacks().getOrDefault(stack.name(), Map.of());
        for (String key : values.keySet()) {
            if (!stack.settings().containsKey(key)) {
                throw new BcmException(Kind.INVALID_INPUT, "Project '" + project.name() + "' sets " + stack.name() + "." + key
                        + ", which stack " + stack.name() + " does not declare",
                        "remove it from " + projects.home().projectDir(project.name()).resolve("project.yml"));
            }
        }
        Map<String, String> variables = new TreeMap<>(imageVariables);
        variables.put("BCM_PROJECT", project.name());
        variables.put("BCM_CHAIN", project.chain());
        node.ifPresent(bitcoin -> variables.putAll(bitcoin.variables()));
        for (StackDefinition.Setting setting : stack.settings().values()) {
            String value = values.getOrDefault(setting.name(), setting.defaultFor(project.chain()));
            setting.validate(stack.name(), value);
            variables.put(setting.name(), value);
        }
        StackSpec spec;
        try {
            spec = ComposeFile.parse(stack.compose(), stack.name() + "/stack.yml (" + stack.origin() + ")", stack.dir(),
                    stack.name(), variables);
        } catch (ComposeFileException e) {
            throw new BcmException(Kind.INVALID_INPUT, e.getMessage(), "fix " + stack.dir().resolve("stack.yml")
                    + "; nothing was deployed");
        }
        for (StackSpec.FileObject secret : spec.secrets().values()) {
            if (secret.external()) {
                continue;
            }
            JsonNode generate = secret.extensions().get("x-bcm-generate");
            ProjectSecrets.Secret value = generate != null ? generated.generate(stack, secret.name(), generate)
                    : secrets.fromFile(project.name(), stack.name(), secret.name(), secret.file());
            spec = spec.withSecretContent(secret.name(), new StackSpec.Content(value.suffix(), value.value()));
        }
        Map<String, DockerImageRecipe> images = new LinkedHashMap<>();
        for (StackSpec.Service service : spec.services().values()) {
            DockerImageRecipe recipe = recipes.get(service.image());
            if (recipe != null) {
                images.put(recipe.name(), recipe);
            } else if (service.image().startsWith(DockerImageRecipe.REGISTRY + "/")) {
                throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": service " + service.name()
                        + " runs " + service.image() + ", which no image recipe builds",
                        "use ${BCM_IMAGE_<NAME>} for an image of stacks/*/images/<name>.yml");
            }
        }
        return new Prepared(stack, spec, images);
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
        List<String> removed = new ArrayList<>();
        try (ClusterService.Engines engines = clusters.engines(cluster)) {
            StackDeployer deployer = new StackDeployer(engines.manager(), line -> progress.report("remove", line));
            // a stack before the stacks it requires (whose networks it joins): the project's stacks are
            // stored in dependency order, so in reverse; stacks the project no longer names go first
            List<String> order = new ArrayList<>(project.stacks().keySet());
            java.util.Collections.reverse(order);
            List<String> owned = new ArrayList<>();
            deployer.stackLabel(PROJECT_LABEL).forEach((stack, owner) -> {
                if (owner.equals(name)) {
                    owned.add(stack);
                }
            });
            owned.sort(java.util.Comparator.comparingInt(stack -> order.indexOf(stack)));
            for (String stack : owned) {
                progress.report("stack " + stack, "removing");
                removed.addAll(deployer.remove(stack));
            }
        } catch (StackDeployException e) {
            throw deployFailed(name, cluster, e);
        } catch (DockerEngineException e) {
            throw dockerFailed(name, cluster, e);
        }
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
            return catalog.stacks().stream().map(s -> new StackState(s, null, Map.of(), false, null)).toList();
        }
        try (ClusterService.Engines engines = clusters.engines(cluster)) {
            StackDeployer deployer = new StackDeployer(engines.manager(), line -> { });
            Map<String, String> owners = deployer.stackLabel(PROJECT_LABEL);
            Map<String, List<StackDeployer.ServiceStatus>> live = deployer.stacks();
            List<StackState> states = new ArrayList<>();
            for (StackDefinition stack : catalog.stacks()) {
                Map<String, String> services = new TreeMap<>();
                List<StackDeployer.ServiceStatus> statuses = live.getOrDefault(stack.name(), List.of());
                statuses.forEach(s -> services.put(s.name(), s.running() + "/" + s.desired()));
                states.add(new StackState(stack, owners.get(stack.name()), services,
                        !statuses.isEmpty() && statuses.stream().allMatch(StackDeployer.ServiceStatus::converged),
                        stack.name().equals(BitcoinNode.STACK) ? nodeStatus(engines, deployer).orElse(null) : null));
            }
            return states;
        } catch (DockerEngineException e) {
            throw dockerFailed(null, cluster, e);
        }
    }

    /**
     * What the bitcoind on {@code cluster} said of itself at its last healthcheck ({@code bcm show}).
     *
     * @return empty when no bitcoind runs there or it has not been checked yet
     * @throws BcmException NOT_FOUND (cluster), DOCKER_FAILED, or as {@link ClusterService#engines} when the cluster is stopped
     */
    public Optional<NodeStatus> nodeStatus(String cluster) {
        try (ClusterService.Engines engines = clusters.engines(cluster)) {
            return nodeStatus(engines, new StackDeployer(engines.manager(), line -> { }));
        } catch (DockerEngineException e) {
            throw dockerFailed(null, cluster, e);
        }
    }

    /**
     * What bitcoind said of itself at its last healthcheck, read from the engine of the tier host its
     * task runs on; empty when it does not run or has not been checked yet.
     */
    private static Optional<NodeStatus> nodeStatus(ClusterService.Engines engines, StackDeployer deployer) {
        for (StackDeployer.RunningTask task : deployer.runningTasks(BitcoinNode.STACK, BitcoinNode.BITCOIND_SERVICE)) {
            Optional<String> host = engines.manager().node(task.nodeId()).map(org.bcm.swarm.SwarmNode::hostname);
            DockerEngine engine = host.map(engines.engines()::get).orElse(null);
            if (engine != null) {
                Optional<NodeStatus> status = engine.lastHealthcheckOutput(task.containerId()).flatMap(NodeStatus::parse);
                if (status.isPresent()) {
                    return status;
                }
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- plumbing

    private StackCatalog catalog() {
        return StackCatalog.load(projects.home());
    }

    private static BcmException deployFailed(String project, String cluster, StackDeployException e) {
        if (e.services().isEmpty()) {
            return new BcmException(Kind.INVALID_INPUT, e.getMessage(), "fix the stack, then run the command again");
        }
        return new BcmException(Kind.TIMEOUT, e.getMessage(),
                "fix the stack or the project's settings, then run 'bcm project deploy --project-name=" + project
                        + " --cluster-name=" + cluster + "' again: it continues from what exists", e);
    }

    private static BcmException dockerFailed(String project, String cluster, DockerEngineException e) {
        return new BcmException(Kind.DOCKER_FAILED, "Docker on cluster '" + cluster + "': " + e.getMessage(),
                project == null ? "check the cluster with 'bcm cluster verify --cluster-name=" + cluster + "'"
                        : "check the cluster with 'bcm cluster verify', then run the command again: it continues from what exists",
                e);
    }

    private static List<String> dedupe(List<String> items) {
        return List.copyOf(new java.util.LinkedHashSet<>(items));
    }
}
