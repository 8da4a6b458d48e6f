package org.bcm.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy's own cookie file, written and removed as Core writes and removes its .cookie. */
class AuthCookieTest {

    @TempDir
    Path dir;

    private static IncomingAuth acceptingOnly(AuthCookie cookie) {
        RpcProxyConfig config = RpcProxyConfig.builder(Chain.REGTEST).listen(new InetSocketAddress("127.0.0.1", 0))
                .cacheDir(Path.of("/nonexistent")).build();
        return new IncomingAuth(List.of(cookie.user()), config);
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void coresFormatOwnerOnlyInDirectoriesCreatedOwnerOnly() throws Exception {
        Path file = dir.resolve("bcm-rpcproxy/regtest/.cookie");
        AuthCookie cookie = AuthCookie.generate(file);
        assertThat(file).doesNotExist();
        cookie.write();

        String content = Files.readString(file, StandardCharsets.US_ASCII);
        assertThat(content).matches("__cookie__:[0-9a-f]{64}"); // no newline, as Core writes it
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("bcm-rpcproxy"))).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("bcm-rpcproxy/regtest"))).isEqualTo("rwx------");
        assertThat(dir.resolve("bcm-rpcproxy/regtest/.cookie.tmp")).doesNotExist();

        // clients send the file's content as Basic credentials; the password is checked as an rpcauth user's
        IncomingAuth auth = acceptingOnly(cookie);
        assertThat(auth.check(Http.cookie(file))).isEqualTo("__cookie__");
        String hex = content.substring("__cookie__:".length());
        assertThat(auth.check(Http.basic("__cookie__", hex.substring(1) + "0"))).isNull();
        assertThat(auth.check(Http.basic("__cookie__", hex + "\n"))).isNull();
        assertThat(auth.check(Http.basic("cookie", hex))).isNull();
        assertThat(cookie.user().hmac()).doesNotContain(hex);

        // a new cookie each time
        AuthCookie other = AuthCookie.generate(file);
        assertThat(acceptingOnly(other).check(Http.cookie(file))).isNull();
    }

    @Test
    void anExistingDirectoryIsLeftAsItIsAndStaleFilesAreReplacedNotFollowed() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = shared.resolve(".cookie");
        Files.writeString(file, "__cookie__:old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Path victim = Files.writeString(dir.resolve("victim"), "untouched");
        Files.createSymbolicLink(shared.resolve(".cookie.tmp"), victim);

        AuthCookie cookie = AuthCookie.generate(file);
        cookie.write();

        assertThat(mode(shared)).isEqualTo("rwxr-xr-x");
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(Files.readString(file)).startsWith("__cookie__:").isNotEqualTo("__cookie__:old");
        assertThat(Files.readString(victim)).isEqualTo("untouched");
        assertThat(Files.exists(shared.resolve(".cookie.tmp"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void closeRemovesTheFileItWroteOnly() throws Exception {
        Path file = dir.resolve(".cookie");
        AuthCookie first = AuthCookie.generate(file);
        first.write();
        first.close();
        assertThat(file).doesNotExist();
        first.close(); // idempotent

        AuthCookie a = AuthCookie.generate(file);
        a.write();
        AuthCookie b = AuthCookie.generate(file); // another proxy on the same file, started later
        b.write();
        a.close();
        assertThat(file).exists();
        assertThat(acceptingOnly(b).check(Http.cookie(file))).isEqualTo("__cookie__");
        b.close();
        assertThat(file).doesNotExist();
    }

    @Test
    void anUnwritableLocationIsExitCode5NamingTheSetting() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        AuthCookie cookie = AuthCookie.generate(notADirectory.resolve("sub/.cookie"));
        assertThatThrownBy(cookie::write).isInstanceOf(RpcProxyException.class)
                .hasMessageStartingWith("cannot write the cookie file " + notADirectory.resolve("sub/.cookie") + " (rpccookiefile): ")
                .hasMessageContaining("set rpccookiefile to a file in a directory the proxy may write")
                .satisfies(e -> assertThat(((RpcProxyException) e).reason().exitCode()).isEqualTo(5));
        cookie.close(); // nothing written, nothing removed
        assertThat(Files.readString(notADirectory)).isEqualTo("x");
    }
}
