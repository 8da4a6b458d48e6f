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
    void theImageRunsTheProxyAndRefusesToServeWithoutUsers() throws Exception {
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

            // the image's command: its own configuration listens on 0.0.0.0 without rpcauth users
            List<String> command = new ArrayList<>(recipe.entrypoint());
            command.addAll(recipe.cmd());
            Result refused = chroot(rootfs, command.toArray(String[]::new));
            assertThat(refused.exit).as(refused.output).isEqualTo(2);
            assertThat(refused.output).contains("rpcauth");
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
