package org.bcm.core.image;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;

/**
 * The recipe of a Docker image a stack runs, {@code stacks/<stack>/images/<name>.yml}: Debian
 * packages installed on the shared Docker root filesystem ({@code stacks/base/docker-rootfs.yml}),
 * files laid on top, and the image config (entrypoint, command, user, working directory,
 * environment) that {@code docker import} applies.
 *
 * <p>The image is tagged {@link #tag()}: the first 12 hex digits of the SHA-256 of the base recipe's
 * hash and this recipe's bytes. Edit either and the next deploy builds and pushes a new image; leave
 * both alone and the cached tarball and the registry's copy are reused.
 *
 * @param name        image name, {@code [a-z0-9][a-z0-9-]*}: the file name without {@code .yml}
 * @param packages    Debian packages installed without recommends
 * @param files       absolute path in the image to content
 * @param executables paths among {@code files} that get mode 0755 (others 0644)
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
        List<String> entrypoint,
        List<String> cmd,
        String user,
        String workdir,
        Map<String, String> env,
        String hash) {

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
     * Parses a recipe.
     *
     * @param name     the image name (the file name without {@code .yml})
     * @param yaml     the recipe's bytes
     * @param baseHash the hash of the Docker root filesystem recipe it builds on
     * @param origin   names the file in error messages
     * @throws BcmException INVALID_INPUT when the name or the YAML is malformed
     */
    public static DockerImageRecipe parse(String name, byte[] yaml, String baseHash, String origin) {
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
        byte[] identity = (baseHash + "\n" + new String(yaml, java.nio.charset.StandardCharsets.UTF_8))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new DockerImageRecipe(name, f.packages == null ? List.of() : f.packages, files, executables,
                f.entrypoint == null ? List.of() : f.entrypoint, f.cmd == null ? List.of() : f.cmd, f.user, f.workdir,
                f.env == null ? Map.of() : f.env, ImageRecipe.sha256(identity));
    }

    /** The YAML shape. */
    private static final class Fields {
        public String description;
        public List<String> packages;
        public Map<String, String> files;
        public List<String> executables;
        public List<String> entrypoint;
        public List<String> cmd;
        public String user;
        public String workdir;
        public Map<String, String> env;
    }
}
