package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bcm.core.home.BcmHome;
import org.bcm.core.image.DockerImageRecipe;
import org.bcm.core.image.DockerImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bcm-rpcproxy image recipe ({@code stacks/bitcoin/images/rpcproxy.yml}) builds from the bcm
 * distribution of this build, and the proxy runs from the image's root filesystem: a chroot stands
 * in for the container (same files, same entrypoint), so no dockerd is needed. The build uses the
 * shared image cache, so the Debian root filesystem is built once per machine.
 */
class RpcProxyImageIT {

    @TempDir Path dir;

    @Test
    void theImageRunsTheProxyWhichRequiresItsOwnCookieWithoutUsers() throws Exception {
        Path recipeFile = Path.of("..", "stacks", "bitcoin", "images", "rpcproxy.yml");
        DockerImageRecipe recipe = DockerImageRecipe.parse("rpcproxy", Files.readAllBytes(recipeFile),
                DockerImages.baseRecipe().hash(), recipeFile.toString());
        DockerImages images = new DockerImages(DockerImages.baseRecipe(), BcmHome.fromEnvironment(System.getenv()).cacheDir(),
                (step, message) -> System.out.println("[" + step + "] " + message));
        Path tar = images.ensureBuilt(recipe);

        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        assertThat(run(List.of("tar", "-xf", tar.toString(), "-C", rootfs.toString())).exit).isZero();
        assertThat(rootfs.resolve("opt/bcm-rpcproxy/lib/bcm-rpcproxy.jar")).exists();

        // a container has /proc; the JVM's launcher needs it to find its libraries
        Path proc = rootfs.resolve("proc");
        assertThat(run(List.of("mount", "-t", "proc", "proc", proc.toString())).exit).isZero();
        try {
            Result version = chroot(rootfs, "/usr/local/bin/bcm-rpcproxy", "--version");
            assertThat(version.exit).as(version.output).isZero();
            assertThat(version.output).contains("bcm-rpcproxy");

            // The image's command: its own configuration has no rpcauth users, so the proxy writes its
            // own cookie (0600) and serves only clients that send it. (On 127.0.0.1 here, and without the
            // block cache, which needs a mount table a chroot does not have.)
            int port;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();
            }
            List<String> command = new ArrayList<>(List.of("env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "XDG_CACHE_HOME=/var/cache", "chroot", rootfs.toString()));
            command.addAll(recipe.entrypoint());
            command.addAll(recipe.cmd());
            command.addAll(List.of("--listen=127.0.0.1:" + port, "--cache-size=0"));
            Process proxy = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("proxy.log").toFile()).start();
            Path cookie = rootfs.resolve("var/cache/bcm-rpcproxy/main/.cookie");
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(100))
                        .untilAsserted(() -> assertThat(cookie).as(Files.readString(dir.resolve("proxy.log"))).exists());
                assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(cookie))).isEqualTo("rw-------");
                String credentials = Files.readString(cookie);
                assertThat(credentials).matches("__cookie__:[0-9a-f]{64}");
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                java.net.http.HttpRequest.Builder call = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"method\":\"getblockcount\",\"id\":1}"));
                assertThat(http.send(call.build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
                String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(credentials.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                // with the cookie the proxy takes the call; there is no bitcoind behind it here
                assertThat(http.send(call.header("Authorization", basic).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode())
                        .isNotEqualTo(401);
            } finally {
                proxy.destroy();
                assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
                System.out.println(Files.readString(dir.resolve("proxy.log")));
            }
            assertThat(cookie).as("the cookie is removed when the proxy stops").doesNotExist();
        } finally {
            run(List.of("umount", "-l", proc.toString()));
        }
    }

    private record Result(int exit, String output) { }

    private static Result chroot(Path rootfs, String... command) throws Exception {
        List<String> all = new ArrayList<>(List.of("env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "XDG_CACHE_HOME=/var/cache", "chroot", rootfs.toString()));
        all.addAll(List.of(command));
        return run(all);
    }

    private static Result run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        System.out.println("$ " + String.join(" ", command) + "\n" + output);
        return new Result(process.exitValue(), output);
    }
}
