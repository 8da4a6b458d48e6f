package org.bcm.core.project;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.image.DockerImageRecipe;
import org.bcm.core.port.SwarmEngine;
import org.bcm.core.project.StackPreparer.PreparedProject;
import org.bcm.core.project.StackPreparer.PreparedStack;
import org.bcm.swarm.RegistryCredentials;
import org.bcm.swarm.StackSpec;

/**
 * A prepared project and the swarm it goes to: what {@link DeployPlanner} compares and
 * {@link DeployApplier} converges, with the labels every object gets and the registry credentials
 * the swarm pulls with.
 *
 * @param owners   each stack on the swarm to the project that deployed it ({@value ProjectService#PROJECT_LABEL})
 * @param registry the cluster registry's credentials, or null when the project has no registry
 */
record DeployTarget(PreparedProject prepared, String cluster, SwarmEngine manager, Map<String, String> owners,
        RegistryCredentials registry) {

    /**
     * Reads who owns the stacks on the swarm and the registry password (with an identity: decrypted
     * on the device, so only once the cluster is known to answer).
     *
     * @throws BcmException CONFLICT when the swarm runs another project's stacks
     */
    static DeployTarget of(PreparedProject prepared, String cluster, SwarmEngine manager) {
        String name = prepared.project().name();
        Map<String, String> owners = manager.stackLabel(ProjectService.PROJECT_LABEL);
        owners.values().stream().filter(owner -> !owner.equals(name)).findFirst().ifPresent(other -> {
            throw new BcmException(Kind.CONFLICT, "Cluster '" + cluster + "' runs project '" + other + "'",
                    "remove it first (bcm project remove --project-name=" + other + " --cluster-name=" + cluster
                            + "), or deploy to another cluster");
        });
        ProjectSecrets.Secret password = prepared.registryPassword();
        RegistryCredentials registry = password == null ? null : new RegistryCredentials(DockerImageRecipe.REGISTRY,
                RegistryCredentialsFile.USER, new String(password.value().get(), StandardCharsets.US_ASCII));
        return new DeployTarget(prepared, cluster, manager, owners, registry);
    }

    /**
     * The labels of every swarm object: the project and, with a registry, the suffix of its password
     * (a new password is a new suffix: every service is updated, and the swarm keeps the new
     * credentials with it).
     */
    Map<String, String> labels() {
        Map<String, String> labels = new TreeMap<>(Map.of(ProjectService.PROJECT_LABEL, prepared.project().name()));
        if (prepared.registryPassword() != null) {
            labels.put(ProjectService.REGISTRY_CREDENTIALS_LABEL, prepared.registryPassword().suffix());
        }
        return labels;
    }

    /** The stack's spec with each bcm image pinned by the digest the registry holds for its tag. */
    static StackSpec pinned(PreparedStack stack, Map<String, String> digests) {
        return stack.spec().withImages(image -> digests.containsKey(image) ? image + "@" + digests.get(image) : image);
    }

    /** The stacks this project deployed that it no longer includes. */
    List<String> staleStacks() {
        return owners.entrySet().stream()
                .filter(owned -> owned.getValue().equals(prepared.project().name())
                        && !prepared.project().stacks().containsKey(owned.getKey()))
                .map(Map.Entry::getKey).toList();
    }
}
