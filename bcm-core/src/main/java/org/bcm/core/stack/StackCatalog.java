package org.bcm.core.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bcm.core.BcmException;
import org.bcm.core.FileDigests;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.core.image.DockerImageRecipe;
import org.bcm.core.image.DockerImages;

/**
 * The stacks bcm knows: the ones shipped in the bcm jar ({@code stacks/} of the source tree) and the
 * operator's own in {@code <bcm home>/stacks/NAME/}, which replace a shipped stack of the same name.
 * A directory is a stack when it holds a {@code stack.yml}.
 *
 * <p>A stack whose {@code x-bcm} section or image recipes are malformed is still listed, with its
 * problem; using it fails with that problem ({@link StackDefinition#requireUsable()}).
 */
public final class StackCatalog {

    /** Stack names: also the swarm stack namespace, so short and DNS-safe. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,19}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, StackDefinition> stacks;

    private StackCatalog(Map<String, StackDefinition> stacks) {
        this.stacks = stacks;
    }

    /**
     * The shipped stacks and the operator's stacks in {@code home}.
     *
     * @throws BcmException INTERNAL when the shipped stacks cannot be read
     */
    public static StackCatalog load(BcmHome home) {
        String baseHash = DockerImages.baseRecipe().hash();
        FileDigests digests = FileDigests.cachedIn(home.cacheDir().resolve("file-digests"));
        Map<String, StackDefinition> stacks = new TreeMap<>();
        read(builtInDir(), "built-in", baseHash, digests, stacks);
        read(home.stacksDir(), home.stacksDir().toString(), baseHash, digests, stacks);
        digests.save();
        return new StackCatalog(stacks);
    }

    /** Every stack, sorted by name. */
    public List<StackDefinition> stacks() {
        return List.copyOf(stacks.values());
    }

    public Optional<StackDefinition> find(String name) {
        return Optional.ofNullable(stacks.get(name));
    }

    /**
     * The stack, usable.
     *
     * @throws BcmException NOT_FOUND naming the known stacks; INVALID_INPUT when it is malformed
     */
    public StackDefinition require(String name) {
        StackDefinition stack = stacks.get(name);
        if (stack == null) {
            throw new BcmException(Kind.NOT_FOUND, "Unknown stack '" + name + "'",
                    "known stacks: " + String.join(", ", stacks.keySet()) + " (see 'bcm stack list')");
        }
        return stack.requireUsable();
    }

    /**
     * The named stacks, each after the stacks it requires.
     *
     * @throws BcmException NOT_FOUND for an unknown stack; INVALID_INPUT when a stack requires one
     *     that is not among {@code names}, or for a cycle
     */
    public List<StackDefinition> inDependencyOrder(Collection<String> names) {
        Set<String> wanted = new LinkedHashSet<>(names);
        List<StackDefinition> ordered = new ArrayList<>();
        Set<String> visiting = new LinkedHashSet<>();
        for (String name : wanted) {
            visit(require(name), wanted, visiting, ordered);
        }
        return ordered;
    }

    private void visit(StackDefinition stack, Set<String> wanted, Set<String> visiting, List<StackDefinition> ordered) {
        if (ordered.contains(stack)) {
            return;
        }
        if (!visiting.add(stack.name())) {
            throw new BcmException(Kind.INVALID_INPUT, "Stacks require each other in a cycle: " + visiting,
                    "remove one of the requires in their x-bcm sections");
        }
        for (String required : stack.requires()) {
            if (!wanted.contains(required)) {
                throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack.name() + " requires stack " + required
                        + ", which the project does not include", "add it: bcm project create ... --stacks=" + required
                        + "," + stack.name());
            }
            visit(require(required), wanted, visiting, ordered);
        }
        visiting.remove(stack.name());
        ordered.add(stack);
    }

    /**
     * Every image recipe of every usable stack, by image name.
     *
     * @throws BcmException INVALID_INPUT when two stacks define an image of the same name
     */
    public Map<String, DockerImageRecipe> images() {
        Map<String, DockerImageRecipe> images = new TreeMap<>();
        Map<String, String> owner = new TreeMap<>();
        for (StackDefinition stack : stacks.values()) {
            if (stack.problem() != null) {
                continue;
            }
            for (DockerImageRecipe recipe : stack.images().values()) {
                String other = owner.put(recipe.name(), stack.name());
                if (other != null) {
                    throw new BcmException(Kind.INVALID_INPUT, "Stacks " + other + " and " + stack.name()
                            + " both define image " + recipe.name(), "rename one of the image recipes");
                }
                images.put(recipe.name(), recipe);
            }
        }
        return images;
    }

    /**
     * The release steps of every image recipe of every usable stack, by image name then in the recipe's
     * order, one per archive (two recipes that install files of the same archive pin it once).
     */
    public List<org.bcm.core.release.ReleaseSpec> releases() {
        Map<String, org.bcm.core.release.ReleaseSpec> bySha256 = new java.util.LinkedHashMap<>();
        images().values().forEach(recipe -> recipe.releases().forEach(r -> bySha256.putIfAbsent(r.sha256(), r)));
        return List.copyOf(bySha256.values());
    }

    /** {@code BCM_IMAGE_<NAME>} (upper case, '-' as '_') to the image's reference, for every image. */
    public Map<String, String> imageVariables() {
        Map<String, String> variables = new TreeMap<>();
        images().values().forEach(recipe -> variables.put(
                "BCM_IMAGE_" + recipe.name().toUpperCase(java.util.Locale.ROOT).replace('-', '_'), recipe.reference()));
        return variables;
    }

    // --- reading ---

    private static void read(Path root, String origin, String baseHash, FileDigests digests, Map<String, StackDefinition> into) {
        if (root == null || !Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> entries = Files.list(root)) {
            for (Path dir : entries.sorted().toList()) {
                if (Files.isRegularFile(dir.resolve("stack.yml"))) {
                    String name = fileName(dir);
                    into.put(name, readStack(name, dir, origin, baseHash, digests));
                }
            }
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed listing stacks in " + root + ": " + e.getMessage(), null, e);
        }
    }

    static StackDefinition readStack(String name, Path dir, String origin, String baseHash, FileDigests digests) {
        String compose;
        try {
            compose = Files.readString(dir.resolve("stack.yml"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return broken(name, dir, origin, "", "cannot read stack.yml: " + e.getMessage());
        }
        if (!NAME.matcher(name).matches()) {
            return broken(name, dir, origin, compose, "the directory name is not a valid stack name ([a-z][a-z0-9-]{0,19})");
        }
        try {
            JsonNode root = YAML.readTree(compose);
            JsonNode meta = root == null ? null : root.path("x-bcm");
            Map<String, DockerImageRecipe> images = readImages(dir.resolve("images"), baseHash, digests);
            if (meta == null || meta.isMissingNode()) {
                return new StackDefinition(name, dir, origin, compose, "", List.of(), null, Map.of(), images, null,
                        YAML.createObjectNode());
            }
            List<String> requires = new ArrayList<>();
            meta.path("requires").forEach(node -> requires.add(node.asText()));
            Map<String, StackDefinition.Setting> settings = new LinkedHashMap<>();
            var fields = meta.path("settings").fields();
            while (fields.hasNext()) {
                var field = fields.next();
                settings.put(field.getKey(), setting(field.getKey(), field.getValue()));
            }
            String registry = meta.hasNonNull("registry") ? meta.get("registry").asText() : null;
            return new StackDefinition(name, dir, origin, compose, meta.path("description").asText(""),
                    List.copyOf(requires), registry, settings, images, null, meta);
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            return broken(name, dir, origin, compose, "stack.yml is not valid YAML: " + message);
        } catch (BcmException e) {
            return broken(name, dir, origin, compose, e.getMessage());
        }
    }

    private static StackDefinition.Setting setting(String name, JsonNode node) {
        if (!name.matches("[A-Z][A-Z0-9_]*")) {
            throw new BcmException(Kind.INVALID_INPUT, "setting name '" + name + "' must be upper case [A-Z][A-Z0-9_]*", null);
        }
        if (!node.hasNonNull("default")) {
            throw new BcmException(Kind.INVALID_INPUT, "setting " + name + " has no default", null);
        }
        List<String> values = new ArrayList<>();
        node.path("values").forEach(value -> values.add(value.asText()));
        Map<String, String> byChain = new TreeMap<>();
        node.path("by-chain").fields().forEachRemaining(e -> byChain.put(e.getKey(), e.getValue().asText()));
        Long min = node.hasNonNull("min") ? node.get("min").asLong() : null;
        Long max = node.hasNonNull("max") ? node.get("max").asLong() : null;
        StackDefinition.Setting setting = new StackDefinition.Setting(name, node.path("description").asText(""), List.copyOf(values),
                min, max, node.get("default").asText(), byChain);
        setting.validate("(its default)", setting.defaultValue());
        byChain.values().forEach(value -> setting.validate("(its default by chain)", value));
        return setting;
    }

    private static Map<String, DockerImageRecipe> readImages(Path dir, String baseHash, FileDigests digests) throws IOException {
        Map<String, DockerImageRecipe> images = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return images;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> fileName(f).endsWith(".yml")).sorted().toList()) {
                String image = fileName(file).substring(0, fileName(file).length() - 4);
                images.put(image, DockerImageRecipe.read(image, file, baseHash, digests));
            }
        }
        return images;
    }

    private static StackDefinition broken(String name, Path dir, String origin, String compose, String problem) {
        return new StackDefinition(name, dir, origin, compose, "", List.of(), null, Map.of(), Map.of(), problem,
                YAML.createObjectNode());
    }

    private static String fileName(Path path) {
        String name = path.getFileName().toString();
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }

    /** The shipped {@code stacks/} directory: in the bcm jar (as a zip file system) or on the class path. */
    private static Path builtInDir() {
        URL url = StackCatalog.class.getClassLoader().getResource("bcm/stacks/base/docker-rootfs.yml");
        if (url == null) {
            throw new BcmException(Kind.INTERNAL, "The shipped stacks are not in the bcm distribution",
                    "rebuild bcm with scripts/install.sh");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                FileSystem jar;
                try {
                    jar = FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    jar = FileSystems.getFileSystem(uri);
                }
                return jar.getPath("/bcm/stacks");
            }
            return Path.of(uri).getParent().getParent();
        } catch (URISyntaxException | IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed opening the shipped stacks at " + url, null, e);
        }
    }
}
