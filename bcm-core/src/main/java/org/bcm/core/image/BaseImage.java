package org.bcm.core.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bcm.core.BcmException;
import org.bcm.core.Progress;
import org.bcm.core.home.BcmHome;
import org.bcm.core.port.InstanceServer;
import org.bcm.core.process.ExternalProgram;
import org.bcm.lxd.Image;

/**
 * The LXD image the tier hosts boot: built on the controller from Debian packages with debootstrap
 * and chroot, cached as a metadata tarball plus a rootfs tarball under
 * {@code cache/images/<alias>/}, and imported into LXD (LXD: {@code POST /1.0/images}, split image)
 * under the alias {@code bcm-base-<recipe hash>}.
 *
 * <p>Each step is skipped when its result exists: an image with the alias in LXD; else the cached
 * tarballs (a {@code complete} marker is written last); else a fresh build. An image whose
 * fingerprint LXD already has (an import that lost its alias when bcm was killed) is not uploaded
 * again ({@link InstanceServer#importImage}), only given the alias. A build killed half-way is discarded
 * and started again by the next run.
 */
public final class BaseImage {

    /** Alias prefix of base images; the rest is the recipe hash. */
    public static final String ALIAS_PREFIX = "bcm-base";
    private static final String COMPLETE = "complete";
    private static final Duration IMPORT_TIMEOUT = Duration.ofMinutes(10);

    private final ImageRecipe recipe;
    private final Path cacheDir;
    private final Progress progress;

    /**
     * @param cacheDir where image tarballs are cached, e.g. {@link BcmHome#imageCacheDir()}
     */
    public BaseImage(ImageRecipe recipe, Path cacheDir, Progress progress) {
        this.recipe = recipe;
        this.cacheDir = cacheDir;
        this.progress = progress;
    }

    public String alias() {
        return recipe.alias(ALIAS_PREFIX);
    }

    /**
     * Makes sure LXD has the image under {@link #alias()}, building and importing it when needed.
     *
     * @return the alias
     * @throws BcmException HOST_PREREQUISITE when a build is needed but debootstrap, tar or root
     *                      privileges are missing; INTERNAL when a build step fails
     */
    public String ensure(InstanceServer lxd) {
        String alias = alias();
        if (lxd.imageByAlias(alias).isPresent()) {
            return alias;
        }
        Path dir = cacheDir.resolve(alias);
        if (!Files.exists(dir.resolve(COMPLETE))) {
            build(dir);
        }
        Path metadata = dir.resolve("metadata.tar");
        Path rootfs = dir.resolve("rootfs.tar");
        long total = size(metadata) + size(rootfs);
        AtomicLong lastReported = new AtomicLong(-1);
        progress.report("image", "importing " + alias + " into LXD (" + total / (1024 * 1024) + " MiB)");
        // An image with the same fingerprint (an import whose alias was lost) is returned without an upload.
        Image image = lxd.importImage(metadata, rootfs,
                Map.of("bcm.image", "base", "bcm.recipe", recipe.hash()),
                sent -> {
                    long percent = total == 0 ? 100 : sent * 100 / total;
                    if (percent / 10 != lastReported.get()) {
                        lastReported.set(percent / 10);
                        progress.report("image", "importing " + alias + ": " + percent + "%");
                    }
                },
                IMPORT_TIMEOUT);
        lxd.createImageAlias(alias, image.fingerprint(), "bcm tier host, recipe " + recipe.hash());
        progress.report("image", alias + " is ready");
        return alias;
    }

    /** Builds the tarballs into {@code dir}, replacing whatever a killed earlier build left there. */
    private void build(Path dir) {
        RootfsBuild.requireBuildHost("the base image");
        RootfsBuild.discardOtherBuilds(cacheDir, ALIAS_PREFIX + "-", dir);
        Path rootfs = dir.resolve("rootfs");
        Path templates = dir.resolve("meta").resolve("templates");
        try {
            Files.createDirectories(templates);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed creating " + templates, null, e);
        }
        Instant start = Instant.now();
        progress.report("image", "building " + alias() + " from Debian " + recipe.suite() + " with debootstrap");
        RootfsBuild.debootstrap(recipe, rootfs, progress);
        for (String service : recipe.services()) {
            ExternalProgram.chroot(rootfs, ExternalProgram.SYSTEMCTL.with("enable").operands(service)).stream(line -> { });
        }
        RootfsBuild.clean(rootfs);
        write(dir.resolve("meta").resolve("metadata.yaml"), metadataYaml());
        for (var template : recipe.templates().entrySet()) {
            write(templates.resolve(templateName(template.getKey())), template.getValue());
        }
        progress.report("image", "packing the root filesystem");
        RootfsBuild.pack(rootfs, dir.resolve("rootfs.tar"));
        RootfsBuild.tar(dir.resolve("meta"), dir.resolve("metadata.tar"), "--create", false);
        BcmHome.deleteTree(rootfs);
        BcmHome.deleteTree(dir.resolve("meta"));
        write(dir.resolve(COMPLETE), recipe.hash() + "\n");
        progress.report("image", "built " + alias() + " in " + Duration.between(start, Instant.now()).toSeconds() + " s");
    }

    private String metadataYaml() {
        StringBuilder yaml = new StringBuilder()
                .append("architecture: ").append(architecture()).append('\n')
                .append("creation_date: ").append(Instant.now().getEpochSecond()).append('\n')
                .append("properties:\n")
                .append("  os: ").append(recipe.distribution()).append('\n')
                .append("  release: ").append(recipe.suite()).append('\n')
                .append("  description: bcm tier host (").append(recipe.distribution()).append(' ')
                .append(recipe.suite()).append(", recipe ").append(recipe.hash(), 0, 12).append(")\n");
        if (!recipe.templates().isEmpty()) {
            yaml.append("templates:\n");
            for (String path : recipe.templates().keySet()) {
                yaml.append("  ").append(path).append(":\n")
                        .append("    when: [create, copy]\n")
                        .append("    template: ").append(templateName(path)).append('\n');
            }
        }
        return yaml.toString();
    }

    /** {@code /etc/hostname} becomes {@code etc-hostname.tpl}. */
    static String templateName(String path) {
        return path.substring(1).replace('/', '-') + ".tpl";
    }

    /** LXD's name of this machine's architecture. */
    static String architecture() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
    }

    private static void write(Path file, String content) {
        RootfsBuild.write(file, content);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
