package org.bcm.core.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bcm.core.BcmException;
import org.bcm.core.Progress;
import org.bcm.core.Sha256;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MavenArtifactsTest {

    private static final byte[] JAR = "PK a jar".getBytes(StandardCharsets.UTF_8);
    private static final String HASH = Sha256.hex(JAR);

    @TempDir Path cache;
    @TempDir Path m2;
    private HttpServer server;
    private final List<String> requested = new ArrayList<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String serve(byte[] body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requested.add(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/maven2";
    }

    @Test
    void parsesCoordinatesAndTheRepositoryPath() {
        MavenArtifact a = MavenArtifact.parse("org.apache.kafka:kafka_2.13:4.4.0 sha256:" + HASH.toUpperCase(), "k.yml");
        MavenArtifact b = MavenArtifact.parse("com.github.luben:zstd-jni:1.5.7-17:linux_amd64 sha256:" + HASH, "k.yml");

        assertThat(a.repositoryPath()).isEqualTo("org/apache/kafka/kafka_2.13/4.4.0/kafka_2.13-4.4.0.jar");
        assertThat(a.sha256()).isEqualTo(HASH);
        assertThat(b.fileName()).isEqualTo("zstd-jni-1.5.7-17-linux_amd64.jar");
        assertThat(b.coordinates()).isEqualTo("com.github.luben:zstd-jni:1.5.7-17:linux_amd64");
    }

    @ParameterizedTest
    @ValueSource(strings = {"org.apache.kafka:kafka-clients:4.4.0", "org.apache.kafka:kafka-clients sha256:00",
            "a:b sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "a:../b:1 sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "a:b:1:c:d sha256:0000000000000000000000000000000000000000000000000000000000000000"})
    void malformedLinesAreInvalidInput(String line) {
        assertThatThrownBy(() -> MavenArtifact.parse(line, "k.yml"))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT))
                .hasMessageContaining("Image recipe k.yml: maven artifact");
    }

    @Test
    void downloadsChecksAndCachesByHash() throws IOException {
        MavenArtifacts artifacts = new MavenArtifacts(cache, m2, serve(JAR), Downloads.direct());
        MavenArtifact artifact = MavenArtifact.parse("org.example:lib:1.0 sha256:" + HASH, "k.yml");

        Path jar = artifacts.require(artifact, Progress.NONE);
        Path again = artifacts.require(artifact, Progress.NONE);

        assertThat(jar).isEqualTo(cache.resolve("maven").resolve(HASH).resolve("lib-1.0.jar")).hasBinaryContent(JAR);
        assertThat(again).isEqualTo(jar);
        assertThat(requested).containsExactly("/maven2/org/example/lib/1.0/lib-1.0.jar");
    }

    @Test
    void theLocalRepositoryServesAJarWithThePinnedHashOnly() throws IOException {
        MavenArtifacts artifacts = new MavenArtifacts(cache, m2, serve(JAR), Downloads.direct());
        MavenArtifact artifact = MavenArtifact.parse("org.example:lib:1.0 sha256:" + HASH, "k.yml");
        Path local = m2.resolve(artifact.repositoryPath());
        Files.createDirectories(local.getParent());
        Files.write(local, JAR);

        assertThat(artifacts.require(artifact, Progress.NONE)).hasBinaryContent(JAR);
        assertThat(requested).isEmpty();

        MavenArtifact other = MavenArtifact.parse("org.example:other:1.0 sha256:" + HASH, "k.yml");
        Path tampered = m2.resolve(other.repositoryPath());
        Files.createDirectories(tampered.getParent());
        Files.write(tampered, "not it".getBytes(StandardCharsets.UTF_8));
        assertThat(artifacts.require(other, Progress.NONE)).hasBinaryContent(JAR);
        assertThat(requested).containsExactly("/maven2/org/example/other/1.0/other-1.0.jar");
    }

    @Test
    void aJarWithAnotherHashIsRefusedAndNotCached() throws IOException {
        MavenArtifacts artifacts = new MavenArtifacts(cache, m2, serve("evil".getBytes(StandardCharsets.UTF_8)), Downloads.direct());
        MavenArtifact artifact = MavenArtifact.parse("org.example:lib:1.0 sha256:" + HASH, "k.yml");

        assertThatThrownBy(() -> artifacts.require(artifact, Progress.NONE))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.VERIFY_FAILED))
                .hasMessageContaining("org.example:lib:1.0").hasMessageContaining(Sha256.hex("evil"));
        assertThat(cache.resolve("maven").resolve(HASH).resolve("lib-1.0.jar")).doesNotExist();
        assertThat(cache.resolve("maven/partial")).isEmptyDirectory();
    }

    @Test
    void anUnreachableRepositoryIsNotFoundWithWhatToDo() {
        MavenArtifacts artifacts = new MavenArtifacts(cache, m2, "http://127.0.0.1:9/maven2", Downloads.direct());
        MavenArtifact artifact = MavenArtifact.parse("org.example:lib:1.0 sha256:" + HASH, "k.yml");

        assertThatThrownBy(() -> artifacts.require(artifact, Progress.NONE))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.NOT_FOUND);
                    assertThat(e.hint()).contains(MavenArtifacts.REPOSITORY_VARIABLE).contains("lib-1.0.jar");
                });
    }
}
