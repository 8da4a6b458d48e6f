package org.bcm.core.release;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.Sha256;
import org.bcm.core.home.BcmHome;

/**
 * The jars image recipes take from a Maven repository, each checked against the SHA-256 its recipe
 * pins before it is used, cached by that hash under {@code <cache>/maven/<sha256>/<file>.jar}.
 *
 * <p>A missing jar is taken from the operator's local Maven repository ({@code ~/.m2/repository}) when
 * it is there with the pinned hash, else downloaded from the repository {@code BCM_MAVEN_REPOSITORY}
 * names (default Maven Central, {@value #CENTRAL}) as {@link Downloads} goes (through Tor's SOCKS port
 * when it answers). A jar whose hash differs is never used and never cached.
 */
public final class MavenArtifacts {

    /** The environment variable naming another repository (a mirror). */
    public static final String REPOSITORY_VARIABLE = "BCM_MAVEN_REPOSITORY";
    /** Maven Central. */
    public static final String CENTRAL = "https://repo.maven.apache.org/maven2/";

    private final Path dir;
    private final Path localRepository;
    private final String repository;
    private final Downloads downloads;

    /**
     * @param cacheDir        the cache root ({@link BcmHome#cacheDir()})
     * @param localRepository a local Maven repository consulted first, or null
     * @param repository      the remote repository's base URL
     */
    public MavenArtifacts(Path cacheDir, Path localRepository, String repository, Downloads downloads) {
        this.dir = cacheDir.resolve("maven");
        this.localRepository = localRepository;
        this.repository = repository.endsWith("/") ? repository : repository + "/";
        this.downloads = downloads;
    }

    /**
     * The jars of this process's environment: {@code ~/.m2/repository}, {@code BCM_MAVEN_REPOSITORY} or
     * Maven Central, downloads as {@code BCM_SOCKS_PROXY} says.
     */
    public static MavenArtifacts fromEnvironment(Path cacheDir, Map<String, String> environment) {
        String repository = environment.getOrDefault(REPOSITORY_VARIABLE, "");
        return new MavenArtifacts(cacheDir, Path.of(System.getProperty("user.home"), ".m2", "repository"),
                repository.isBlank() ? CENTRAL : repository.strip(), Downloads.fromEnvironment(environment));
    }

    /**
     * The cached jar, fetched and checked now when it is not cached.
     *
     * @throws BcmException NOT_FOUND when it cannot be downloaded (the hint names the URL and where to put
     *     the file), VERIFY_FAILED when what arrived has another SHA-256 than the recipe pins
     */
    public Path require(MavenArtifact artifact, Progress progress) {
        Path cached = dir.resolve(artifact.sha256()).resolve(artifact.fileName());
        if (Files.exists(cached)) {
            return cached;
        }
        try {
            Files.createDirectories(cached.getParent());
            Path partial = dir.resolve("partial").resolve(artifact.sha256()).resolve(artifact.fileName() + ".part");
            Path local = localRepository == null ? null : localRepository.resolve(artifact.repositoryPath());
            if (local != null && Files.isRegularFile(local) && Sha256.hex(local).equals(artifact.sha256())) {
                Files.createDirectories(partial.getParent());
                Files.copy(local, partial, StandardCopyOption.REPLACE_EXISTING);
            } else {
                String url = repository + artifact.repositoryPath();
                progress.report("maven", "downloading " + artifact.coordinates() + " " + downloads.route());
                try {
                    downloads.fetchTo(url, partial, (have, total) -> { });
                } catch (IOException e) {
                    throw new BcmException(Kind.NOT_FOUND, artifact.coordinates() + " is not in the cache and cannot be downloaded: "
                            + e.getMessage(), "fetch " + url + " on a machine that is online and put it at "
                            + localRepository.resolve(artifact.repositoryPath()) + ", or set " + REPOSITORY_VARIABLE
                            + " to a reachable Maven repository; then run again", e);
                }
                String actual = Sha256.hex(partial);
                if (!actual.equals(artifact.sha256())) {
                    BcmHome.deleteTree(partial.getParent());
                    throw new BcmException(Kind.VERIFY_FAILED, artifact.coordinates() + " from " + url + " has SHA-256 " + actual
                            + ", not the " + artifact.sha256() + " its recipe pins; it was discarded",
                            "check the repository (" + REPOSITORY_VARIABLE + ") and the pin; never install a jar whose hash differs");
                }
            }
            Files.move(partial, cached, StandardCopyOption.ATOMIC_MOVE);
            BcmHome.deleteTree(partial.getParent());
            return cached;
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed caching " + artifact.coordinates() + " in " + dir + ": " + e.getMessage(), null, e);
        }
    }
}
