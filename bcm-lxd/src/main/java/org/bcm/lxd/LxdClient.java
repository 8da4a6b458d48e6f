package org.bcm.lxd;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.bcm.lxd.Requests.NetworkPut;
import org.bcm.lxd.Requests.NetworksPost;
import org.bcm.lxd.Requests.ProfilePut;
import org.bcm.lxd.Requests.ProfilesPost;
import org.bcm.lxd.Requests.ProjectPut;
import org.bcm.lxd.Requests.ProjectsPost;
import org.bcm.lxd.Requests.StoragePoolsPost;

/**
 * Client for the LXD REST API (tested against LXD 5.0.2), over the local unix socket or over
 * HTTPS with a client certificate.
 *
 * <p>Conventions, after LXD's own Go client:
 * <ul>
 *   <li>Mutations LXD runs in the background return an {@link Operation}; call {@link
 *       Operation#await(Duration)}. Methods returning {@code void} wait themselves, up to
 *       {@link #operationTimeout()} (2 minutes unless changed with {@link #withOperationTimeout}).</li>
 *   <li>Reads of single objects carry the object's ETag; {@code update*} methods read the object
 *       and send that ETag back ({@code If-Match}), so a concurrent change makes the update fail
 *       with status 412 instead of being overwritten.</li>
 *   <li>{@link #useProject(String)} returns a copy bound to a project; it shares the connection
 *       pool. Instances, profiles, images, networks and operations are project-scoped (the
 *       {@code ?project=} parameter is added); the server, projects, storage pools and
 *       certificates are not.</li>
 *   <li>Lookups of a single missing object return {@link Optional#empty()} (LXD answered 404);
 *       every other failure throws {@link LxdException} (unchecked), {@link
 *       LxdUnavailableException} when LXD cannot be reached at all.</li>
 * </ul>
 *
 * <p>Instances of this class are thread-safe. Requests are logged at debug level through SLF4J;
 * nothing is printed.
 */
public final class LxdClient implements AutoCloseable {

    /** Socket of Debian's LXD package. */
    public static final Path DEBIAN_SOCKET = Path.of("/var/lib/lxd/unix.socket");
    /** Socket of the LXD snap. */
    public static final Path SNAP_SOCKET = Path.of("/var/snap/lxd/common/lxd/unix.socket");
    /** Default wait for operations behind {@code void} methods. */
    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofMinutes(2);

    private final LxdConnection lxd;
    private final Duration operationTimeout;
    private final Operations operations;
    private final Daemon daemon;
    private final ApiObjects<Project> projects;
    private final ApiObjects<Profile> profiles;
    private final ApiObjects<Network> networks;
    private final ApiObjects<NetworkAcl> networkAcls;
    private final ApiObjects<StoragePool> storagePools;
    private final Images images;
    private final Instances instances;

    private LxdClient(LxdConnection lxd, Duration operationTimeout) {
        this.lxd = lxd;
        this.operationTimeout = operationTimeout;
        this.operations = new Operations(lxd, operationTimeout);
        this.daemon = new Daemon(lxd, operations);
        this.projects = new ApiObjects<>(lxd, operations, "projects", "project", false, Json::project);
        this.profiles = new ApiObjects<>(lxd, operations, "profiles", "profile", true, Json::profile);
        this.networks = new ApiObjects<>(lxd, operations, "networks", "network", true, Json::network);
        this.networkAcls = new ApiObjects<>(lxd, operations, "network-acls", "network ACL", true, Json::networkAcl);
        this.storagePools = new ApiObjects<>(lxd, operations, "storage-pools", "storage pool", false,
                Json::storagePool);
        this.images = new Images(lxd, operations);
        this.instances = new Instances(lxd, operations);
    }

    // =====================================================================================
    // Connecting
    // =====================================================================================

    /**
     * The local LXD socket, if one exists: {@code $LXD_DIR/unix.socket} when the environment
     * variable {@code LXD_DIR} is set (and only that), else {@code /var/lib/lxd/unix.socket} (Debian
     * package), else {@code /var/snap/lxd/common/lxd/unix.socket} (snap).
     *
     * @return the first candidate that exists, or empty when none does
     */
    public static Optional<Path> localSocket() {
        return LxdConnection.localSocketCandidates(System.getenv()).stream().filter(Files::exists).findFirst();
    }

    /**
     * Connects to the local daemon through the socket found by {@link #localSocket()}.
     *
     * @throws LxdUnavailableException when no socket exists; the message lists the paths tried
     */
    public static LxdClient connectLocal() {
        List<Path> candidates = LxdConnection.localSocketCandidates(System.getenv());
        Path socket = candidates.stream().filter(Files::exists).findFirst().orElseThrow(() ->
                new LxdUnavailableException("No LXD socket found (tried " + candidates
                        + "): is LXD installed and running ('lxd waitready')? Set LXD_DIR for another location."));
        return connectUnixSocket(socket);
    }

    /**
     * Connects through a unix socket. No request is made yet: a socket file that exists but does
     * not answer fails on the first call with {@link LxdUnavailableException}.
     *
     * @throws LxdUnavailableException when the socket file does not exist
     */
    public static LxdClient connectUnixSocket(Path socket) {
        return new LxdClient(LxdConnection.unixSocket(socket), DEFAULT_OPERATION_TIMEOUT);
    }

    /**
     * Connects to a remote daemon over HTTPS (its {@code core.https_address}) with a client
     * certificate that the daemon trusts. The server certificate is pinned: the connection is
     * accepted only when the server presents exactly {@code serverCertificatePem} (LXD's {@code
     * server.crt}); no CA and no host name check are involved. No request is made yet.
     *
     * @param endpoint e.g. {@code https://10.0.0.5:8443}
     * @param clientCertificatePem the client certificate (PEM)
     * @param clientKeyPem its unencrypted private key: PKCS#8 ({@code PRIVATE KEY}), SEC1
     *     ({@code EC PRIVATE KEY}) or PKCS#1 ({@code RSA PRIVATE KEY})
     * @param serverCertificatePem the server certificate to pin (PEM)
     * @throws LxdException (status 0) when a PEM file cannot be read or parsed
     * @throws IllegalArgumentException when the endpoint is not an https URL
     */
    public static LxdClient connectRemote(URI endpoint, Path clientCertificatePem, Path clientKeyPem,
                                          Path serverCertificatePem) {
        return new LxdClient(LxdConnection.remote(endpoint, clientCertificatePem, clientKeyPem, serverCertificatePem),
                DEFAULT_OPERATION_TIMEOUT);
    }

    /**
     * A copy bound to an LXD project: project-scoped calls add {@code ?project=NAME}. The copy
     * shares this client's connection pool; closing the copy does nothing.
     */
    public LxdClient useProject(String projectName) {
        Objects.requireNonNull(projectName, "projectName");
        return new LxdClient(lxd.inProject(projectName), operationTimeout);
    }

    /** The bound project, {@code "default"} when none was chosen (LXD's default project). */
    public String project() {
        return lxd.project() == null ? "default" : lxd.project();
    }

    /** A copy whose {@code void} methods wait up to {@code timeout} for LXD's operations. Shares the pool. */
    public LxdClient withOperationTimeout(Duration timeout) {
        return new LxdClient(lxd.borrowed(), Objects.requireNonNull(timeout));
    }

    /** How long {@code void} methods wait for LXD's operations. */
    public Duration operationTimeout() {
        return operationTimeout;
    }

    /** Where this client connects to: {@code "unix socket /path"} or the HTTPS base URL. */
    public String target() {
        return lxd.target();
    }

    /**
     * Releases the connection pool and threads. Only the client returned by a {@code connect*}
     * method owns them; closing a {@link #useProject} / {@link #withOperationTimeout} copy does
     * nothing, and closing twice is harmless.
     */
    @Override
    public void close() {
        lxd.close();
    }

    // =====================================================================================
    // Server
    // =====================================================================================

    /**
     * The server's identity, environment and configuration (LXD: GET /1.0).
     *
     * @throws LxdUnavailableException when LXD cannot be reached
     */
    public Server server() {
        return daemon.server();
    }

    /**
     * Changes server configuration keys (LXD: GET /1.0 for the ETag, then PUT /1.0 with {@code
     * If-Match}). Keys given are set, keys with a {@code null} value are removed, all other keys
     * are kept. Use a map that allows null values (e.g. {@link java.util.HashMap}) to remove keys.
     * (LXD 5.0 ignores keys left out of this PUT; removal is sent as an empty value, as {@code lxc
     * config unset} does.)
     *
     * @throws LxdException 412 when the configuration changed in between, 400 for invalid keys
     */
    public void updateServerConfig(Map<String, String> changes) {
        await(daemon.updateConfig(changes));
    }

    // =====================================================================================
    // Certificates (trust store)
    // =====================================================================================

    /** The certificates LXD trusts (LXD: GET /1.0/certificates?recursion=1). */
    public List<Certificate> certificates() {
        return daemon.certificates();
    }

    /** One trusted certificate by fingerprint (LXD: GET /1.0/certificates/FINGERPRINT); empty when unknown. */
    public Optional<Certificate> certificate(String fingerprint) {
        return daemon.certificate(fingerprint);
    }

    /**
     * Adds a client certificate to LXD's trust store (LXD: POST /1.0/certificates, type {@code
     * client}, unrestricted).
     *
     * @param name a name for the certificate
     * @param pemCertificate the certificate, PEM encoded
     * @return the certificate's SHA-256 fingerprint (hex), as used by {@link #removeCertificate}
     * @throws LxdException 409 (or 400) when it is already trusted
     * @throws IllegalArgumentException when the text is not a PEM certificate
     */
    public String trustCertificate(String name, String pemCertificate) {
        X509Certificate cert = Pem.parseCertificate(pemCertificate);
        await(daemon.trust(name, cert));
        return Pem.fingerprint(cert);
    }

    /**
     * Makes LXD trust the client certificate of this connection by redeeming a trust token (LXD:
     * POST /1.0/certificates without a certificate, which takes the one of the TLS session; with
     * API extension {@code explicit_trust_token}, LXD 6.2 and later, the token goes in {@code
     * trust_token}, before it in {@code password}, which LXD decodes as a token).
     *
     * @throws LxdException 403 when the token is unknown, used or expired
     */
    public void trustWithToken(String name, TrustToken token) {
        boolean explicit = server().apiExtensions().contains("explicit_trust_token");
        await(daemon.trust(name, token, explicit));
    }

    /** Removes a certificate from the trust store (LXD: DELETE /1.0/certificates/FINGERPRINT). */
    public void removeCertificate(String fingerprint) {
        await(daemon.remove(fingerprint));
    }

    // =====================================================================================
    // Projects
    // =====================================================================================

    /** All projects (LXD: GET /1.0/projects?recursion=1). */
    public List<Project> projects() {
        return projects.list();
    }

    /** One project with its ETag (LXD: GET /1.0/projects/NAME); empty when it does not exist. */
    public Optional<Project> project(String name) {
        return projects.get(name);
    }

    /**
     * Creates a project (LXD: POST /1.0/projects).
     *
     * @throws LxdException 409 when it exists
     */
    public void createProject(ProjectSpec spec) {
        await(projects.create(spec.name(), new ProjectsPost(spec.name(), spec.description(), spec.config())));
    }

    /**
     * Replaces a project's description and configuration (LXD: GET then PUT
     * /1.0/projects/NAME with {@code If-Match}).
     *
     * @throws LxdException 404 when it does not exist, 412 when it changed in between
     */
    public void updateProject(ProjectSpec spec) {
        await(projects.replace(spec.name(), current -> new ProjectPut(spec.description(), spec.config())));
    }

    /**
     * Deletes an empty project (LXD: DELETE /1.0/projects/NAME).
     *
     * @throws LxdException when not empty or missing
     */
    public void deleteProject(String name) {
        await(projects.delete(name));
    }

    // =====================================================================================
    // Profiles (project-scoped)
    // =====================================================================================

    /** Profiles of the bound project (LXD: GET /1.0/profiles?recursion=1). */
    public List<Profile> profiles() {
        return profiles.list();
    }

    /** One profile with its ETag (LXD: GET /1.0/profiles/NAME); empty when it does not exist. */
    public Optional<Profile> profile(String name) {
        return profiles.get(name);
    }

    /**
     * Creates a profile (LXD: POST /1.0/profiles).
     *
     * @throws LxdException when it exists (LXD 5.0.2 answers 500 "... The profile already exists")
     */
    public void createProfile(ProfileSpec spec) {
        await(profiles.create(spec.name(),
                new ProfilesPost(spec.name(), spec.description(), spec.config(), spec.devices())));
    }

    /**
     * Replaces a profile's description, configuration and devices (LXD: GET
     * /1.0/profiles/NAME for the ETag, then PUT with {@code If-Match}). Running instances using the
     * profile are updated by LXD.
     *
     * @throws LxdException 404 when missing, 412 when it changed in between
     */
    public void updateProfile(ProfileSpec spec) {
        await(profiles.replace(spec.name(), current -> profilePut(spec)));
    }

    /**
     * Replaces a profile only if it still has the given ETag (from {@link #profile}); LXD: PUT
     * /1.0/profiles/NAME with {@code If-Match}.
     *
     * @throws LxdException 412 when the profile changed since the ETag was read
     */
    public void updateProfile(ProfileSpec spec, String etag) {
        await(profiles.replace(spec.name(), profilePut(spec), etag));
    }

    /**
     * Deletes a profile (LXD: DELETE /1.0/profiles/NAME).
     *
     * @throws LxdException when in use or missing
     */
    public void deleteProfile(String name) {
        await(profiles.delete(name));
    }

    // =====================================================================================
    // Networks (project-scoped when the project has features.networks)
    // =====================================================================================

    /** Managed networks and the host's unmanaged interfaces (LXD: GET /1.0/networks?recursion=1). */
    public List<Network> networks() {
        return networks.list();
    }

    /** One network with its ETag (LXD: GET /1.0/networks/NAME); empty when it does not exist. */
    public Optional<Network> network(String name) {
        return networks.get(name);
    }

    /**
     * Creates a managed network (LXD: POST /1.0/networks). Give a bridge an explicit {@code
     * ipv4.address} (e.g. {@code 172.27.5.1/24}): LXD's automatic choice fails on hosts where it
     * cannot find a free subnet.
     *
     * @throws LxdException 409 when it exists; invalid configuration is 400 (LXD 5.0.2: 500)
     */
    public void createNetwork(NetworkSpec spec) {
        await(networks.create(spec.name(),
                new NetworksPost(spec.name(), spec.type(), spec.description(), spec.config())));
    }

    /**
     * Replaces a managed network's description and configuration (LXD: GET then PUT
     * /1.0/networks/NAME with {@code If-Match}). Keys left out are unset, as with any PUT.
     *
     * @throws LxdException 404 when missing, 412 when it changed in between
     */
    public void updateNetwork(NetworkSpec spec) {
        await(networks.replace(spec.name(), current -> new NetworkPut(spec.description(), spec.config())));
    }

    /**
     * Deletes a managed network (LXD: DELETE /1.0/networks/NAME).
     *
     * @throws LxdException when in use or missing
     */
    public void deleteNetwork(String name) {
        await(networks.delete(name));
    }

    /** One network ACL with its ETag (LXD: GET /1.0/network-acls/NAME); empty when it does not exist. */
    public Optional<NetworkAcl> networkAcl(String name) {
        return networkAcls.get(name);
    }

    /**
     * Creates a network ACL (LXD: POST /1.0/network-acls).
     *
     * @throws LxdException 409 when it exists, 400 for a malformed rule
     */
    public void createNetworkAcl(NetworkAcl acl) {
        await(networkAcls.create(acl.name(), new Requests.NetworkAclsPost(acl.name(), acl.description(), acl.egress(),
                acl.ingress(), acl.config())));
    }

    /**
     * Replaces a network ACL's rules, description and configuration (LXD: GET then PUT
     * /1.0/network-acls/NAME with {@code If-Match}); the networks applying it apply the new rules.
     *
     * @throws LxdException 404 when missing, 412 when it changed in between
     */
    public void updateNetworkAcl(NetworkAcl acl) {
        await(networkAcls.replace(acl.name(), current -> new Requests.NetworkAclPut(acl.description(), acl.egress(),
                acl.ingress(), acl.config())));
    }

    /**
     * Deletes a network ACL (LXD: DELETE /1.0/network-acls/NAME).
     *
     * @throws LxdException when a network still applies it, or it is missing
     */
    public void deleteNetworkAcl(String name) {
        await(networkAcls.delete(name));
    }

    // =====================================================================================
    // Storage pools (global)
    // =====================================================================================

    /** All storage pools (LXD: GET /1.0/storage-pools?recursion=1). */
    public List<StoragePool> storagePools() {
        return storagePools.list();
    }

    /** One storage pool with its ETag (LXD: GET /1.0/storage-pools/NAME); empty when it does not exist. */
    public Optional<StoragePool> storagePool(String name) {
        return storagePools.get(name);
    }

    /**
     * Creates a storage pool (LXD: POST /1.0/storage-pools).
     *
     * @throws LxdException 409 when it exists
     */
    public void createStoragePool(StoragePoolSpec spec) {
        await(storagePools.create(spec.name(),
                new StoragePoolsPost(spec.name(), spec.driver(), spec.description(), spec.config())));
    }

    /**
     * Deletes an unused storage pool (LXD: DELETE /1.0/storage-pools/NAME).
     *
     * @throws LxdException when in use
     */
    public void deleteStoragePool(String name) {
        await(storagePools.delete(name));
    }

    // =====================================================================================
    // Images (project-scoped when the project has features.images)
    // =====================================================================================

    /** All images (LXD: GET /1.0/images?recursion=1). */
    public List<Image> images() {
        return images.list();
    }

    /** One image by full fingerprint (LXD: GET /1.0/images/FINGERPRINT); empty when it does not exist. */
    public Optional<Image> image(String fingerprint) {
        return images.get(fingerprint);
    }

    /**
     * The image an alias points at (LXD: GET /1.0/images/aliases/ALIAS, then the image); empty
     * when the alias does not exist.
     */
    public Optional<Image> imageByAlias(String alias) {
        return images.byAlias(alias);
    }

    /**
     * Imports a split image: a metadata tarball (with {@code metadata.yaml}: architecture,
     * creation_date, properties...) and a rootfs tarball (LXD: POST /1.0/images, multipart/form-data
     * with parts {@code metadata} and {@code rootfs}, properties in the {@code X-LXD-properties}
     * header). Both files are streamed from disk.
     *
     * <p>The fingerprint is SHA-256 over both files, as LXD computes it. If an image with that
     * fingerprint is already there, nothing is uploaded and the existing image is returned (the
     * progress consumer is then not called).
     *
     * @param metadataTarball tarball containing {@code metadata.yaml} (and optional templates)
     * @param rootfsTarball tarball of the root file system
     * @param properties image properties (e.g. {@code os}, {@code description}); may be empty
     * @param bytesUploaded receives the running total of bytes sent (both files together); may be null
     * @param timeout for the whole import: upload plus LXD's unpacking
     * @return the imported image
     * @throws LxdException when a file cannot be read (status 0), LXD refuses the image, or the
     *     import does not finish in time
     */
    public Image importImage(Path metadataTarball, Path rootfsTarball, Map<String, String> properties,
                             LongConsumer bytesUploaded, Duration timeout) {
        return images.importSplit(metadataTarball, rootfsTarball, properties, bytesUploaded, timeout);
    }

    /**
     * Points an alias at an image (LXD: POST /1.0/images/aliases).
     *
     * @throws LxdException 409 when the alias exists
     */
    public void createImageAlias(String alias, String fingerprint, String description) {
        await(images.createAlias(alias, fingerprint, description));
    }

    /** Removes an alias, not the image (LXD: DELETE /1.0/images/aliases/ALIAS). */
    public void deleteImageAlias(String alias) {
        await(images.deleteAlias(alias));
    }

    /** Deletes an image and its aliases (LXD: DELETE /1.0/images/FINGERPRINT). */
    public Operation deleteImage(String fingerprint) {
        return images.delete(fingerprint);
    }

    // =====================================================================================
    // Instances (project-scoped)
    // =====================================================================================

    /** Instances of the bound project, with their configuration (LXD: GET /1.0/instances?recursion=1). */
    public List<Instance> instances() {
        return instances.list();
    }

    /**
     * Instances whose expanded configuration (own config plus profiles) has {@code key=value},
     * e.g. {@code instancesWithConfig("user.bcm.cluster", "prod")}. Filters {@link #instances()}
     * client-side.
     */
    public List<Instance> instancesWithConfig(String key, String value) {
        return instances.withConfig(key, value);
    }

    /** One instance with its ETag (LXD: GET /1.0/instances/NAME); empty when it does not exist. */
    public Optional<Instance> instance(String name) {
        return instances.get(name);
    }

    /**
     * Starts creating a container from a local image (LXD: POST /1.0/instances). The instance is
     * created stopped.
     *
     * @return the creation operation; a duplicate name fails it (or the request, with 409)
     * @throws LxdException 404 when the image alias does not exist, 400 for invalid configuration
     */
    public Operation createInstance(InstanceSpec spec) {
        return instances.create(spec);
    }

    /**
     * Changes an instance's own configuration and devices (LXD: GET /1.0/instances/NAME for the
     * ETag, then PUT with {@code If-Match}; waits for the operation). The maps are merged into the
     * instance's current local config/devices: entries given are set (a device is replaced as a
     * whole), entries with a {@code null} value are removed, others (including LXD's {@code
     * volatile.*} keys) are kept. Profiles and description are kept. A {@code null} map means no
     * change.
     *
     * @throws LxdException 404 when missing, 412 when it changed in between, 400 for invalid values
     */
    public void updateInstanceConfig(String name, Map<String, String> config,
                                     Map<String, Map<String, String>> devices) {
        await(instances.updateConfig(name, config, devices));
    }

    /**
     * Starts a state change (LXD: PUT /1.0/instances/NAME/state).
     *
     * @param timeout for STOP/RESTART: how long LXD waits for a clean shutdown before failing (whole
     *     seconds); {@code null} waits indefinitely. Ignored by the other actions.
     * @param force for STOP/RESTART: kill instead of asking init to shut down
     * @return the operation; starting an already running instance fails it or the request (400)
     */
    public Operation changeState(String name, InstanceAction action, Duration timeout, boolean force) {
        return instances.changeState(name, action, timeout, force);
    }

    /**
     * Starts deleting a stopped instance (LXD: DELETE /1.0/instances/NAME).
     *
     * @throws LxdException 400 when running
     */
    public Operation deleteInstance(String name) {
        return instances.delete(name);
    }

    /** Run-time state: status, pid, addresses (LXD: GET /1.0/instances/NAME/state); empty when missing. */
    public Optional<InstanceState> instanceState(String name) {
        return instances.state(name);
    }

    // =====================================================================================
    // Exec and files
    // =====================================================================================

    /**
     * Starts {@code command} in a running instance with its standard input and output connected to
     * the returned stream (LXD: POST /1.0/instances/NAME/exec with {@code wait-for-websocket}, then
     * the operation's websockets). The caller closes the stream.
     *
     * @throws LxdException when LXD refuses the exec or its websockets cannot be opened
     */
    public ExecStream execStream(String instance, List<String> command) {
        return instances.execStream(instance, command);
    }

    /**
     * Runs a command in a running instance and collects its output (LXD: POST
     * /1.0/instances/NAME/exec with {@code record-output}, no websockets; then GET and DELETE the
     * two logs named in the operation's {@code output}).
     *
     * <p>A command that exits non-zero is not an exception: check {@link ExecResult#exitCode()}. A
     * command that cannot be run (LXD: "Command not found") gives exit code 127 (126 when not
     * executable) with LXD's message as stderr.
     *
     * @param command program and arguments (no shell unless you run one)
     * @param environment extra environment variables; may be null
     * @param timeout how long to wait for the command to end
     * @throws LxdException 400 when the instance is not running; status 0 when the command is still
     *     running at the timeout (it is not killed)
     */
    public ExecResult exec(String instance, List<String> command, Map<String, String> environment,
                           Duration timeout) {
        return instances.exec(instance, command, environment, timeout);
    }

    /**
     * Writes a file into an instance, replacing it if present (LXD: POST
     * /1.0/instances/NAME/files?path=PATH with {@code X-LXD-uid/gid/mode}, {@code X-LXD-type: file},
     * {@code X-LXD-write: overwrite}). The parent directory must exist. Works on stopped instances too.
     *
     * @param mode permission bits, e.g. {@code 0644}
     */
    public void pushFile(String instance, String path, byte[] content, int uid, int gid, int mode) {
        await(instances.push(instance, path, content, uid, gid, mode));
    }

    /**
     * Reads a file from an instance (LXD: GET /1.0/instances/NAME/files?path=PATH).
     *
     * @return the content; empty when LXD answers 404 (no such file, or no such instance)
     * @throws LxdException 400 when the path is a directory
     */
    public Optional<byte[]> pullFile(String instance, String path) {
        return instances.pull(instance, path);
    }

    // =====================================================================================
    // Operations
    // =====================================================================================

    /** An operation by id (LXD: GET /1.0/operations/ID); empty when LXD does not know it (any more). */
    public Optional<Operation> operation(String id) {
        return operations.byId(id);
    }

    /**
     * The operations still running in this client's project (LXD: GET
     * /1.0/operations?recursion=1, whose metadata maps a status class, {@code running},
     * {@code success}, {@code failure}, to operations). A bcm killed mid-way leaves its operations
     * running on the daemon; await these before acting on the objects they touch.
     */
    public List<Operation> runningOperations() {
        return operations.running();
    }

    @Override
    public String toString() {
        return "LxdClient[" + lxd.target() + ", project " + project() + "]";
    }

    /** Waits for an operation behind a {@code void} method, up to {@link #operationTimeout()}. */
    private void await(Operation started) {
        started.await(operationTimeout);
    }

    private static ProfilePut profilePut(ProfileSpec spec) {
        return new ProfilePut(spec.description(), spec.config(), spec.devices());
    }
}
