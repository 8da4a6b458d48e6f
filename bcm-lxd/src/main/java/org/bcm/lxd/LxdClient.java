package org.bcm.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.newsclub.net.unix.AFUNIXSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(LxdClient.class);

    /** Socket of Debian's LXD package. */
    public static final Path DEBIAN_SOCKET = Path.of("/var/lib/lxd/unix.socket");
    /** Socket of the LXD snap. */
    public static final Path SNAP_SOCKET = Path.of("/var/snap/lxd/common/lxd/unix.socket");
    /** Default wait for operations behind {@code void} methods. */
    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofMinutes(2);

    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    /** Slack added to OkHttp's read timeout on top of an operation wait. */
    private static final Duration WAIT_SLACK = Duration.ofSeconds(30);

    private final OkHttpClient http;
    private final HttpUrl base;
    private final String target;
    private final String project;
    private final boolean owner;
    private final Duration operationTimeout;
    private final Operation.Waiter waiter = this::waitOperation;

    private LxdClient(OkHttpClient http, HttpUrl base, String target, String project, boolean owner,
                      Duration operationTimeout) {
        this.http = http;
        this.base = base;
        this.target = target;
        this.project = project;
        this.owner = owner;
        this.operationTimeout = operationTimeout;
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
        return localSocketCandidates(System.getenv()).stream().filter(Files::exists).findFirst();
    }

    /** The candidate socket paths in order of preference, for the given environment. */
    static List<Path> localSocketCandidates(Map<String, String> environment) {
        String lxdDir = environment.get("LXD_DIR");
        if (lxdDir != null && !lxdDir.isBlank()) {
            return List.of(Path.of(lxdDir, "unix.socket"));
        }
        return List.of(DEBIAN_SOCKET, SNAP_SOCKET);
    }

    /**
     * Connects to the local daemon through the socket found by {@link #localSocket()}.
     *
     * @throws LxdUnavailableException when no socket exists; the message lists the paths tried
     */
    public static LxdClient connectLocal() {
        List<Path> candidates = localSocketCandidates(System.getenv());
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
        Objects.requireNonNull(socket, "socket");
        if (!Files.exists(socket)) {
            throw new LxdUnavailableException("LXD socket " + socket
                    + " does not exist: is LXD installed and running ('lxd waitready')?");
        }
        File file = socket.toFile();
        OkHttpClient http = baseBuilder()
                .socketFactory(new AFUNIXSocketFactory.FactoryArg(file))
                // The host name is never resolved for real: every connection goes to the socket.
                .dns(hostname -> List.of(InetAddress.getLoopbackAddress()))
                .build();
        return new LxdClient(http, HttpUrl.get("http://localhost/"), "unix socket " + socket, null, true,
                DEFAULT_OPERATION_TIMEOUT);
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
        HttpUrl url = HttpUrl.get(endpoint.toString());
        if (!url.isHttps()) {
            throw new IllegalArgumentException("LXD remote endpoint must be https: " + endpoint);
        }
        X509Certificate clientCert = Pem.readCertificate(clientCertificatePem);
        PrivateKey clientKey = Pem.readPrivateKey(clientKeyPem);
        X509Certificate serverCert = Pem.readCertificate(serverCertificatePem);
        PinnedTrustManager trust = new PinnedTrustManager(serverCert);
        SSLContext tls = tlsContext(clientCert, clientKey, trust);
        OkHttpClient http = baseBuilder()
                .sslSocketFactory(tls.getSocketFactory(), trust)
                .hostnameVerifier((hostname, session) -> trust.matches(session))
                .build();
        HttpUrl base = url.newBuilder().encodedPath("/").query(null).build();
        return new LxdClient(http, base, base.toString(), null, true, DEFAULT_OPERATION_TIMEOUT);
    }

    static SSLContext tlsContext(X509Certificate clientCert, PrivateKey clientKey, TrustManager trust) {
        try {
            char[] password = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", clientKey, password, new java.security.cert.Certificate[] {clientCert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), new TrustManager[] {trust}, null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new LxdException("Failed setting up TLS with the client certificate: " + e.getMessage(), 0, null, e);
        }
    }

    private static OkHttpClient.Builder baseBuilder() {
        return new OkHttpClient.Builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .readTimeout(READ_TIMEOUT)
                .writeTimeout(READ_TIMEOUT)
                .followRedirects(false);
    }

    /**
     * A copy bound to an LXD project: project-scoped calls add {@code ?project=NAME}. The copy
     * shares this client's connection pool; closing the copy does nothing.
     */
    public LxdClient useProject(String projectName) {
        Objects.requireNonNull(projectName, "projectName");
        return new LxdClient(http, base, target, projectName, false, operationTimeout);
    }

    /** The bound project, {@code "default"} when none was chosen (LXD's default project). */
    public String project() {
        return project == null ? "default" : project;
    }

    /** A copy whose {@code void} methods wait up to {@code timeout} for LXD's operations. Shares the pool. */
    public LxdClient withOperationTimeout(Duration timeout) {
        return new LxdClient(http, base, target, project, false, Objects.requireNonNull(timeout));
    }

    /** How long {@code void} methods wait for LXD's operations. */
    public Duration operationTimeout() {
        return operationTimeout;
    }

    /** Where this client connects to: {@code "unix socket /path"} or the HTTPS base URL. */
    public String target() {
        return target;
    }

    /**
     * Releases the connection pool and threads. Only the client returned by a {@code connect*}
     * method owns them; closing a {@link #useProject} / {@link #withOperationTimeout} copy does
     * nothing, and closing twice is harmless.
     */
    @Override
    public void close() {
        if (owner) {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
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
        Reply r = send("GET", ApiPath.of(), null, null, "getting server info");
        return Json.server(r.metadata(), r.etag());
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
        Reply current = send("GET", ApiPath.of(), null, null, "getting server info");
        Map<String, String> config = new LinkedHashMap<>(Json.stringMap(current.metadata().get("config")));
        // LXD keeps server keys that a PUT leaves out: a key is removed by sending it empty.
        changes.forEach((k, v) -> config.put(k, v == null ? "" : v));
        Map<String, Object> body = Map.of("config", config);
        completeVoid(send("PUT", ApiPath.of(), jsonBody(body), ifMatch(current.etag()),
                "updating server config " + changes.keySet()), "updating server config");
    }

    // =====================================================================================
    // Certificates (trust store)
    // =====================================================================================

    /** The certificates LXD trusts (LXD: GET /1.0/certificates?recursion=1). */
    public List<Certificate> certificates() {
        return list(ApiPath.of("certificates").query("recursion", 1), "listing certificates", Json::certificate);
    }

    /** One trusted certificate by fingerprint (LXD: GET /1.0/certificates/FINGERPRINT); empty when unknown. */
    public Optional<Certificate> certificate(String fingerprint) {
        return sendOptional("GET", ApiPath.of("certificates", fingerprint), "getting certificate " + fingerprint)
                .map(r -> Json.certificate(r.metadata()));
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
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "client");
        body.put("name", name);
        body.put("certificate", Pem.base64Der(cert));
        String attempted = "trusting certificate '" + name + "'";
        completeVoid(send("POST", ApiPath.of("certificates"), jsonBody(body), null, attempted), attempted);
        return Pem.fingerprint(cert);
    }

    /** Removes a certificate from the trust store (LXD: DELETE /1.0/certificates/FINGERPRINT). */
    public void removeCertificate(String fingerprint) {
        String attempted = "removing certificate " + fingerprint;
        completeVoid(send("DELETE", ApiPath.of("certificates", fingerprint), null, null, attempted), attempted);
    }

    // =====================================================================================
    // Projects
    // =====================================================================================

    /** All projects (LXD: GET /1.0/projects?recursion=1). */
    public List<Project> projects() {
        return list(ApiPath.of("projects").query("recursion", 1), "listing projects", m -> Json.project(m, ""));
    }

    /** One project with its ETag (LXD: GET /1.0/projects/NAME); empty when it does not exist. */
    public Optional<Project> project(String name) {
        return sendOptional("GET", ApiPath.of("projects", name), "getting project '" + name + "'")
                .map(r -> Json.project(r.metadata(), r.etag()));
    }

    /**
     * Creates a project (LXD: POST /1.0/projects).
     *
     * @throws LxdException 409 when it exists
     */
    public void createProject(ProjectSpec spec) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", spec.name());
        body.put("description", spec.description());
        body.put("config", spec.config());
        String attempted = "creating project '" + spec.name() + "'";
        completeVoid(send("POST", ApiPath.of("projects"), jsonBody(body), null, attempted), attempted);
    }

    /**
     * Replaces a project's description and configuration (LXD: GET then PUT
     * /1.0/projects/NAME with {@code If-Match}).
     *
     * @throws LxdException 404 when it does not exist, 412 when it changed in between
     */
    public void updateProject(ProjectSpec spec) {
        String attempted = "updating project '" + spec.name() + "'";
        Reply current = send("GET", ApiPath.of("projects", spec.name()), null, null, attempted);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("description", spec.description());
        body.put("config", spec.config());
        completeVoid(send("PUT", ApiPath.of("projects", spec.name()), jsonBody(body), ifMatch(current.etag()),
                attempted), attempted);
    }

    /**
     * Deletes an empty project (LXD: DELETE /1.0/projects/NAME).
     *
     * @throws LxdException when not empty or missing
     */
    public void deleteProject(String name) {
        String attempted = "deleting project '" + name + "'";
        completeVoid(send("DELETE", ApiPath.of("projects", name), null, null, attempted), attempted);
    }

    // =====================================================================================
    // Profiles (project-scoped)
    // =====================================================================================

    /** Profiles of the bound project (LXD: GET /1.0/profiles?recursion=1). */
    public List<Profile> profiles() {
        return list(scoped("profiles").query("recursion", 1), "listing profiles", m -> Json.profile(m, ""));
    }

    /** One profile with its ETag (LXD: GET /1.0/profiles/NAME); empty when it does not exist. */
    public Optional<Profile> profile(String name) {
        return sendOptional("GET", scoped("profiles", name), "getting profile '" + name + "'")
                .map(r -> Json.profile(r.metadata(), r.etag()));
    }

    /**
     * Creates a profile (LXD: POST /1.0/profiles).
     *
     * @throws LxdException when it exists (LXD 5.0.2 answers 500 "... The profile already exists")
     */
    public void createProfile(ProfileSpec spec) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", spec.name());
        body.put("description", spec.description());
        body.put("config", spec.config());
        body.put("devices", spec.devices());
        String attempted = "creating profile '" + spec.name() + "'";
        completeVoid(send("POST", scoped("profiles"), jsonBody(body), null, attempted), attempted);
    }

    /**
     * Replaces a profile's description, configuration and devices (LXD: GET
     * /1.0/profiles/NAME for the ETag, then PUT with {@code If-Match}). Running instances using the
     * profile are updated by LXD.
     *
     * @throws LxdException 404 when missing, 412 when it changed in between
     */
    public void updateProfile(ProfileSpec spec) {
        String attempted = "updating profile '" + spec.name() + "'";
        Reply current = send("GET", scoped("profiles", spec.name()), null, null, attempted);
        updateProfile(spec, current.etag());
    }

    /**
     * Replaces a profile only if it still has the given ETag (from {@link #profile}); LXD: PUT
     * /1.0/profiles/NAME with {@code If-Match}.
     *
     * @throws LxdException 412 when the profile changed since the ETag was read
     */
    public void updateProfile(ProfileSpec spec, String etag) {
        String attempted = "updating profile '" + spec.name() + "'";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("description", spec.description());
        body.put("config", spec.config());
        body.put("devices", spec.devices());
        completeVoid(send("PUT", scoped("profiles", spec.name()), jsonBody(body), ifMatch(etag), attempted),
                attempted);
    }

    /**
     * Deletes a profile (LXD: DELETE /1.0/profiles/NAME).
     *
     * @throws LxdException when in use or missing
     */
    public void deleteProfile(String name) {
        String attempted = "deleting profile '" + name + "'";
        completeVoid(send("DELETE", scoped("profiles", name), null, null, attempted), attempted);
    }

    // =====================================================================================
    // Networks (project-scoped when the project has features.networks)
    // =====================================================================================

    /** Managed networks and the host's unmanaged interfaces (LXD: GET /1.0/networks?recursion=1). */
    public List<Network> networks() {
        return list(scoped("networks").query("recursion", 1), "listing networks", m -> Json.network(m, ""));
    }

    /** One network with its ETag (LXD: GET /1.0/networks/NAME); empty when it does not exist. */
    public Optional<Network> network(String name) {
        return sendOptional("GET", scoped("networks", name), "getting network '" + name + "'")
                .map(r -> Json.network(r.metadata(), r.etag()));
    }

    /**
     * Creates a managed network (LXD: POST /1.0/networks). Give a bridge an explicit {@code
     * ipv4.address} (e.g. {@code 172.27.5.1/24}): LXD's automatic choice fails on hosts where it
     * cannot find a free subnet.
     *
     * @throws LxdException 409 when it exists; invalid configuration is 400 (LXD 5.0.2: 500)
     */
    public void createNetwork(NetworkSpec spec) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", spec.name());
        body.put("type", spec.type());
        body.put("description", spec.description());
        body.put("config", spec.config());
        String attempted = "creating network '" + spec.name() + "'";
        completeVoid(send("POST", scoped("networks"), jsonBody(body), null, attempted), attempted);
    }

    /**
     * Replaces a managed network's description and configuration (LXD: GET then PUT
     * /1.0/networks/NAME with {@code If-Match}). Keys left out are unset, as with any PUT.
     *
     * @throws LxdException 404 when missing, 412 when it changed in between
     */
    public void updateNetwork(NetworkSpec spec) {
        String attempted = "updating network '" + spec.name() + "'";
        Reply current = send("GET", scoped("networks", spec.name()), null, null, attempted);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("description", spec.description());
        body.put("config", spec.config());
        completeVoid(send("PUT", scoped("networks", spec.name()), jsonBody(body), ifMatch(current.etag()),
                attempted), attempted);
    }

    /**
     * Deletes a managed network (LXD: DELETE /1.0/networks/NAME).
     *
     * @throws LxdException when in use or missing
     */
    public void deleteNetwork(String name) {
        String attempted = "deleting network '" + name + "'";
        completeVoid(send("DELETE", scoped("networks", name), null, null, attempted), attempted);
    }

    // =====================================================================================
    // Storage pools (global)
    // =====================================================================================

    /** All storage pools (LXD: GET /1.0/storage-pools?recursion=1). */
    public List<StoragePool> storagePools() {
        return list(ApiPath.of("storage-pools").query("recursion", 1), "listing storage pools",
                m -> Json.storagePool(m, ""));
    }

    /** One storage pool with its ETag (LXD: GET /1.0/storage-pools/NAME); empty when it does not exist. */
    public Optional<StoragePool> storagePool(String name) {
        return sendOptional("GET", ApiPath.of("storage-pools", name), "getting storage pool '" + name + "'")
                .map(r -> Json.storagePool(r.metadata(), r.etag()));
    }

    /**
     * Creates a storage pool (LXD: POST /1.0/storage-pools).
     *
     * @throws LxdException 409 when it exists
     */
    public void createStoragePool(StoragePoolSpec spec) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", spec.name());
        body.put("driver", spec.driver());
        body.put("description", spec.description());
        body.put("config", spec.config());
        String attempted = "creating storage pool '" + spec.name() + "'";
        completeVoid(send("POST", ApiPath.of("storage-pools"), jsonBody(body), null, attempted), attempted);
    }

    /**
     * Deletes an unused storage pool (LXD: DELETE /1.0/storage-pools/NAME).
     *
     * @throws LxdException when in use
     */
    public void deleteStoragePool(String name) {
        String attempted = "deleting storage pool '" + name + "'";
        completeVoid(send("DELETE", ApiPath.of("storage-pools", name), null, null, attempted), attempted);
    }

    // =====================================================================================
    // Images (project-scoped when the project has features.images)
    // =====================================================================================

    /** All images (LXD: GET /1.0/images?recursion=1). */
    public List<Image> images() {
        return list(scoped("images").query("recursion", 1), "listing images", Json::image);
    }

    /** One image by full fingerprint (LXD: GET /1.0/images/FINGERPRINT); empty when it does not exist. */
    public Optional<Image> image(String fingerprint) {
        return sendOptional("GET", scoped("images", fingerprint), "getting image " + fingerprint)
                .map(r -> Json.image(r.metadata()));
    }

    /**
     * The image an alias points at (LXD: GET /1.0/images/aliases/ALIAS, then the image); empty
     * when the alias does not exist.
     */
    public Optional<Image> imageByAlias(String alias) {
        return sendOptional("GET", scoped("images", "aliases", alias), "getting image alias '" + alias + "'")
                .flatMap(r -> image(Json.text(r.metadata(), "target")));
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
        String attempted = "importing image from " + metadataTarball.getFileName() + " and "
                + rootfsTarball.getFileName();
        long start = System.nanoTime();
        String fingerprint;
        RequestBody body;
        try {
            fingerprint = splitImageFingerprint(metadataTarball, rootfsTarball);
            Optional<Image> existing = image(fingerprint);
            if (existing.isPresent()) {
                LOG.debug("image {} already present, not uploading", fingerprint);
                return existing.get();
            }
            AtomicLong sent = new AtomicLong();
            body = new MultipartBody.Builder()
                    .setType(MultipartBody.FORM)
                    .addFormDataPart("metadata", metadataTarball.getFileName().toString(),
                            new ProgressFileBody(metadataTarball, sent, bytesUploaded))
                    .addFormDataPart("rootfs", rootfsTarball.getFileName().toString(),
                            new ProgressFileBody(rootfsTarball, sent, bytesUploaded))
                    .build();
        } catch (IOException e) {
            throw new LxdException("Failed " + attempted + ": cannot read " + e.getMessage(), 0, null, e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (properties != null && !properties.isEmpty()) {
            headers.put("X-LXD-properties", encodeProperties(properties));
        }
        headers.put("X-LXD-public", "false");
        OkHttpClient upload = http.newBuilder().callTimeout(timeout).writeTimeout(timeout).build();
        Reply reply = send(upload, "POST", scoped("images"), body, headers, attempted);
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        Operation op = toOperation(reply, attempted).await(left.isNegative() ? Duration.ofSeconds(1) : left);
        Object fp = op.metadata().get("fingerprint");
        String actual = fp == null ? fingerprint : fp.toString();
        return image(actual).orElseThrow(() ->
                new LxdException("Failed " + attempted + ": image " + actual + " not found after import", 404));
    }

    /** LXD's fingerprint of a split image: SHA-256 over the metadata tarball followed by the rootfs tarball. */
    static String splitImageFingerprint(Path metadataTarball, Path rootfsTarball) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (Path p : List.of(metadataTarball, rootfsTarball)) {
                try (InputStream in = Files.newInputStream(p)) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        sha.update(buffer, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The {@code X-LXD-properties} header: the properties as a URL-encoded query string
     * ({@code key=value&...}, keys sorted, UTF-8, space as {@code +}), as Go's {@code
     * url.Values.Encode} writes it.
     */
    static String encodeProperties(Map<String, String> properties) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(properties).entrySet()) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue() == null ? "" : e.getValue(), StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /**
     * Points an alias at an image (LXD: POST /1.0/images/aliases).
     *
     * @throws LxdException 409 when the alias exists
     */
    public void createImageAlias(String alias, String fingerprint, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", alias);
        body.put("target", fingerprint);
        body.put("description", description == null ? "" : description);
        String attempted = "creating image alias '" + alias + "'";
        completeVoid(send("POST", scoped("images", "aliases"), jsonBody(body), null, attempted), attempted);
    }

    /** Removes an alias, not the image (LXD: DELETE /1.0/images/aliases/ALIAS). */
    public void deleteImageAlias(String alias) {
        String attempted = "deleting image alias '" + alias + "'";
        completeVoid(send("DELETE", scoped("images", "aliases", alias), null, null, attempted), attempted);
    }

    /** Deletes an image and its aliases (LXD: DELETE /1.0/images/FINGERPRINT). */
    public Operation deleteImage(String fingerprint) {
        String attempted = "deleting image " + fingerprint;
        return toOperation(send("DELETE", scoped("images", fingerprint), null, null, attempted), attempted);
    }

    // =====================================================================================
    // Instances (project-scoped)
    // =====================================================================================

    /** Instances of the bound project, with their configuration (LXD: GET /1.0/instances?recursion=1). */
    public List<Instance> instances() {
        return list(scoped("instances").query("recursion", 1), "listing instances", m -> Json.instance(m, ""));
    }

    /**
     * Instances whose expanded configuration (own config plus profiles) has {@code key=value},
     * e.g. {@code instancesWithConfig("user.bcm.cluster", "prod")}. Filters {@link #instances()}
     * client-side.
     */
    public List<Instance> instancesWithConfig(String key, String value) {
        return instances().stream().filter(i -> Objects.equals(i.expandedConfig().get(key), value)).toList();
    }

    /** One instance with its ETag (LXD: GET /1.0/instances/NAME); empty when it does not exist. */
    public Optional<Instance> instance(String name) {
        return sendOptional("GET", scoped("instances", name), "getting instance '" + name + "'")
                .map(r -> Json.instance(r.metadata(), r.etag()));
    }

    /**
     * Starts creating a container from a local image (LXD: POST /1.0/instances). The instance is
     * created stopped.
     *
     * @return the creation operation; a duplicate name fails it (or the request, with 409)
     * @throws LxdException 404 when the image alias does not exist, 400 for invalid configuration
     */
    public Operation createInstance(InstanceSpec spec) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("type", "image");
        if (spec.source().alias() != null) {
            source.put("alias", spec.source().alias());
        } else {
            source.put("fingerprint", spec.source().fingerprint());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", spec.name());
        body.put("type", "container");
        body.put("description", spec.description());
        body.put("source", source);
        if (spec.profiles() != null) {
            body.put("profiles", spec.profiles());
        }
        body.put("config", spec.config());
        body.put("devices", spec.devices());
        String attempted = "creating instance '" + spec.name() + "'";
        return toOperation(send("POST", scoped("instances"), jsonBody(body), null, attempted), attempted);
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
        String attempted = "updating instance '" + name + "'";
        Reply current = send("GET", scoped("instances", name), null, null, attempted);
        JsonNode m = current.metadata();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("architecture", Json.text(m, "architecture"));
        body.put("config", merge(Json.stringMap(m.get("config")), config));
        body.put("devices", merge(Json.devices(m.get("devices")), devices));
        body.put("ephemeral", m.path("ephemeral").asBoolean(false));
        body.put("profiles", Json.stringList(m.get("profiles")));
        body.put("stateful", m.path("stateful").asBoolean(false));
        body.put("description", Json.text(m, "description"));
        completeVoid(send("PUT", scoped("instances", name), jsonBody(body), ifMatch(current.etag()), attempted),
                attempted);
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
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("action", action.apiName());
        body.put("timeout", timeout == null ? -1 : Math.max(0, timeout.toSeconds()));
        body.put("force", force);
        body.put("stateful", false);
        String attempted = action.gerund() + " instance '" + name + "'";
        return toOperation(send("PUT", scoped("instances", name, "state"), jsonBody(body), null, attempted),
                attempted);
    }

    /**
     * Starts deleting a stopped instance (LXD: DELETE /1.0/instances/NAME).
     *
     * @throws LxdException 400 when running
     */
    public Operation deleteInstance(String name) {
        String attempted = "deleting instance '" + name + "'";
        return toOperation(send("DELETE", scoped("instances", name), null, null, attempted), attempted);
    }

    /** Run-time state: status, pid, addresses (LXD: GET /1.0/instances/NAME/state); empty when missing. */
    public Optional<InstanceState> instanceState(String name) {
        return sendOptional("GET", scoped("instances", name, "state"), "getting state of instance '" + name + "'")
                .map(r -> Json.instanceState(r.metadata()));
    }

    // =====================================================================================
    // Exec and files
    // =====================================================================================

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
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("command", command);
        body.put("environment", environment == null ? Map.of() : environment);
        body.put("wait-for-websocket", false);
        body.put("record-output", true);
        body.put("interactive", false);
        String attempted = "running " + command + " in instance '" + instance + "'";
        Operation started = toOperation(send("POST", scoped("instances", instance, "exec"), jsonBody(body), null,
                attempted), attempted);
        Operation ended = started.done() ? started : waitOperation(started, timeout);
        Object ret = ended.metadata().get("return");
        if (!(ret instanceof Number) || !ended.done()) {
            ended.requireSuccess(timeout); // throws: failure without exit code, or timeout
            throw new LxdException("Failed " + attempted + ": LXD reported no exit code", 0);
        }
        String stdout = "";
        String stderr = "";
        if (ended.metadata().get("output") instanceof Map<?, ?> output) {
            stdout = readLog(output.get("1"), attempted);
            stderr = readLog(output.get("2"), attempted);
        }
        if (!ended.succeeded() && stderr.isEmpty()) {
            stderr = ended.err();
        }
        return new ExecResult(((Number) ret).intValue(), stdout, stderr);
    }

    private String readLog(Object path, String attempted) {
        if (path == null) {
            return "";
        }
        ApiPath log = ApiPath.parse(path.toString()).project(project);
        Optional<Reply> content = sendOptional("GET", log, "reading output of " + attempted);
        try {
            send("DELETE", log, null, null, "deleting output of " + attempted);
        } catch (LxdException e) {
            LOG.debug("could not delete exec log {}: {}", log, e.getMessage());
        }
        return content.map(r -> new String(r.body(), StandardCharsets.UTF_8)).orElse("");
    }

    /**
     * Writes a file into an instance, replacing it if present (LXD: POST
     * /1.0/instances/NAME/files?path=PATH with {@code X-LXD-uid/gid/mode}, {@code X-LXD-type: file},
     * {@code X-LXD-write: overwrite}). The parent directory must exist. Works on stopped instances too.
     *
     * @param mode permission bits, e.g. {@code 0644}
     */
    public void pushFile(String instance, String path, byte[] content, int uid, int gid, int mode) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-LXD-uid", Integer.toString(uid));
        headers.put("X-LXD-gid", Integer.toString(gid));
        headers.put("X-LXD-mode", String.format(Locale.ROOT, "%04o", mode));
        headers.put("X-LXD-type", "file");
        headers.put("X-LXD-write", "overwrite");
        String attempted = "pushing file " + path + " to instance '" + instance + "'";
        completeVoid(send("POST", scoped("instances", instance, "files").query("path", path),
                RequestBody.create(content, OCTET_STREAM), headers, attempted), attempted);
    }

    /**
     * Reads a file from an instance (LXD: GET /1.0/instances/NAME/files?path=PATH).
     *
     * @return the content; empty when LXD answers 404 (no such file, or no such instance)
     * @throws LxdException 400 when the path is a directory
     */
    public Optional<byte[]> pullFile(String instance, String path) {
        String attempted = "pulling file " + path + " from instance '" + instance + "'";
        Optional<Reply> reply = sendOptional("GET", scoped("instances", instance, "files").query("path", path),
                attempted);
        if (reply.isPresent() && "directory".equalsIgnoreCase(reply.get().headers().get("X-LXD-type"))) {
            throw new LxdException(LxdErrors.failed(attempted, path + " is a directory", 400), 400,
                    "is a directory", null);
        }
        return reply.map(Reply::body);
    }

    // =====================================================================================
    // Operations
    // =====================================================================================

    /** An operation by id (LXD: GET /1.0/operations/ID); empty when LXD does not know it (any more). */
    public Optional<Operation> operation(String id) {
        String attempted = "getting operation " + id;
        return sendOptional("GET", scoped("operations", id), attempted)
                .map(r -> operationFrom(r.metadata(), attempted));
    }

    /**
     * The operations still running in this client's project (LXD: GET
     * /1.0/operations?recursion=1, whose metadata maps a status class, {@code running},
     * {@code success}, {@code failure}, to operations). A bcm killed mid-way leaves its operations
     * running on the daemon; await these before acting on the objects they touch.
     */
    public List<Operation> runningOperations() {
        String attempted = "listing operations";
        Reply reply = send("GET", scoped("operations").query("recursion", 1), null, null, attempted);
        List<Operation> running = new ArrayList<>();
        JsonNode list = reply.metadata() == null ? null : reply.metadata().path("running");
        if (list != null && list.isArray()) {
            for (JsonNode m : list) {
                running.add(operationFrom(m, "operation '" + Json.text(m, "description") + "'"));
            }
        }
        return running;
    }

    /** Waits with GET /1.0/operations/ID/wait?timeout=S; OkHttp's read timeout exceeds the wait. */
    private Operation waitOperation(Operation op, Duration timeout) {
        long seconds = Operation.waitSeconds(timeout);
        OkHttpClient waiting = http.newBuilder()
                .readTimeout(Duration.ofSeconds(seconds).plus(WAIT_SLACK))
                .callTimeout(0, TimeUnit.MILLISECONDS)
                .build();
        String attempted = "waiting for operation " + op.id() + " (" + op.attempted() + ")";
        Reply r = send(waiting, "GET", scoped("operations", op.id(), "wait").query("timeout", seconds), null, null,
                attempted);
        return operationFrom(r.metadata(), op.attempted());
    }

    private Operation operationFrom(JsonNode m, String attempted) {
        return new Operation(waiter, attempted, Json.text(m, "id"), Json.text(m, "description"),
                Json.text(m, "status"), m.path("status_code").asInt(0), Json.text(m, "err"),
                Json.objectMap(m.get("metadata")), Json.resources(m.get("resources")));
    }

    /** Turns a reply into an Operation: a background one for "async", a finished one for "sync". */
    private Operation toOperation(Reply reply, String attempted) {
        JsonNode json = reply.json();
        if (json != null && "async".equals(Json.text(json, "type"))) {
            return operationFrom(json.path("metadata"), attempted);
        }
        return Operation.completed(attempted, json == null ? Map.of() : Json.objectMap(json.get("metadata")));
    }

    private void completeVoid(Reply reply, String attempted) {
        toOperation(reply, attempted).await(operationTimeout);
    }

    // =====================================================================================
    // HTTP
    // =====================================================================================

    /** A successful reply: status, headers, raw body and (for JSON) the parsed envelope. */
    private record Reply(int status, Headers headers, byte[] body, JsonNode json) {
        JsonNode metadata() {
            JsonNode m = json == null ? null : json.get("metadata");
            return m == null ? Json.MAPPER.nullNode() : m;
        }

        String etag() {
            String e = headers.get("ETag");
            return e == null ? "" : e;
        }
    }

    private ApiPath scoped(String... segments) {
        return ApiPath.of(segments).project(project);
    }

    private Reply send(String method, ApiPath path, RequestBody body, Map<String, String> headers, String attempted) {
        return send(http, method, path, body, headers, attempted);
    }

    private Optional<Reply> sendOptional(String method, ApiPath path, String attempted) {
        try {
            return Optional.of(send(method, path, null, null, attempted));
        } catch (LxdException e) {
            if (e.isNotFound() && !(e instanceof LxdUnavailableException)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Reply send(OkHttpClient client, String method, ApiPath path, RequestBody body,
                       Map<String, String> headers, String attempted) {
        Request.Builder request = new Request.Builder().url(path.toUrl(base));
        if (body == null && ("POST".equals(method) || "PUT".equals(method))) {
            body = RequestBody.create(new byte[0], JSON_TYPE);
        }
        request.method(method, body);
        if (headers != null) {
            headers.forEach(request::header);
        }
        long start = System.nanoTime();
        try (Response response = client.newCall(request.build()).execute()) {
            ResponseBody rb = response.body();
            byte[] bytes = rb == null ? new byte[0] : rb.bytes();
            if (LOG.isDebugEnabled()) {
                LOG.debug("LXD {} {} -> {} in {} ms ({}; {})", method, path, response.code(),
                        (System.nanoTime() - start) / 1_000_000, attempted, target);
            }
            if (!response.isSuccessful()) {
                throw LxdErrors.fromResponse(response.code(), bytes, attempted);
            }
            JsonNode json = null;
            String type = response.header("Content-Type", "");
            if (type.startsWith("application/json")) {
                try {
                    json = Json.read(bytes);
                } catch (IOException e) {
                    throw new LxdException("Failed " + attempted + ": unreadable JSON from LXD (" + e.getMessage()
                            + ")", response.code(), null, e);
                }
            }
            return new Reply(response.code(), response.headers(), bytes, json);
        } catch (IOException e) {
            LOG.debug("LXD {} {} failed ({}): {}", method, path, target, e.toString());
            throw LxdErrors.fromTransport(e, attempted, target);
        }
    }

    private static RequestBody jsonBody(Object value) {
        return RequestBody.create(Json.write(value), JSON_TYPE);
    }

    private static Map<String, String> ifMatch(String etag) {
        return etag == null || etag.isEmpty() ? Map.of() : Map.of("If-Match", etag);
    }

    /** {@code current} with {@code changes} applied: null values remove keys. */
    static <V> Map<String, V> merge(Map<String, V> current, Map<String, V> changes) {
        Map<String, V> out = new LinkedHashMap<>(current);
        if (changes != null) {
            changes.forEach((k, v) -> {
                if (v == null) {
                    out.remove(k);
                } else {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    @Override
    public String toString() {
        return "LxdClient[" + target + ", project " + project() + "]";
    }

    /** GET a recursion=1 listing and map each element. */
    private <T> List<T> list(ApiPath path, String attempted, java.util.function.Function<JsonNode, T> mapper) {
        Reply r = send("GET", path, null, null, attempted);
        List<T> out = new ArrayList<>();
        r.metadata().forEach(n -> out.add(mapper.apply(n)));
        return out;
    }
}
