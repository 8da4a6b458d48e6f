package org.bcm.core.project;

import org.bcm.core.project.ImagePublisher.RegistryImages;
import org.bcm.core.project.StackPreparer.PreparedStack;

/**
 * {@code bcm project plan}: what a deploy of the target would build, push, create, update and remove,
 * changing nothing on the cluster (the secrets a project lacks are generated before, by
 * {@link StackPreparer}, as for a deploy). An image the registry does not have yet cannot be
 * pinned by its digest, so the services running it count as updated.
 */
final class DeployPlanner {

    private final ImagePublisher images;

    DeployPlanner(ImagePublisher images) {
        this.images = images;
    }

    DeployReport plan(DeployTarget target) {
        DeployReport.Builder report = new DeployReport.Builder();
        RegistryImages found = ImagePublisher.lookUp(target, target.prepared().images().values());
        found.missing().forEach(recipe -> {
            if (images.needsBuild(target.manager(), recipe)) {
                report.built.add(recipe.reference());
            }
            report.pushed.add(recipe.reference());
        });
        for (PreparedStack stack : target.prepared().stacks()) {
            report.add(target.manager().planStack(DeployTarget.pinned(stack, found.digests()), target.labels(), true));
        }
        for (String stale : target.staleStacks()) {
            report.removed.addAll(target.manager().planStackRemoval(stale));
        }
        return report.build(target.prepared().project().name(), target.cluster());
    }
}
