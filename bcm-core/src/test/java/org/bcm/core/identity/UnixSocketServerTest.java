package org.bcm.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.bcm.core.BcmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agents' socket: private, replacing a stale file, refusing a live one, removed on close. */
class UnixSocketServerTest {

    private static final UnixSocketServer.Naming NAMING =
            new UnixSocketServer.Naming("ssh-agent", "an", path -> "use it (SSH_AUTH_SOCK=" + path + ")", "TEST_HOME");

    @TempDir
    Path dir;

    /** Serves by echoing every byte back until the client hangs up. */
    private static void echo(SocketChannel client) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        while (client.read(buffer) >= 0) {
            buffer.flip();
            while (buffer.hasRemaining()) {
                client.write(buffer);
            }
            buffer.clear();
        }
    }

    private static UnixSocketServer echoing(Path socket) {
        UnixSocketServer server = UnixSocketServer.listen(socket, NAMING);
        server.serve(UnixSocketServerTest::echo);
        return server;
    }

    private static byte[] roundTrip(Path socket, String text) throws IOException {
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            client.write(ByteBuffer.wrap(text.getBytes()));
            ByteBuffer answer = ByteBuffer.allocate(text.length());
            while (answer.hasRemaining() && client.read(answer) >= 0) {
                // read until the echo is complete
            }
            return answer.array();
        }
    }

    @Test
    void makesAPrivateDirectoryAndSocketAndServesClients() throws Exception {
        Path socket = dir.resolve("agent/S.test");
        try (UnixSocketServer server = echoing(socket)) {
            assertThat(server.socket()).isEqualTo(socket.toAbsolutePath());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            assertThat(roundTrip(socket, "hello")).isEqualTo("hello".getBytes());
            assertThat(roundTrip(socket, "again")).isEqualTo("again".getBytes());
            assertThat(server.oneAtATime(() -> 42)).isEqualTo(42);
        }
    }

    @Test
    void replacesAStaleSocket() throws Exception {
        Path socket = dir.resolve("S.stale");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(socket));
        dead.close();  // the file stays, nobody answers
        assertThat(socket).exists();
        try (UnixSocketServer server = echoing(socket)) {
            assertThat(roundTrip(server.socket(), "fresh")).isEqualTo("fresh".getBytes());
        }
    }

    @Test
    void refusesALiveSocketNamingTheAgent() throws Exception {
        Path socket = dir.resolve("S.live");
        try (UnixSocketServer first = echoing(socket)) {
            assertThatThrownBy(() -> UnixSocketServer.listen(socket, NAMING))
                    .isInstanceOfSatisfying(BcmException.class, e -> {
                        assertThat(e.kind()).isEqualTo(BcmException.Kind.CONFLICT);
                        assertThat(e.getMessage()).isEqualTo("an ssh-agent already listens on " + socket.toAbsolutePath());
                        assertThat(e.hint()).isEqualTo("use it (SSH_AUTH_SOCK=" + socket.toAbsolutePath() + ")");
                    });
            assertThat(roundTrip(first.socket(), "still")).as("the first one keeps serving").isEqualTo("still".getBytes());
        }
    }

    @Test
    void refusesAPathThatIsNoSocket() throws Exception {
        Path file = Files.writeString(dir.resolve("S.file"), "not a socket");
        assertThatThrownBy(() -> UnixSocketServer.listen(file, NAMING))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.CONFLICT);
                    assertThat(e.getMessage()).endsWith("exists and is not a socket");
                });
        assertThat(file).hasContent("not a socket");
    }

    @Test
    void refusesADirectoryOpenToOthers() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> UnixSocketServer.listen(open.resolve("S.test"), NAMING))
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("open to other users");
                    assertThat(e.hint()).isEqualTo("chmod 700 " + open.toAbsolutePath());
                });
        assertThat(open.resolve("S.test")).doesNotExist();
    }

    @Test
    void closeEndsConnectionsDeletesTheSocketAndIsIdempotent() throws Exception {
        Path socket = dir.resolve("S.close");
        UnixSocketServer server = echoing(socket);
        SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        assertThat(client.write(ByteBuffer.wrap(new byte[] {1}))).isEqualTo(1);
        assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(1);  // served: the connection's thread runs

        assertThat(server.isClosed()).isFalse();
        server.close();
        assertThat(server.isClosed()).isTrue();
        assertThat(socket).doesNotExist();
        assertThat(client.read(ByteBuffer.allocate(1))).as("the connection was ended").isEqualTo(-1);
        client.close();

        assertTimeoutPreemptively(Duration.ofSeconds(5), server::awaitClose, "awaitClose returns once closed");

        server.close();
        assertThat(server.isClosed()).isTrue();
        assertThat(socket).doesNotExist();
    }

    @Test
    void closeLeavesASocketThatIsNoLongerOurs() throws Exception {
        Path socket = dir.resolve("S.taken");
        UnixSocketServer server = echoing(socket);
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            Path elsewhere = dir.resolve("S.other");
            other.bind(UnixDomainSocketAddress.of(elsewhere));
            Files.move(elsewhere, socket, StandardCopyOption.REPLACE_EXISTING);  // another agent took the path over
            server.close();
            assertThat(socket).exists();
        }
    }
}
