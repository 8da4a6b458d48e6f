package org.bcm.core.project;

import java.time.Duration;
import org.bcm.core.Progress;
import org.bcm.core.project.ImagePublisher.RegistryImages;
import org.bcm.core.project.StackPreparer.PreparedStack;

/**
 * {@code bcm project deploy} on a target: publishes the missing images ({@link ImagePublisher}), then
 * converges each stack in dependency order with its images pinned by digest and waits for it, then
 * removes the stacks the project no longer includes. Every step converges from what exists, so a
 * deploy killed at any point is finished by the next.
 */
final class DeployApplier {

    private final ImagePublisher images;
    private final Progress progress;

    DeployApplier(ImagePublisher images, Progress progress) {
        this.images = images;
        this.progress = progress;
    }

    /**
     * @param timeout how long each stack may take to converge
     * @throws org.bcm.swarm.StackDeployException a stack that did not converge
     * @throws org.bcm.swarm.DockerEngineException the engine refused a step
     */
    DeployReport apply(DeployTarget target, Duration timeout) {
        DeployReport.Builder report = new DeployReport.Builder();
        RegistryImages found = ImagePublisher.lookUp(target, target.prepared().images().values());
        if (!found.missing().isEmpty()) {
            images.publish(target, found, report, timeout);
        }
        for (PreparedStack stack : target.prepared().stacks()) {
            progress.report("stack " + stack.stack().name(), "deploying");
            report.add(target.manager().deployStack(DeployTarget.pinned(stack, found.digests()), target.labels(), true,
                    target.registry(), line -> progress.report("deploy", line)));
            target.manager().awaitConverged(stack.stack().name(), null, timeout, line -> progress.report("deploy", line));
        }
        for (String stale : target.staleStacks()) {
            progress.report("stack " + stale, "removing (no longer in the project)");
            report.removed.addAll(target.manager().removeStack(stale, line -> progress.report("deploy", line)));
        }
        return report.build(target.prepared().project().name(), target.cluster());
    }
}
