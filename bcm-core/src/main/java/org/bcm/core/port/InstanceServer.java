package org.bcm.core.port;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.bcm.lxd.Certificate;
import org.bcm.lxd.ExecStream;
import org.bcm.lxd.Image;
import org.bcm.lxd.Instance;
import org.bcm.lxd.InstanceAction;
import org.bcm.lxd.InstanceSpec;
import org.bcm.lxd.InstanceState;
import org.bcm.lxd.Network;
import org.bcm.lxd.NetworkAcl;
import org.bcm.lxd.NetworkSpec;
import org.bcm.lxd.Profile;
import org.bcm.lxd.ProfileSpec;
import org.bcm.lxd.Project;
import org.bcm.lxd.ProjectSpec;
import org.bcm.lxd.Server;
import org.bcm.lxd.StoragePool;
import org.bcm.lxd.StoragePoolSpec;
import org.bcm.lxd.TrustToken;

/**
 * What bcm's orchestration asks of an LXD endpoint, after LXD's Go client {@code InstanceServer}:
 * server-wide objects (LXD projects, networks, storage pools, images) and, inside the LXD project this
 * server {@linkplain #useLxdProject works in}, profiles, instances and operations. The value types are
 * bcm-lxd's records; {@code org.bcm.core.adapter.LxdInstanceServer} implements it over
 * {@link org.bcm.lxd.LxdClient}, the unit tests over an in-memory LXD.
 *
 * <p>Every method throws {@link org.bcm.lxd.LxdException} (its {@code statusCode()} LXD's: 404 a missing
 * object, 409 a name taken) or {@link org.bcm.lxd.LxdUnavailableException} when the endpoint does not
 * answer.
 */
public interface InstanceServer extends AutoCloseable {

    /** GET /1.0: the server's version and whether it trusts this client. */
    Server server();

    /** GET /1.0/projects?recursion=1. */
    List<Project> lxdProjects();

    /** GET /1.0/projects/NAME; empty when there is none. */
    Optional<Project> lxdProject(String name);

    /** POST /1.0/projects. */
    void createLxdProject(ProjectSpec spec);

    /** DELETE /1.0/projects/NAME (it must hold no instances or profiles but {@code default}). */
    void deleteLxdProject(String name);

    /** GET /1.0/networks?recursion=1: managed networks and the host's interfaces. */
    List<Network> networks();

    /** GET /1.0/networks/NAME; empty when there is none. */
    Optional<Network> network(String name);

    /** POST /1.0/networks. */
    void createNetwork(NetworkSpec spec);

    /** GET then PUT /1.0/networks/NAME: its description and configuration replaced. */
    void updateNetwork(NetworkSpec spec);

    /** GET /1.0/network-acls/NAME; empty when there is none. */
    Optional<NetworkAcl> networkAcl(String name);

    /** POST /1.0/network-acls. */
    void createNetworkAcl(NetworkAcl acl);

    /** GET then PUT /1.0/network-acls/NAME. */
    void updateNetworkAcl(NetworkAcl acl);

    /** DELETE /1.0/network-acls/NAME. */
    void deleteNetworkAcl(String name);

    /** DELETE /1.0/networks/NAME. */
    void deleteNetwork(String name);

    /** GET /1.0/storage-pools?recursion=1. */
    List<StoragePool> storagePools();

    /** GET /1.0/storage-pools/NAME; empty when there is none. */
    Optional<StoragePool> storagePool(String name);

    /** POST /1.0/storage-pools. */
    void createStoragePool(StoragePoolSpec spec);

    /** DELETE /1.0/storage-pools/NAME. */
    void deleteStoragePool(String name);

    /** GET /1.0/images/aliases/ALIAS, then the image; empty when the alias does not exist. */
    Optional<Image> imageByAlias(String alias);

    /**
     * POST /1.0/images with a split image (metadata and rootfs tarballs); an image with the same
     * fingerprint is returned without an upload.
     *
     * @param sent receives the bytes uploaded so far
     */
    Image importImage(Path metadataTarball, Path rootfsTarball, Map<String, String> properties, LongConsumer sent,
            Duration timeout);

    /** POST /1.0/images/aliases. */
    void createImageAlias(String alias, String fingerprint, String description);

    /** The same endpoint working in LXD project {@code lxdProject} (the {@code ?project=} of every call). */
    InstanceServer useLxdProject(String lxdProject);

    /** The LXD project this server works in ({@code default} unless {@link #useLxdProject} chose one). */
    String lxdProjectInUse();

    /** GET /1.0/profiles?recursion=1 in the LXD project in use. */
    List<Profile> profiles();

    /** GET /1.0/profiles/NAME; empty when there is none. */
    Optional<Profile> profile(String name);

    /** POST /1.0/profiles. */
    void createProfile(ProfileSpec spec);

    /** PUT /1.0/profiles/NAME: replaces its config, devices and description. */
    void updateProfile(ProfileSpec spec);

    /** DELETE /1.0/profiles/NAME. */
    void deleteProfile(String name);

    /** GET /1.0/instances?recursion=1 in the LXD project in use. */
    List<Instance> instances();

    /** The instances whose config has {@code key=value} (a label). */
    List<Instance> instancesWithConfig(String key, String value);

    /** GET /1.0/instances/NAME; empty when there is none. */
    Optional<Instance> instance(String name);

    /** POST /1.0/instances: the creation runs as an operation. */
    PendingOperation createInstance(InstanceSpec spec);

    /** PATCH /1.0/instances/NAME: adds or replaces these config keys and devices. */
    void updateInstanceConfig(String name, Map<String, String> config, Map<String, Map<String, String>> devices);

    /**
     * PUT /1.0/instances/NAME/state.
     *
     * @param timeout how long LXD lets the instance take (a stop without {@code force} waits for its shutdown)
     */
    PendingOperation changeState(String name, InstanceAction action, Duration timeout, boolean force);

    /** DELETE /1.0/instances/NAME (it must be stopped). */
    PendingOperation deleteInstance(String name);

    /** GET /1.0/instances/NAME/state; empty when there is no such instance. */
    Optional<InstanceState> instanceState(String name);

    /** GET /1.0/operations: those still running in the LXD project in use. */
    List<PendingOperation> runningOperations();

    /**
     * Waits for several operations at once (LXD forgets an ended operation after a few seconds: they
     * cannot be awaited one after another).
     *
     * @param timeout how long each may take, from this call
     * @throws org.bcm.lxd.LxdException the first failure, once every wait has returned
     */
    void awaitAll(List<PendingOperation> operations, Duration timeout);

    /** Releases the connection; never throws. */
    /** Every image in the default LXD project (GET /1.0/images?recursion=1). */
    List<Image> images();

    /** Deletes an image by fingerprint (DELETE /1.0/images/FINGERPRINT). */
    PendingOperation deleteImage(String fingerprint);

    /**
     * Starts a command in a running instance with its stdin and stdout as streams (LXD: POST
     * /1.0/instances/NAME/exec with websockets); the caller closes it.
     */
    ExecStream execStream(String instance, List<String> command);

    /**
     * Writes a file into an instance, running or stopped, replacing it (LXD: POST
     * /1.0/instances/NAME/files?path=PATH), owned by root; the parent directory must exist.
     *
     * @param mode permission bits, e.g. {@code 0644}
     */
    void pushFile(String instance, String path, byte[] content, int mode);

    /** The client certificates this LXD trusts (GET /1.0/certificates). */
    List<Certificate> certificates();

    /** Makes LXD trust this connection's client certificate by redeeming a trust token (POST /1.0/certificates). */
    void trustWithToken(String name, TrustToken token);

    /** Removes a trusted certificate by SHA-256 fingerprint (DELETE /1.0/certificates/FINGERPRINT). */
    void removeCertificate(String fingerprint);

    @Override
    void close();
}
