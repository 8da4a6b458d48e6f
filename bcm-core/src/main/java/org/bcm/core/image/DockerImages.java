package org.bcm.core.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.Progress;
import org.bcm.core.home.BcmHome;
import org.bcm.core.release.MavenArtifact;
import org.bcm.core.release.MavenArtifacts;
import org.bcm.core.release.ReleaseArchive;
import org.bcm.core.release.ReleaseSpec;
import org.bcm.core.release.Releases;

/**
 * Builds the root filesystem tarballs of Docker images on the controller, from Debian packages,
 * without any image registry: the shared base ({@code stacks/base/docker-rootfs.yml}, debootstrap
 * minbase) is built once and cached; each image unpacks it, installs its packages in a chroot, copies
 * its files of the bcm distribution, its jars of a Maven repository checked by hash
 * ({@link MavenArtifacts}), installs the files of its verified upstream release ({@link Releases}), lays its files on top and is packed again. {@code docker import}
 * of the tarball, with the recipe's config, gives the image (see {@link DockerImageRecipe#changes()}).
 *
 * <p>Cache layout, under the cache directory: {@code docker-rootfs/<hash12>/rootfs.tar} and
 * {@code docker-images/<name>/<tag>/rootfs.tar}, each with a {@code complete} marker written last,
 * so a build killed half-way is discarded and redone. Older builds of the same image are deleted.
 */
public final class DockerImages {

    private static final String COMPLETE = "complete";

    private final ImageRecipe base;
    private final Path cacheDir;
    private final Progress progress;
    private final Releases releases;
    private final MavenArtifacts maven;

    /**
     * Images whose upstream releases are downloaded as this process's {@code BCM_SOCKS_PROXY} says.
     *
     * @param base     the recipe of the shared root filesystem, {@link #baseRecipe()}
     * @param cacheDir the cache root, e.g. {@link BcmHome#cacheDir()}
     */
    public DockerImages(ImageRecipe base, Path cacheDir, Progress progress) {
        this(base, cacheDir, progress, Releases.fromEnvironment(cacheDir, System.getenv()),
                MavenArtifacts.fromEnvironment(cacheDir, System.getenv()));
    }

    /**
     * @param releases the release cache recipes with a {@code release} step take their archives from
     * @param maven    where recipes with a {@code maven} step take their jars from
     */
    public DockerImages(ImageRecipe base, Path cacheDir, Progress progress, Releases releases, MavenArtifacts maven) {
        this.base = base;
        this.cacheDir = cacheDir;
        this.progress = progress;
        this.releases = releases;
        this.maven = maven;
    }

    /** The shared root filesystem recipe shipped in the bcm jar, {@code stacks/base/docker-rootfs.yml}. */
    public static ImageRecipe baseRecipe() {
        return ImageRecipe.fromResource("bcm/stacks/base/docker-rootfs.yml");
    }

    /** Whether the tarball of this recipe is already cached. */
    public boolean isCached(DockerImageRecipe recipe) {
        return Files.exists(imageDir(recipe).resolve(COMPLETE));
    }

    /**
     * The root filesystem tarball of the image, built now when it is not cached.
     *
     * <p>A recipe's upstream release is taken from the release cache before anything is built,
     * downloaded and verified when it is missing ({@link Releases#require}).
     *
     * @throws BcmException NOT_FOUND / VERIFY_FAILED for a jar of its maven step as {@link MavenArtifacts#require};
     *     HOST_PREREQUISITE when a build is needed but not possible here (not root,
     *     no debootstrap, a recipe with {@code distribution} and no bcm distribution), INTERNAL when a
     *     build step fails (apt's last lines are in the message); NOT_FOUND when the recipe's release
     *     is not cached and cannot be downloaded (the hint names the URLs and {@code bcm release
     *     import}), VERIFY_FAILED when it fails verification, INVALID_INPUT when its archive lacks a
     *     file the recipe installs
     */
    public Path ensureBuilt(DockerImageRecipe recipe) {
        Path dir = imageDir(recipe);
        if (Files.exists(dir.resolve(COMPLETE))) {
            return dir.resolve("rootfs.tar");
        }
        Map<String, Path> distributionFiles = recipe.requireDistributionFiles();
        Map<ReleaseSpec, Path> releaseArchives = new java.util.LinkedHashMap<>();
        for (ReleaseSpec release : recipe.releases()) {
            releaseArchives.put(release, releases.require(release, progress));
        }
        Map<String, Path> jars = new java.util.LinkedHashMap<>();
        if (recipe.maven() != null) {
            progress.report("image " + recipe.name(), "checking " + recipe.maven().artifacts().size() + " jars of its maven step");
            for (MavenArtifact artifact : recipe.maven().artifacts()) {
                jars.put(recipe.maven().directory() + "/" + artifact.fileName(), maven.require(artifact, progress));
            }
        }
        RootfsBuild.requireBuildHost("image " + recipe.name());
        Path baseTar = ensureBase();
        Instant start = Instant.now();
        String step = "image " + recipe.name();
        progress.report(step, "building " + recipe.reference() + " from Debian packages " + recipe.packages());
        RootfsBuild.discardOtherBuilds(dir.getParent(), "", dir);
        Path rootfs = dir.resolve("rootfs");
        RootfsBuild.unpack(baseTar, rootfs);
        RootfsBuild.aptInstall(rootfs, recipe.packages(), step, progress);
        try {
            for (var file : distributionFiles.entrySet()) {
                Path target = rootfs.resolve(file.getKey().substring(1));
                Files.createDirectories(target.getParent());
                Files.copy(file.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(BcmDistribution.mode(file.getValue())));
            }
            for (var jar : jars.entrySet()) {
                Path target = rootfs.resolve(jar.getKey().substring(1));
                Files.createDirectories(target.getParent());
                Files.copy(jar.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
            }
            for (var release : releaseArchives.entrySet()) {
                progress.report(step, "installing " + String.join(", ", release.getKey().install().values()) + " from "
                        + release.getKey().archiveName());
                ReleaseArchive.install(release.getKey(), release.getValue(), rootfs);
            }
            for (var file : recipe.files().entrySet()) {
                Path target = rootfs.resolve(file.getKey().substring(1));
                RootfsBuild.write(target, file.getValue());
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                        recipe.executables().contains(file.getKey()) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed writing the files of " + step, null, e);
        }
        RootfsBuild.clean(rootfs);
        RootfsBuild.pack(rootfs, dir.resolve("rootfs.tar"));
        BcmHome.deleteTree(rootfs);
        RootfsBuild.write(dir.resolve(COMPLETE), recipe.hash() + "\n");
        progress.report(step, "built in " + Duration.between(start, Instant.now()).toSeconds() + " s");
        return dir.resolve("rootfs.tar");
    }

    private Path ensureBase() {
        Path dir = cacheDir.resolve("docker-rootfs").resolve(base.hash().substring(0, 12));
        if (Files.exists(dir.resolve(COMPLETE))) {
            return dir.resolve("rootfs.tar");
        }
        Instant start = Instant.now();
        progress.report("image", "building the Docker root filesystem from Debian " + base.suite() + " with debootstrap");
        RootfsBuild.discardOtherBuilds(dir.getParent(), "", dir);
        Path rootfs = dir.resolve("rootfs");
        RootfsBuild.debootstrap(base, rootfs, progress);
        RootfsBuild.clean(rootfs);
        RootfsBuild.pack(rootfs, dir.resolve("rootfs.tar"));
        BcmHome.deleteTree(rootfs);
        RootfsBuild.write(dir.resolve(COMPLETE), base.hash() + "\n");
        progress.report("image", "built the Docker root filesystem in " + Duration.between(start, Instant.now()).toSeconds() + " s");
        return dir.resolve("rootfs.tar");
    }

    private Path imageDir(DockerImageRecipe recipe) {
        return cacheDir.resolve("docker-images").resolve(recipe.name()).resolve(recipe.tag());
    }
}
