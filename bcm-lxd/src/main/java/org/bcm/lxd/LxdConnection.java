package org.bcm.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import okhttp3.ConnectionSpec;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.newsclub.net.unix.AFUNIXSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport to one LXD daemon: HTTP over its unix socket or HTTPS with a client certificate,
 * one request at a time, LXD's error replies and transport failures mapped to {@link LxdException}
 * (through {@link LxdErrors}). Bound to a project, like LXD's Go client after {@code UseProject}:
 * {@link #inProject} returns a copy sharing the connection pool.
 */
final class LxdConnection {

    private static final Logger LOG = LoggerFactory.getLogger(LxdClient.class);

    static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final OkHttpClient http;
    private final HttpUrl base;
    private final String target;
    private final String project;
    private final boolean owner;

    private LxdConnection(OkHttpClient http, HttpUrl base, String target, String project, boolean owner) {
        this.http = http;
        this.base = base;
        this.target = target;
        this.project = project;
        this.owner = owner;
    }

    /** A successful reply: status, headers, raw body and (for JSON) the parsed envelope. */
    record Reply(int status, Headers headers, byte[] body, JsonNode json) {
        JsonNode metadata() {
            JsonNode m = json == null ? null : json.get("metadata");
            return m == null ? Json.MAPPER.nullNode() : m;
        }

        String etag() {
            String e = headers.get("ETag");
            return e == null ? "" : e;
        }
    }

    // ---- connecting ----

    /** The candidate socket paths in order of preference, for the given environment. */
    static List<Path> localSocketCandidates(Map<String, String> environment) {
        String lxdDir = environment.get("LXD_DIR");
        if (lxdDir != null && !lxdDir.isBlank()) {
            return List.of(Path.of(lxdDir, "unix.socket"));
        }
        return List.of(LxdClient.DEBIAN_SOCKET, LxdClient.SNAP_SOCKET);
    }

    /** See {@link LxdClient#connectUnixSocket}. */
    static LxdConnection unixSocket(Path socket) {
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
                // Plain HTTP only: okhttp then sets up no TLS (the JDK's trust store is not loaded at every start).
                .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT))
                .build();
        return new LxdConnection(http, HttpUrl.get("http://localhost/"), "unix socket " + socket, null, true);
    }

    /** See {@link LxdClient#connectRemote}. */
    static LxdConnection remote(URI endpoint, Path clientCertificatePem, Path clientKeyPem,
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
        return new LxdConnection(http, base, base.toString(), null, true);
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

    /** A copy bound to {@code projectName}, sharing the pool; closing it does nothing. */
    LxdConnection inProject(String projectName) {
        return new LxdConnection(http, base, target, projectName, false);
    }

    /** A copy that does not own the pool, for {@link LxdClient#withOperationTimeout}. */
    LxdConnection borrowed() {
        return new LxdConnection(http, base, target, project, false);
    }

    /** The bound project, or null for LXD's default. */
    String project() {
        return project;
    }

    String target() {
        return target;
    }

    /** Releases the pool and threads when this copy owns them (the one a connect method made). */
    void close() {
        if (owner) {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    // ---- requests ----

    /** {@code /1.0/<segments>} in the bound project ({@code ?project=}), for project-scoped objects. */
    ApiPath scoped(String... segments) {
        return ApiPath.of(segments).project(project);
    }

    /** The shared client, for one long request with timeouts of its own ({@code http().newBuilder()}). */
    OkHttpClient http() {
        return http;
    }

    Reply send(String method, ApiPath path, RequestBody body, Map<String, String> headers, String attempted) {
        return send(http, method, path, body, headers, attempted);
    }

    /** GET; empty when LXD answers 404. */
    Optional<Reply> sendOptional(ApiPath path, String attempted) {
        try {
            return Optional.of(send("GET", path, null, null, attempted));
        } catch (LxdException e) {
            if (e.isNotFound() && !(e instanceof LxdUnavailableException)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** GET a recursion=1 listing and map each element. */
    <T> List<T> list(ApiPath path, String attempted, Function<JsonNode, T> mapper) {
        Reply r = send("GET", path.query("recursion", 1), null, null, attempted);
        List<T> out = new ArrayList<>();
        r.metadata().forEach(n -> out.add(mapper.apply(n)));
        return out;
    }

    Reply send(OkHttpClient client, String method, ApiPath path, RequestBody body,
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

    /** The request that opens an operation's websocket (LXD: GET /1.0/operations/ID/websocket?secret=S). */
    Request websocket(String operationId, String secret) {
        return new Request.Builder().url(ApiPath.of("operations", operationId, "websocket").query("secret", secret)
                .project(project).toUrl(base)).build();
    }

    /** A JSON request body: a request record (see {@link Requests}) or a map. */
    static RequestBody json(Object value) {
        return RequestBody.create(Json.write(value), JSON_TYPE);
    }

    /** The {@code If-Match} header for an ETag read before; none when the ETag is empty. */
    static Map<String, String> ifMatch(String etag) {
        return etag == null || etag.isEmpty() ? Map.of() : Map.of("If-Match", etag);
    }
}
