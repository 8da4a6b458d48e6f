package org.bcm.core.adapter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.port.PendingOperation;
import org.bcm.core.port.Ports;
import org.bcm.lxd.Certificate;
import org.bcm.lxd.ExecStream;
import org.bcm.lxd.Image;
import org.bcm.lxd.Instance;
import org.bcm.lxd.InstanceAction;
import org.bcm.lxd.InstanceSpec;
import org.bcm.lxd.InstanceState;
import org.bcm.lxd.LxdClient;
import org.bcm.lxd.Network;
import org.bcm.lxd.NetworkAcl;
import org.bcm.lxd.NetworkSpec;
import org.bcm.lxd.Operation;
import org.bcm.lxd.Profile;
import org.bcm.lxd.ProfileSpec;
import org.bcm.lxd.Project;
import org.bcm.lxd.ProjectSpec;
import org.bcm.lxd.Server;
import org.bcm.lxd.StoragePool;
import org.bcm.lxd.StoragePoolSpec;
import org.bcm.lxd.TrustToken;

/** {@link InstanceServer} over bcm-lxd's {@link LxdClient}: each method is the client's call of the same name. */
public final class LxdInstanceServer implements InstanceServer {

    private final LxdClient lxd;

    public LxdInstanceServer(LxdClient lxd) {
        this.lxd = lxd;
    }

    /** The local LXD daemon ({@link LxdClient#connectLocal()}). */
    public static InstanceServer connectLocal() {
        return new LxdInstanceServer(LxdClient.connectLocal());
    }

    /** A remote LXD daemon over HTTPS ({@link LxdClient#connectRemote}); no request is made yet. */
    public static InstanceServer connectRemote(Ports.RemoteLxd remote) {
        return new LxdInstanceServer(LxdClient.connectRemote(remote.endpoint(), remote.clientCertificate(),
                remote.clientKey(), remote.serverCertificate()));
    }

    /** The local LXD daemon's endpoint, e.g. {@code unix:///var/lib/lxd/unix.socket}, or why there is none. */
    public static String localEndpoint() {
        return LxdClient.localSocket().map(socket -> "unix://" + socket).orElse("none (no LXD socket found)");
    }

    /** An LXD operation as a port's {@link PendingOperation}. */
    private record LxdOperation(Operation operation) implements PendingOperation {
        @Override
        public String description() {
            return operation.description();
        }

        @Override
        public void await(Duration timeout) {
            operation.await(timeout);
        }
    }

    @Override
    public Server server() {
        return lxd.server();
    }

    @Override
    public List<Project> lxdProjects() {
        return lxd.projects();
    }

    @Override
    public Optional<Project> lxdProject(String name) {
        return lxd.project(name);
    }

    @Override
    public void createLxdProject(ProjectSpec spec) {
        lxd.createProject(spec);
    }

    @Override
    public void deleteLxdProject(String name) {
        lxd.deleteProject(name);
    }

    @Override
    public List<Network> networks() {
        return lxd.networks();
    }

    @Override
    public Optional<Network> network(String name) {
        return lxd.network(name);
    }

    @Override
    public void createNetwork(NetworkSpec spec) {
        lxd.createNetwork(spec);
    }

    @Override
    public void updateNetwork(NetworkSpec spec) {
        lxd.updateNetwork(spec);
    }

    @Override
    public Optional<NetworkAcl> networkAcl(String name) {
        return lxd.networkAcl(name);
    }

    @Override
    public void createNetworkAcl(NetworkAcl acl) {
        lxd.createNetworkAcl(acl);
    }

    @Override
    public void updateNetworkAcl(NetworkAcl acl) {
        lxd.updateNetworkAcl(acl);
    }

    @Override
    public void deleteNetworkAcl(String name) {
        lxd.deleteNetworkAcl(name);
    }

    @Override
    public void deleteNetwork(String name) {
        lxd.deleteNetwork(name);
    }

    @Override
    public List<StoragePool> storagePools() {
        return lxd.storagePools();
    }

    @Override
    public Optional<StoragePool> storagePool(String name) {
        return lxd.storagePool(name);
    }

    @Override
    public void createStoragePool(StoragePoolSpec spec) {
        lxd.createStoragePool(spec);
    }

    @Override
    public void deleteStoragePool(String name) {
        lxd.deleteStoragePool(name);
    }

    @Override
    public Optional<Image> imageByAlias(String alias) {
        return lxd.imageByAlias(alias);
    }

    @Override
    public Image importImage(Path metadataTarball, Path rootfsTarball, Map<String, String> properties, LongConsumer sent,
            Duration timeout) {
        return lxd.importImage(metadataTarball, rootfsTarball, properties, sent, timeout);
    }

    @Override
    public void createImageAlias(String alias, String fingerprint, String description) {
        lxd.createImageAlias(alias, fingerprint, description);
    }

    @Override
    public InstanceServer useLxdProject(String lxdProject) {
        return new LxdInstanceServer(lxd.useProject(lxdProject));
    }

    @Override
    public String lxdProjectInUse() {
        return lxd.project();
    }

    @Override
    public List<Profile> profiles() {
        return lxd.profiles();
    }

    @Override
    public Optional<Profile> profile(String name) {
        return lxd.profile(name);
    }

    @Override
    public void createProfile(ProfileSpec spec) {
        lxd.createProfile(spec);
    }

    @Override
    public void updateProfile(ProfileSpec spec) {
        lxd.updateProfile(spec);
    }

    @Override
    public void deleteProfile(String name) {
        lxd.deleteProfile(name);
    }

    @Override
    public List<Instance> instances() {
        return lxd.instances();
    }

    @Override
    public List<Instance> instancesWithConfig(String key, String value) {
        return lxd.instancesWithConfig(key, value);
    }

    @Override
    public Optional<Instance> instance(String name) {
        return lxd.instance(name);
    }

    @Override
    public PendingOperation createInstance(InstanceSpec spec) {
        return new LxdOperation(lxd.createInstance(spec));
    }

    @Override
    public void updateInstanceConfig(String name, Map<String, String> config, Map<String, Map<String, String>> devices) {
        lxd.updateInstanceConfig(name, config, devices);
    }

    @Override
    public PendingOperation changeState(String name, InstanceAction action, Duration timeout, boolean force) {
        return new LxdOperation(lxd.changeState(name, action, timeout, force));
    }

    @Override
    public PendingOperation deleteInstance(String name) {
        return new LxdOperation(lxd.deleteInstance(name));
    }

    @Override
    public Optional<InstanceState> instanceState(String name) {
        return lxd.instanceState(name);
    }

    @Override
    public List<PendingOperation> runningOperations() {
        return lxd.runningOperations().stream().<PendingOperation>map(LxdOperation::new).toList();
    }

    @Override
    public void awaitAll(List<PendingOperation> operations, Duration timeout) {
        Operation.awaitAll(operations.stream().map(op -> ((LxdOperation) op).operation()).toList(), timeout);
    }

    @Override
    public List<Image> images() {
        return lxd.images();
    }

    @Override
    public PendingOperation deleteImage(String fingerprint) {
        return new LxdOperation(lxd.deleteImage(fingerprint));
    }

    @Override
    public ExecStream execStream(String instance, List<String> command) {
        return lxd.execStream(instance, command);
    }

    @Override
    public void pushFile(String instance, String path, byte[] content, int mode) {
        lxd.pushFile(instance, path, content, 0, 0, mode);
    }

    @Override
    public List<Certificate> certificates() {
        return lxd.certificates();
    }

    @Override
    public void trustWithToken(String name, TrustToken token) {
        lxd.trustWithToken(name, token);
    }

    @Override
    public void removeCertificate(String fingerprint) {
        lxd.removeCertificate(fingerprint);
    }

    @Override
    public void close() {
        lxd.close();
    }
}
