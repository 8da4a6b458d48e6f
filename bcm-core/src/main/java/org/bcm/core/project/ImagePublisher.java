package org.bcm.core.project;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.image.DockerImageRecipe;
import org.bcm.core.image.DockerImages;
import org.bcm.core.port.SwarmEngine;
import org.bcm.core.project.StackPreparer.PreparedStack;

/**
 * Puts the bcm images a project runs into the cluster registry: each missing one is built (cached on
 * the controller), loaded into the gateway's engine and pushed, the registry service being started
 * first (from the image just loaded, by tag) when it does not run.
 */
final class ImagePublisher {

    /** How long loading or pushing one image may take. */
    static final Duration IMAGE_TRANSFER_TIMEOUT = Duration.ofMinutes(10);

    /**
     * The images as the registry has them.
     *
     * @param digests image reference to the digest the registry serves for it
     * @param missing the images it does not have
     */
    record RegistryImages(Map<String, String> digests, List<DockerImageRecipe> missing) {
    }

    private final DockerImages images;
    private final Progress progress;

    ImagePublisher(Path cacheDir, Progress progress) {
        this.images = new DockerImages(DockerImages.baseRecipe(), cacheDir, progress);
        this.progress = progress;
    }

    /** Asks the registry for each image's digest. */
    static RegistryImages lookUp(DeployTarget target, Collection<DockerImageRecipe> needed) {
        Map<String, String> digests = new TreeMap<>();
        List<DockerImageRecipe> missing = new ArrayList<>();
        for (DockerImageRecipe recipe : needed) {
            Optional<String> digest = target.manager().registryDigest(recipe.reference(), target.registry());
            digest.ifPresentOrElse(d -> digests.put(recipe.reference(), d), () -> missing.add(recipe));
        }
        return new RegistryImages(digests, missing);
    }

    /** Whether publishing {@code recipe} builds it: neither the gateway's engine nor the cache has it. */
    boolean needsBuild(SwarmEngine manager, DockerImageRecipe recipe) {
        return !manager.hasImage(recipe.reference()) && !images.isCached(recipe);
    }

    /**
     * Publishes the missing images, adding their digests to {@code found.digests()}.
     *
     * @param timeout how long the registry service may take to start
     * @throws BcmException DOCKER_FAILED when the registry does not serve an image it was given;
     *     HOST_PREREQUISITE (image build)
     */
    void publish(DeployTarget target, RegistryImages found, DeployReport.Builder report, Duration timeout) {
        SwarmEngine manager = target.manager();
        for (DockerImageRecipe recipe : found.missing()) {
            if (!manager.hasImage(recipe.reference())) {
                if (!images.isCached(recipe)) {
                    report.built.add(recipe.reference());
                }
                Path tarball = images.ensureBuilt(recipe);
                progress.report("image " + recipe.name(), "loading into the gateway's engine");
                manager.importImage(tarball, recipe.repository(), recipe.tag(), recipe.changes(), IMAGE_TRANSFER_TIMEOUT);
            }
        }
        PreparedStack registryStack = target.prepared().registry();
        String stack = registryStack.stack().name();
        String service = registryStack.stack().registry();
        if (!registryRunning(manager, stack, service)) {
            // from the image just loaded into the gateway's engine, by tag: the registry holds no digest yet
            progress.report("registry", "starting the cluster registry (" + stack + "_" + service + ")");
            report.add(manager.deployStack(registryStack.spec().onlyServices(Set.of(service)), target.labels(), false,
                    target.registry(), line -> progress.report("deploy", line)));
            manager.awaitConverged(stack, Set.of(service), timeout, line -> progress.report("deploy", line));
        }
        for (DockerImageRecipe recipe : found.missing()) {
            progress.report("image " + recipe.name(), "pushing " + recipe.reference() + " to the cluster registry");
            manager.pushImage(recipe.repository(), recipe.tag(), target.registry(), IMAGE_TRANSFER_TIMEOUT);
            report.pushed.add(recipe.reference());
            found.digests().put(recipe.reference(), manager.registryDigest(recipe.reference(), target.registry())
                    .orElseThrow(() -> new BcmException(Kind.DOCKER_FAILED,
                            "The cluster registry does not serve " + recipe.reference() + " after it was pushed",
                            "check the registry service: docker service logs " + stack + "_" + service
                                    + " on the gateway host, then deploy again")));
        }
    }

    /** Whether the registry service runs its tasks (then it answers, and only its images are missing). */
    private static boolean registryRunning(SwarmEngine manager, String stack, String service) {
        return manager.stacks().getOrDefault(stack, List.of()).stream()
                .anyMatch(s -> s.name().equals(stack + "_" + service) && s.desired() > 0 && s.converged());
    }
}
