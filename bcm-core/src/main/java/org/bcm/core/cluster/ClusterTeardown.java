package org.bcm.core.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bcm.core.Progress;
import org.bcm.core.image.BaseImage;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.PendingOperation;
import org.bcm.lxd.Image;
import org.bcm.lxd.Instance;
import org.bcm.lxd.InstanceAction;
import org.bcm.lxd.Network;
import org.bcm.lxd.Profile;
import org.bcm.lxd.Project;
import org.bcm.lxd.StoragePool;

/** {@code bcm cluster stop} and {@code destroy}: by the cluster's label, whatever of it exists. */
final class ClusterTeardown {

    private final ClusterTimeouts timeouts;
    private final Progress progress;

    ClusterTeardown(ClusterTimeouts timeouts, Progress progress) {
        this.timeouts = timeouts;
        this.progress = progress;
    }

    /**
     * Stops every running instance of the cluster (gracefully, forced after 30 s).
     *
     * @return whether the cluster has an LXD project (false: nothing to stop)
     */
    boolean stop(InstanceServer lxd, ClusterLayout layout) {
        if (lxd.lxdProject(layout.lxdProject()).filter(p -> layout.owns(p.config())).isEmpty()) {
            return false;
        }
        InstanceServer inProject = lxd.useLxdProject(layout.lxdProject());
        List<PendingOperation> stopping = new ArrayList<>();
        for (Instance instance : inProject.instancesWithConfig(ClusterLayout.CLUSTER_LABEL, layout.clusterName())) {
            if (instance.running()) {
                progress.report(instance.name(), "stopping");
                stopping.add(inProject.changeState(instance.name(), InstanceAction.STOP, Duration.ofSeconds(30), true));
            }
        }
        inProject.awaitAll(stopping, timeouts.operation());
        return true;
    }

    /**
     * Removes everything that carries the cluster's label: instances, profiles, the LXD project, the
     * network, the storage pool.
     *
     * @return what was removed, e.g. {@code instance bcm-gateway-01}
     */
    List<String> destroy(InstanceServer lxd, ClusterLayout layout) {
        List<String> removed = new ArrayList<>();
        for (Project project : lxd.lxdProjects()) {
            if (!layout.owns(project.config())) {
                continue;
            }
            InstanceServer inProject = lxd.useLxdProject(project.name());
            LxdOperations.awaitLeftOver(inProject, timeouts.operation(), progress);
            for (Instance instance : inProject.instances()) {
                removed.add(deleteInstance(inProject, instance));
            }
            for (Profile profile : inProject.profiles()) {
                if (!"default".equals(profile.name())) {
                    inProject.deleteProfile(profile.name());
                    removed.add("profile " + profile.name());
                }
            }
            lxd.deleteLxdProject(project.name());
            removed.add("LXD project " + project.name());
        }
        for (Network network : lxd.networks()) {
            if (network.managed() && layout.owns(network.config())) {
                progress.report("lxd", "deleting network " + network.name());
                lxd.deleteNetwork(network.name());
                removed.add("network " + network.name());
            }
        }
        removed.addAll(ClusterEgress.remove(lxd, layout));
        for (StoragePool pool : lxd.storagePools()) {
            if (layout.owns(pool.config())) {
                progress.report("lxd", "deleting storage pool " + pool.name());
                lxd.deleteStoragePool(pool.name());
                removed.add("storage pool " + pool.name());
            }
        }
        return removed;
    }

    /**
     * Deletes an instance, stopping it first (forced after 10 s).
     *
     * @return what was removed, e.g. {@code instance bcm-bitcoin-02}
     */
    String deleteInstance(InstanceServer inProject, Instance instance) {
        progress.report(instance.name(), "deleting");
        if (!"Stopped".equalsIgnoreCase(instance.status())) {
            inProject.changeState(instance.name(), InstanceAction.STOP, Duration.ofSeconds(10), true).await(timeouts.operation());
        }
        inProject.deleteInstance(instance.name()).await(timeouts.operation());
        return "instance " + instance.name();
    }

    /**
     * {@link #destroy} on a remote endpoint; when no bcm cluster is left there (LXD tells, not the
     * controller's files), leaves the endpoint as bcm found it: deletes bcm's base images there
     * ({@code bcm-base-*}) and the endpoint's trust in this controller's certificate (last: after it
     * this connection is refused). LXD itself stays installed.
     *
     * @param controllerFingerprint SHA-256 of the controller's client certificate
     * @return what was removed
     */
    List<String> destroyRemote(InstanceServer lxd, ClusterLayout layout, String controllerFingerprint) {
        List<String> removed = new ArrayList<>(destroy(lxd, layout));
        if (lxd.lxdProjects().stream().anyMatch(p -> p.config().containsKey(ClusterLayout.CLUSTER_LABEL))) {
            return removed;
        }
        for (Image image : lxd.images()) {
            if (image.aliases().stream().anyMatch(a -> a.startsWith(BaseImage.ALIAS_PREFIX))) {
                progress.report("lxd", "deleting image " + String.join(", ", image.aliases()));
                lxd.deleteImage(image.fingerprint()).await(timeouts.operation());
                removed.add("image " + String.join(", ", image.aliases()));
            }
        }
        if (lxd.certificates().stream().anyMatch(c -> c.fingerprint().equals(controllerFingerprint))) {
            lxd.removeCertificate(controllerFingerprint);
            removed.add("trusted certificate " + controllerFingerprint.substring(0, 12));
        }
        return removed;
    }
}
