package org.bcm.core.image;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.FileDigests;
import org.bcm.core.Sha256;
import org.bcm.core.release.MavenArtifact;
import org.bcm.core.release.ReleaseSpec;

/**
 * The recipe of a Docker image a stack runs, {@code stacks/<stack>/images/<name>.yml}: Debian
 * packages installed on the shared Docker root filesystem ({@code stacks/base/docker-rootfs.yml}),
 * files of the bcm distribution copied in ({@code distribution}, see {@link BcmDistribution}), files
 * of a verified upstream release archive ({@code release}, see {@link ReleaseSpec}), jars of a Maven
 * repository pinned by their SHA-256 ({@code maven}, see {@link MavenArtifact}), files laid on top,
 * and the image config (entrypoint, command, user, working directory, environment) that
 * {@code docker import} applies.
 *
 * <p>The image is tagged {@link #tag()}: the first 12 hex digits of the SHA-256 of the base recipe's
 * hash and this recipe's bytes, followed, for a recipe with {@code distribution}, by the image path,
 * mode and SHA-256 of every file it copies, and, for a recipe with {@code release}, the name and
 * SHA-256 of every pinned key file ({@link ReleaseSpec#keysDigest()}). Edit the recipe or the base, or install a bcm with other
 * jars, and the next deploy builds and pushes a new image; otherwise the cached tarball and the
 * registry's copy are reused.
 *
 * @param name        image name, {@code [a-z0-9][a-z0-9-]*}: the file name without {@code .yml}
 * @param packages    Debian packages installed without recommends
 * @param files       absolute path in the image to content
 * @param executables paths among {@code files} that get mode 0755 (others 0644)
 * @param distribution absolute image path to a path in the bcm distribution, as written in the recipe
 * @param distributionFiles every file {@code distribution} copies: absolute image path to the file in the
 *                    distribution bcm runs from; empty when bcm runs from none (then the image cannot be
 *                    built: {@link #requireDistributionFiles()})
 * @param maven       the jars taken from a Maven repository, or null for none ({@code maven:} with
 *                    {@code directory}, the absolute image directory they go to, and {@code artifacts},
 *                    each {@code GROUP:ARTIFACT:VERSION[:CLASSIFIER] sha256:HEX}: {@link MavenArtifact})
 * @param releases    the upstream releases whose files the image gets, in the recipe's order (none: empty).
 *                    {@code release:} is one release step or a list of them (Core Lightning's image takes
 *                    {@code bitcoin-cli} from Bitcoin Core's release and {@code lightningd} from its own)
 * @param entrypoint  ENTRYPOINT, empty for none
 * @param cmd         CMD, empty for none
 * @param user        USER, or null
 * @param workdir     WORKDIR, or null
 * @param env         ENV
 * @param hash        lower-case hex SHA-256 identifying the image content
 */
public record DockerImageRecipe(
        String name,
        List<String> packages,
        Map<String, String> files,
        List<String> executables,
        Map<String, String> distribution,
        Map<String, Path> distributionFiles,
        MavenStep maven,
        List<ReleaseSpec> releases,
        List<String> entrypoint,
        List<String> cmd,
        String user,
        String workdir,
        Map<String, String> env,
        String hash) {

    /**
     * A recipe's {@code maven} step: the jars, each pinned by its SHA-256, installed into one directory
     * of the image under their repository file names.
     *
     * @param directory absolute image directory
     * @param artifacts the jars, in the recipe's order
     */
    public record MavenStep(String directory, List<MavenArtifact> artifacts) {
        public MavenStep {
            artifacts = List.copyOf(artifacts);
        }
    }

    /** Repository prefix of bcm's images in the cluster registry, reached on every tier host at 127.0.0.1:5000. */
    public static final String REGISTRY = "127.0.0.1:5000";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectMapper JSON = new ObjectMapper();

    public DockerImageRecipe {
        packages = List.copyOf(packages);
        files = new TreeMap<>(files);
        executables = List.copyOf(executables);
        distribution = new TreeMap<>(distribution);
        distributionFiles = new TreeMap<>(distributionFiles);
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = new LinkedHashMap<>(env);
    }

    /** The repository in the cluster registry, e.g. {@code 127.0.0.1:5000/bcm/tor}. */
    public String repository() {
        return REGISTRY + "/bcm/" + name;
    }

    /** The tag: the first 12 hex digits of {@link #hash()}. */
    public String tag() {
        return hash.substring(0, 12);
    }

    /** {@code repository:tag}. */
    public String reference() {
        return repository() + ":" + tag();
    }

    /**
     * {@link #distributionFiles()}, which the build copies into the image.
     *
     * @throws BcmException HOST_PREREQUISITE when the recipe copies files of the bcm distribution but
     *     this bcm does not run from one (the system property {@code bcm.dist} is unset)
     */
    public Map<String, Path> requireDistributionFiles() {
        if (!distribution.isEmpty() && distributionFiles.isEmpty()) {
            throw new BcmException(BcmException.Kind.HOST_PREREQUISITE, "Image " + name + " copies files of the bcm"
                    + " distribution (" + String.join(", ", distribution.values()) + "), but this bcm does not run from"
                    + " one: the system property " + BcmDistribution.PROPERTY + " is "
                    + (System.getProperty(BcmDistribution.PROPERTY) == null ? "not set"
                            : "'" + System.getProperty(BcmDistribution.PROPERTY) + "', not a directory"),
                    "run bcm through its launcher (/usr/local/bin/bcm from scripts/install.sh, or bcm-cli/target/bcm/bin/bcm),"
                            + " which sets it");
        }
        return distributionFiles;
    }

    /** The Dockerfile instructions {@code docker import --change} applies to the image config. */
    public List<String> changes() {
        List<String> changes = new ArrayList<>();
        try {
            if (!entrypoint.isEmpty()) {
                changes.add("ENTRYPOINT " + JSON.writeValueAsString(entrypoint));
            }
            if (!cmd.isEmpty()) {
                changes.add("CMD " + JSON.writeValueAsString(cmd));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (user != null) {
            changes.add("USER " + user);
        }
        if (workdir != null) {
            changes.add("WORKDIR " + workdir);
        }
        // Dockerfile syntax: a double-quoted value keeps its spaces; \, " and $ are escaped.
        env.forEach((key, value) -> changes.add("ENV " + key + "=\"" + value.replace("\\", "\\\\")
                .replace("\"", "\\\"").replace("$", "\\$") + "\""));
        changes.add("LABEL org.bcm.recipe=" + hash);
        return changes;
    }

    /**
     * Parses a recipe; its {@code distribution} comes from the distribution bcm runs from (the system
     * property {@code bcm.dist}), when there is one.
     *
     * @param name     the image name (the file name without {@code .yml})
     * @param yaml     the recipe's bytes
     * @param baseHash the hash of the Docker root filesystem recipe it builds on
     * @param origin   names the file in error messages
     * @throws BcmException INVALID_INPUT when the name or the YAML is malformed, or a {@code distribution}
     *     entry is malformed or, with a distribution at hand, matches nothing in it
     */
    public static DockerImageRecipe parse(String name, byte[] yaml, String baseHash, String origin) {
        return parse(name, yaml, baseHash, origin, BcmDistribution.installed().orElse(null), null);
    }

    /**
     * Reads the recipe file {@code file} ({@code stacks/<stack>/images/<name>.yml}); a {@code release}
     * step's keys are relative to its directory.
     *
     * @throws BcmException INVALID_INPUT as {@link #parse(String, byte[], String, String)}, and for a
     *     malformed {@code release} section; INTERNAL when the file cannot be read
     */
    public static DockerImageRecipe read(String name, Path file, String baseHash) {
        return read(name, file, baseHash, FileDigests.uncached());
    }

    /**
     * {@link #read(String, Path, String)}, hashing the bcm distribution's files through {@code digests}.
     */
    public static DockerImageRecipe read(String name, Path file, String baseHash, FileDigests digests) {
        byte[] yaml;
        try {
            yaml = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed reading image recipe " + file + ": " + e.getMessage(), null, e);
        }
        return parse(name, yaml, baseHash, file.toString(), BcmDistribution.installed().orElse(null), file.getParent(), digests);
    }

    /** {@link #parse(String, byte[], String, String)} with the distribution directory {@code dist}, or null for none. */
    static DockerImageRecipe parse(String name, byte[] yaml, String baseHash, String origin, Path dist) {
        return parse(name, yaml, baseHash, origin, dist, null);
    }

    /**
     * {@link #parse(String, byte[], String, String)} with the distribution directory {@code dist}, or
     * null for none, and the recipe's directory {@code dir}, or null when it was not read from a file.
     */
    static DockerImageRecipe parse(String name, byte[] yaml, String baseHash, String origin, Path dist, Path dir) {
        return parse(name, yaml, baseHash, origin, dist, dir, FileDigests.uncached());
    }

    private static DockerImageRecipe parse(String name, byte[] yaml, String baseHash, String origin, Path dist, Path dir,
            FileDigests digests) {
        if (!NAME.matcher(name).matches()) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "Image recipe " + origin + ": invalid image name '"
                    + name + "'", "name image recipes [a-z0-9][a-z0-9-]*.yml, at most 40 characters");
        }
        Fields f;
        try {
            f = YAML.readValue(yaml, Fields.class);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "Malformed image recipe " + origin + ": "
                    + e.getMessage().lines().findFirst().orElse(""), "fix the YAML", e);
        }
        if (f == null) {
            f = new Fields();
        }
        Map<String, String> files = f.files == null ? Map.of() : f.files;
        List<String> executables = f.executables == null ? List.of() : f.executables;
        for (String path : files.keySet()) {
            if (!path.startsWith("/") || path.contains("..")) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "Image recipe " + origin + ": file path '" + path
                        + "' must be absolute and must not contain '..'", "fix the path");
            }
        }
        for (String path : executables) {
            if (!files.containsKey(path)) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "Image recipe " + origin + ": executable '" + path
                        + "' is not one of its files", "list it under files, or remove it from executables");
            }
        }
        Map<String, String> distribution = f.distribution == null ? Map.of() : f.distribution;
        BcmDistribution.validate(distribution, origin);
        Map<String, Path> distributionFiles = distribution.isEmpty() || dist == null ? Map.of()
                : BcmDistribution.resolve(dist, distribution, origin);
        MavenStep maven = null;
        if (f.maven != null) {
            if (f.maven.directory == null || !f.maven.directory.startsWith("/") || f.maven.directory.contains("..")
                    || f.maven.artifacts == null || f.maven.artifacts.isEmpty()) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "Image recipe " + origin + ": its maven step needs an"
                        + " absolute directory (without '..') and at least one artifact",
                        "write maven: {directory: /opt/NAME/lib, artifacts: ['GROUP:ARTIFACT:VERSION sha256:HEX', ...]}");
            }
            List<MavenArtifact> artifacts = new ArrayList<>();
            for (String line : f.maven.artifacts) {
                artifacts.add(MavenArtifact.parse(line, origin));
            }
            maven = new MavenStep(f.maven.directory, artifacts);
        }
        List<ReleaseSpec> releases = new java.util.ArrayList<>();
        if (f.release != null && f.release.isArray()) {
            for (JsonNode step : f.release) {
                releases.add(ReleaseSpec.parse(step, dir, origin));
            }
        } else if (f.release != null && !f.release.isNull()) {
            releases.add(ReleaseSpec.parse(f.release, dir, origin));
        }
        String identity = baseHash + "\n" + new String(yaml, StandardCharsets.UTF_8);
        if (!distribution.isEmpty()) {
            identity += "\n" + (dist == null ? "(no bcm distribution)\n" : BcmDistribution.digest(distributionFiles, digests));
        }
        for (ReleaseSpec release : releases) {
            identity += "\n" + release.keysDigest();
        }
        return new DockerImageRecipe(name, f.packages == null ? List.of() : f.packages, files, executables,
                distribution, distributionFiles, maven, List.copyOf(releases),
                f.entrypoint == null ? List.of() : f.entrypoint, f.cmd == null ? List.of() : f.cmd, f.user, f.workdir,
                f.env == null ? Map.of() : f.env, Sha256.hex(identity));
    }

    /** The YAML shape of the maven step. */
    private static final class MavenFields {
        public String directory;
        public List<String> artifacts;
    }

    /** The YAML shape. */
    private static final class Fields {
        public String description;
        public List<String> packages;
        public Map<String, String> files;
        public List<String> executables;
        public Map<String, String> distribution;
        public JsonNode release;
        public MavenFields maven;
        public List<String> entrypoint;
        public List<String> cmd;
        public String user;
        public String workdir;
        public Map<String, String> env;
    }
}
