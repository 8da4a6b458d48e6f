package org.bcm.core.project;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.bitcoin.BitcoinNode;
import org.bcm.core.cluster.ClusterDefinition;
import org.bcm.core.cluster.ClusterLayout;
import org.bcm.core.image.DockerImageRecipe;
import org.bcm.core.monitoring.MetricsTarget;
import org.bcm.core.monitoring.Monitored;
import org.bcm.core.monitoring.TierHost;
import org.bcm.core.stack.StackCatalog;
import org.bcm.core.stack.StackDefinition;
import org.bcm.core.tor.OnionService;
import org.bcm.swarm.ComposeFile;
import org.bcm.swarm.ComposeFileException;
import org.bcm.swarm.StackSpec;

/**
 * Reads every stack of a project with the project's settings and gives each secret its content
 * (generating what is missing), touching no cluster: a malformed stack or a bad setting changes
 * nothing there. The first step of {@code project plan}, {@code deploy}.
 */
final class StackPreparer {

    /** A stack ready to deploy: its definition, its parsed spec and the bcm images it runs. */
    record PreparedStack(StackDefinition stack, StackSpec spec, Map<String, DockerImageRecipe> images) {
    }

    /**
     * What a deploy of the project sends: its stacks in dependency order, read with the project's
     * settings, their secrets supplied, and the registry's password (null without a registry).
     *
     * @param registryStack the stack that runs the cluster registry, or null
     */
    record PreparedProject(ProjectDefinition project, List<PreparedStack> stacks, StackDefinition registryStack,
            ProjectSecrets.Secret registryPassword) {

        /** Every bcm image the stacks run, by recipe name. */
        Map<String, DockerImageRecipe> images() {
            Map<String, DockerImageRecipe> needed = new LinkedHashMap<>();
            stacks.forEach(p -> needed.putAll(p.images()));
            return needed;
        }

        /** The prepared registry stack; throws when there is none. */
        PreparedStack registry() {
            return stacks.stream().filter(p -> p.stack() == registryStack).findFirst().orElseThrow();
        }
    }

    /** The generated secret, kept with the registry stack's, that is the cluster registry's password. */
    static final String REGISTRY_PASSWORD = "registry_password";

    private final ProjectStore projects;
    private final ProjectSecrets secrets;

    StackPreparer(ProjectStore projects, ProjectSecrets secrets) {
        this.projects = projects;
        this.secrets = secrets;
    }

    /**
     * @param clusterVariables the facts of the cluster it goes to ({@link ClusterVariables})
     * @throws BcmException NOT_FOUND (stack), INVALID_INPUT (malformed stack, settings, secrets; bcm
     *     images without a registry stack)
     */
    PreparedProject prepare(ProjectDefinition project, Map<String, String> clusterVariables) {
        StackCatalog catalog = StackCatalog.load(projects.home());
        Map<String, DockerImageRecipe> recipes = new TreeMap<>();
        catalog.images().values().forEach(recipe -> recipes.put(recipe.reference(), recipe));
        Parsed parsed = parse(project, catalog, clusterVariables);
        StackDefinition registryStack = parsed.specs().keySet().stream().filter(s -> s.registry() != null).findFirst().orElse(null);
        ProjectSecrets.Secret registryPassword = registryStack == null ? null
                : secrets.generated(project.name(), registryStack.name(), REGISTRY_PASSWORD, 32);
        ProjectOnions projectOnions = new ProjectOnions(projects.home(), secrets);
        Map<String, OnionService> onionsByName = OnionService.byName(parsed.onions());
        GeneratedSecrets generated = new GeneratedSecrets(secrets, project, parsed.node(), registryPassword,
                () -> projectOnions.secret(project.name(), parsed.onions()),
                name -> onionsByName.containsKey(name) ? projectOnions.address(project.name(), onionsByName.get(name)) : null,
                new Monitored(TierHost.parse(clusterVariables.get(ClusterVariables.TIER_HOSTS)), parsed.metrics()));
        List<PreparedStack> prepared = new ArrayList<>();
        parsed.specs().forEach((stack, spec) -> prepared.add(supply(project, stack, spec, recipes, generated)));
        PreparedProject result = new PreparedProject(project, List.copyOf(prepared), registryStack, registryPassword);
        if (!result.images().isEmpty() && registryStack == null) {
            throw new BcmException(Kind.INVALID_INPUT, "Project '" + project.name() + "' runs bcm images but includes no stack with the registry",
                    "include the gateway stack: bcm project create ... --stacks=gateway,...");
        }
        return result;
    }

    /**
     * The onion services the project's stacks declare, read with its settings (no secret is made).
     *
     * @throws BcmException as {@link #prepare}
     */
    List<OnionService> onions(ProjectDefinition project) {
        return parse(project, StackCatalog.load(projects.home()), ClusterVariables.unknown()).onions();
    }

    /**
     * The project's stacks read with its settings, in dependency order, its node, and the onion services
     * they declare (checked to have distinct names).
     */
    private record Parsed(Map<StackDefinition, StackSpec> specs, Optional<BitcoinNode> node, List<OnionService> onions,
            List<MetricsTarget> metrics) {
    }

    private Parsed parse(ProjectDefinition project, StackCatalog catalog, Map<String, String> clusterVariables) {
        List<StackDefinition> stacks = catalog.inDependencyOrder(project.stacks().keySet());
        Optional<BitcoinNode> node = BitcoinNode.of(project, stacks);
        Map<String, String> imageVariables = catalog.imageVariables();
        Map<StackDefinition, StackSpec> specs = new LinkedHashMap<>();
        List<OnionService> onions = new ArrayList<>();
        List<MetricsTarget> metrics = new ArrayList<>();
        for (StackDefinition stack : stacks) {
            StackSpec spec = parse(project, stack, imageVariables, clusterVariables, node);
            specs.put(stack, spec);
            onions.addAll(OnionService.declared(stack.name(), spec, project.chain()));
            metrics.addAll(MetricsTarget.declared(stack, spec));
        }
        OnionService.byName(onions);
        return new Parsed(specs, node, List.copyOf(onions), List.copyOf(metrics));
    }

    /**
     * Reads a stack's Compose file with the project's settings.
     *
     * @param imageVariables   {@code BCM_IMAGE_<NAME>} to image reference, for every recipe
     * @param clusterVariables the cluster's facts ({@link ClusterVariables})
     */
    private StackSpec parse(ProjectDefinition project, StackDefinition stack, Map<String, String> imageVariables,
            Map<String, String> clusterVariables, Optional<BitcoinNode> node) {
        Map<String, String> values = project.stacks().getOrDefault(stack.name(), Map.of());
        for (String key : values.keySet()) {
            if (!stack.settings().containsKey(key)) {
                throw new BcmException(Kind.INVALID_INPUT, "Project '" + project.name() + "' sets " + stack.name() + "." + key
                        + ", which stack " + stack.name() + " does not declare",
                        "remove it from " + projects.home().projectDir(project.name()).resolve("project.yml"));
            }
        }
        Map<String, String> variables = new TreeMap<>(imageVariables);
        variables.putAll(clusterVariables);
        variables.put("BCM_PROJECT", project.name());
        variables.put("BCM_CHAIN", project.chain());
        node.ifPresent(bitcoin -> variables.putAll(bitcoin.variables()));
        for (StackDefinition.Setting setting : stack.settings().values()) {
            String value = values.getOrDefault(setting.name(), setting.defaultFor(project.chain()));
            setting.validate(stack.name(), value);
            variables.put(setting.name(), value);
        }
        derive(stack, variables);
        StackSpec spec;
        try {
            spec = ComposeFile.parse(stack.compose(), stack.name() + "/stack.yml (" + stack.origin() + ")", stack.dir(),
                    stack.name(), variables);
        } catch (ComposeFileException e) {
            throw new BcmException(Kind.INVALID_INPUT, e.getMessage(), "fix " + stack.dir().resolve("stack.yml")
                    + "; nothing was deployed");
        }
        return onFirstEndpoint(when(stack, spec, variables, project.stacks().keySet()), clusterVariables);
    }

    /**
     * When the swarm spans several endpoints ({@code bcm cluster add-endpoint}), every replicated service
     * that names no endpoint itself is placed on the cluster's first endpoint
     * ({@code node.labels.bcm.endpoint == first}): its volumes live there, and its host-mode ports are
     * what the other tier hosts reach through their forwarding. A global service runs on every node.
     */
    static StackSpec onFirstEndpoint(StackSpec spec, Map<String, String> clusterVariables) {
        String endpoints = clusterVariables.getOrDefault(ClusterVariables.ENDPOINTS, "");
        if (endpoints.isBlank() || endpoints.strip().equals(ClusterDefinition.FIRST_ENDPOINT)) {
            return spec;
        }
        return spec.mapServices(service -> "global".equals(service.deploy().mode())
                || service.deploy().constraints().stream().anyMatch(c -> c.contains("node.labels." + ClusterLayout.SWARM_ENDPOINT_LABEL))
                ? service : service.withConstraint("node.labels." + ClusterLayout.SWARM_ENDPOINT_LABEL + " == " + ClusterDefinition.FIRST_ENDPOINT));
    }

    /**
     * The stack without the services whose {@code x-bcm-when} does not hold, and without the secrets and
     * configs only those mount (so none is generated for them). {@code x-bcm-when: {SETTING: VALUE}} (or a
     * list of values; several settings must all match) keeps a service only when the stack's setting has
     * that value, e.g. the lightning stack runs {@code cln} or {@code lnd} as {@code IMPLEMENTATION} says.
     * {@code x-bcm-if-stacks: [STACK, ...]} keeps a service only when the project includes every stack
     * named, e.g. the monitoring stack's bitcoind exporter; the networks only left-out services join go too.
     *
     * @throws BcmException INVALID_INPUT when the condition names no setting of the stack
     */
    private static StackSpec when(StackDefinition stack, StackSpec spec, Map<String, String> variables,
            java.util.Set<String> projectStacks) {
        java.util.Set<String> kept = new java.util.LinkedHashSet<>();
        for (StackSpec.Service service : spec.services().values()) {
            JsonNode when = service.extensions().get("x-bcm-when");
            boolean holds = true;
            for (JsonNode needed : service.extensions().getOrDefault("x-bcm-if-stacks", com.fasterxml.jackson.databind.node.MissingNode.getInstance())) {
                holds &= projectStacks.contains(needed.asText());
            }
            if (when != null) {
                if (!when.isObject() || when.isEmpty()) {
                    throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": service " + service.name()
                            + ": x-bcm-when must map settings to values", "fix " + stack.dir().resolve("stack.yml"));
                }
                for (Map.Entry<String, JsonNode> condition : when.properties()) {
                    if (!stack.settings().containsKey(condition.getKey())) {
                        throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": service " + service.name()
                                + ": x-bcm-when names " + condition.getKey() + ", which is no setting of the stack",
                                "fix " + stack.dir().resolve("stack.yml"));
                    }
                    List<String> values = new ArrayList<>();
                    if (condition.getValue().isArray()) {
                        condition.getValue().forEach(v -> values.add(v.asText()));
                    } else {
                        values.add(condition.getValue().asText());
                    }
                    holds &= values.contains(variables.get(condition.getKey()));
                }
            }
            if (holds) {
                kept.add(service.name());
            }
        }
        return kept.size() == spec.services().size() ? spec : spec.onlyServices(kept);
    }

    /**
     * The variables a stack derives from its settings ({@code x-bcm.derived.NAME: {from: SETTING, values:
     * {SETTING-VALUE: VALUE}, default: VALUE}}), e.g. a service's replicas from a mode setting.
     *
     * @throws BcmException INVALID_INPUT when an entry names no setting of the stack or has no default
     */
    private static void derive(StackDefinition stack, Map<String, String> variables) {
        for (Map.Entry<String, JsonNode> entry : stack.meta().path("derived").properties()) {
            JsonNode rule = entry.getValue();
            String from = rule.path("from").asText("");
            if (!stack.settings().containsKey(from) || !rule.path("default").isValueNode()) {
                throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + ": x-bcm.derived." + entry.getKey()
                        + " needs from: (one of its settings) and default:", "fix " + stack.dir().resolve("stack.yml"));
            }
            variables.put(entry.getKey(), rule.path("values").path(variables.get(from)).asText(rule.path("default").asText()));
        }
    }

    /**
     * Gives a parsed stack's secrets their content (generating what is missing) and finds its bcm images.
     *
     * @param recipes image reference to its recipe
     */
    private PreparedStack supply(ProjectDefinition project, StackDefinition stack, StackSpec spec,
            Map<String, DockerImageRecipe> recipes, GeneratedSecrets generated) {
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
        return new PreparedStack(stack, spec, images);
    }
}
