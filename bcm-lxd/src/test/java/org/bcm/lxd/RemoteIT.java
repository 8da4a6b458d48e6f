package org.bcm.lxd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.bcm.lxd.TestCertificates.KeyFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS with a client certificate against the real local LXD on 127.0.0.1. The test trusts a
 * certificate of its own (named {@code bcm-lxd-it-remote...}) and, when the daemon has no HTTPS
 * address, sets {@code core.https_address} to a free loopback port, recording it under {@link
 * #MARKER}. Both are undone at the end, and before the start if a crashed run left them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RemoteIT {

    static final String PREFIX = "bcm-lxd-it-remote";
    static final String MARKER = "user." + PREFIX + ".https_address";
    static final String HTTPS_ADDRESS = "core.https_address";
    static final Path SERVER_CERT = Path.of("/var/lib/lxd/server.crt");

    LxdClient root;
    boolean setAddress;
    URI endpoint;
    TestCertificates.Generated trusted;
    String trustedFingerprint;

    Path dir;

    @BeforeAll
    void setUp(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        root = LxdClient.connectLocal();
        removeLeftovers(root);

        String address = root.server().config().getOrDefault(HTTPS_ADDRESS, "");
        if (address.isEmpty()) {
            address = "127.0.0.1:" + freePort();
            root.updateServerConfig(Map.of(HTTPS_ADDRESS, address, MARKER, address));
            setAddress = true;
        }
        int colon = address.lastIndexOf(':');
        String host = colon <= 0 ? "" : address.substring(0, colon);
        assumeTrue(host.isEmpty() || host.equals("127.0.0.1") || host.equals("0.0.0.0") || host.equals("[::]"),
                "LXD already listens on " + address + ": tests talk to 127.0.0.1 only");
        String port = colon < 0 ? "8443" : address.substring(colon + 1);
        endpoint = URI.create("https://127.0.0.1:" + port);

        trusted = TestCertificates.generate(dir, PREFIX + "-trusted", KeyFormat.SEC1_EC);
        trustedFingerprint = root.trustCertificate(PREFIX + "-trusted", trusted.certificatePem());
    }

    @AfterAll
    void tearDown() {
        if (root == null) {
            return;
        }
        try {
            removeLeftovers(root);
            assertThat(root.certificates()).noneMatch(c -> c.name().startsWith(PREFIX));
            assertThat(root.server().config()).doesNotContainKey(MARKER);
            if (setAddress) {
                assertThat(root.server().config()).doesNotContainKey(HTTPS_ADDRESS);
            }
        } finally {
            root.close();
        }
    }

    /** Removes this test's certificates and the HTTPS address it set (recognised by the marker). */
    static void removeLeftovers(LxdClient root) {
        for (Certificate c : root.certificates()) {
            if (c.name().startsWith(PREFIX)) {
                root.removeCertificate(c.fingerprint());
            }
        }
        Map<String, String> config = root.server().config();
        String marker = config.get(MARKER);
        if (marker != null) {
            Map<String, String> undo = new HashMap<>();
            undo.put(MARKER, null);
            if (marker.equals(config.get(HTTPS_ADDRESS))) {
                undo.put(HTTPS_ADDRESS, null);
            }
            root.updateServerConfig(undo);
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The server answers once its HTTPS listener is up. */
    static Server serverWhenListening(LxdClient client) {
        return org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsMatching(e -> e instanceof LxdUnavailableException && !String.valueOf(e.getCause()).contains("SSL"))
                .until(client::server, server -> true);
    }

    @Test
    void trustedCertificateIsListed() {
        assertThat(trustedFingerprint).hasSize(64);
        Certificate c = root.certificate(trustedFingerprint).orElseThrow();
        assertThat(c.name()).isEqualTo(PREFIX + "-trusted");
        assertThat(c.type()).isEqualTo("client");
        assertThat(Pem.parseCertificate(c.certificatePem())).isEqualTo(trusted.certificate());
        assertThat(root.certificates()).extracting(Certificate::fingerprint).contains(trustedFingerprint);
        assertThatThrownBy(() -> root.trustCertificate(PREFIX + "-again", Pem.toPem(trusted.certificate())))
                .isInstanceOf(LxdException.class).hasMessageContaining(PREFIX + "-again");
    }

    @Test
    void trustedClientCertificateIsTrustedOverHttps() throws Exception {
        try (LxdClient remote = LxdClient.connectRemote(endpoint, trusted.certificateFile(), trusted.keyFile(),
                SERVER_CERT)) {
            Server s = serverWhenListening(remote);
            assertThat(s.auth()).isEqualTo("trusted");
            assertThat(s.serverVersion()).isEqualTo(root.server().serverVersion());
            assertThat(s.certificateFingerprint()).isEqualTo(Pem.fingerprint(Pem.readCertificate(SERVER_CERT)));
            assertThat(remote.projects()).extracting(Project::name).contains("default");
            assertThat(remote.useProject("default").profiles()).extracting(Profile::name).contains("default");
            assertThat(remote.target()).isEqualTo(endpoint + "/");
        }
    }

    @Test
    void unknownClientCertificateIsUntrusted() throws Exception {
        TestCertificates.Generated stranger = TestCertificates.generate(dir, PREFIX + "-stranger",
                KeyFormat.PKCS8);
        try (LxdClient remote = LxdClient.connectRemote(endpoint, stranger.certificateFile(), stranger.keyFile(),
                SERVER_CERT)) {
            Server s = serverWhenListening(remote);
            assertThat(s.auth()).isEqualTo("untrusted");
            assertThat(s.trusted()).isFalse();
            assertThatThrownBy(remote::projects)
                    .isInstanceOfSatisfying(LxdException.class, e -> {
                        assertThat(e).isNotInstanceOf(LxdUnavailableException.class);
                        assertThat(e.statusCode()).isEqualTo(403);
                    });
        }
    }

    @Test
    void pinningAnotherServerCertificateFailsTheHandshake() throws Exception {
        try (LxdClient good = LxdClient.connectRemote(endpoint, trusted.certificateFile(), trusted.keyFile(),
                SERVER_CERT)) {
            assertThat(serverWhenListening(good).trusted()).isTrue(); // the listener is up: a failure is the pin
        }
        TestCertificates.Generated other = TestCertificates.generate(dir, PREFIX + "-fake-server",
                KeyFormat.PKCS8);
        try (LxdClient remote = LxdClient.connectRemote(endpoint, trusted.certificateFile(), trusted.keyFile(),
                other.certificateFile())) {
            assertThatThrownBy(remote::server)
                    .isInstanceOfSatisfying(LxdCertificateMismatchException.class, e -> {
                        assertThat(e.statusCode()).isZero();
                        assertThat(e.getMessage()).contains(endpoint.toString()).contains("pinned")
                                .contains(Pem.fingerprint(Pem.readCertificate(SERVER_CERT)));
                    });
        }
    }

    @Test
    void theServerCertificateIsReadBeforeTrustAndATrustTokenMakesAGeneratedIdentityTrusted() throws Exception {
        String presented = ClientIdentity.serverCertificate(endpoint);
        assertThat(ClientIdentity.fingerprint(presented)).isEqualTo(Pem.fingerprint(Pem.readCertificate(SERVER_CERT)));

        Path cert = dir.resolve("generated/client.crt");
        Path key = dir.resolve("generated/client.key");
        ClientIdentity.Generated generated = ClientIdentity.generate("bcm@it");
        assertThat(generated.toString()).doesNotContain("PRIVATE KEY");
        java.nio.file.Files.createDirectories(cert.getParent());
        java.nio.file.Files.writeString(cert, generated.certificatePem());
        java.nio.file.Files.writeString(key, generated.keyPem());
        Process add = new ProcessBuilder("lxc", "config", "trust", "add", "--name", PREFIX + "-token").redirectErrorStream(true).start();
        String printed = new String(add.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(add.waitFor()).as(printed).isZero();
        TrustToken token = TrustToken.parse(printed.lines().filter(l -> l.matches("[A-Za-z0-9+/=_-]{40,}")).findFirst().orElseThrow());
        assertThat(token.fingerprint()).isEqualTo(ClientIdentity.fingerprint(presented));
        assertThat(token.clientName()).isEqualTo(PREFIX + "-token");

        try (LxdClient remote = LxdClient.connectRemote(endpoint, cert, key, SERVER_CERT)) {
            assertThat(serverWhenListening(remote).auth()).isEqualTo("untrusted");
            remote.trustWithToken(PREFIX + "-generated", token);
            assertThat(remote.server().auth()).isEqualTo("trusted");
            assertThat(remote.certificates()).extracting(Certificate::fingerprint)
                    .contains(ClientIdentity.fingerprint(java.nio.file.Files.readString(cert)));
        }
        try (LxdClient stranger = LxdClient.connectRemote(endpoint, trusted.certificateFile(), trusted.keyFile(), SERVER_CERT)) {
            assertThatThrownBy(() -> stranger.trustWithToken(PREFIX + "-again", token)).as("a token works once")
                    .isInstanceOf(LxdException.class);
        }
    }

    @Test
    void aMalformedTokenIsRefusedWithoutItsContent() {
        assertThatThrownBy(() -> TrustToken.parse("not a token!")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not base64");
        String noSecret = java.util.Base64.getEncoder().encodeToString("{\"fingerprint\":\"ab\"}".getBytes());
        assertThatThrownBy(() -> TrustToken.parse(noSecret)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no server fingerprint or secret");
    }
}
