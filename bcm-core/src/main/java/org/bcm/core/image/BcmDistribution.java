package org.bcm.core.image;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.FileDigests;

/**
 * The files of the bcm distribution this bcm runs from ({@code bin/}, {@code lib/*.jar}: the
 * launcher passes its directory as the system property {@code bcm.dist}) that an image recipe's
 * {@code distribution} key copies into an image.
 *
 * <p>A recipe entry maps an absolute image path to a path relative to the distribution, whose last
 * segment may hold {@code *} (any characters but {@code /}) and must then match exactly one entry.
 * A directory is copied whole, below the image path. A file is copied to the image path; a jar also
 * brings the jars its manifest's {@code Class-Path} names, at the same relative places beside it, so
 * {@code java -jar} works in the image as it does in the distribution.
 */
final class BcmDistribution {

    /** The system property bcm's launcher sets to its distribution directory. */
    static final String PROPERTY = "bcm.dist";

    private BcmDistribution() {
    }

    /** The distribution directory bcm runs from, or empty when {@code bcm.dist} is unset or names no directory. */
    static Optional<Path> installed() {
        String dist = System.getProperty(PROPERTY);
        if (dist == null || dist.isBlank() || !Files.isDirectory(Path.of(dist))) {
            return Optional.empty();
        }
        return Optional.of(Path.of(dist).toAbsolutePath().normalize());
    }

    /**
     * Checks a recipe's {@code distribution} entries without a distribution at hand.
     *
     * @throws BcmException INVALID_INPUT for a relative image path, an absolute distribution path, a
     *     {@code ..} segment or a {@code *} outside the last segment
     */
    static void validate(Map<String, String> entries, String origin) {
        entries.forEach((target, source) -> {
            if (!target.startsWith("/") || target.contains("..")) {
                throw invalid(origin, "distribution path '" + target + "' must be absolute and must not contain '..'");
            }
            if (source == null || source.isBlank() || source.startsWith("/") || List.of(source.split("/")).contains("..")
                    || source.substring(0, source.lastIndexOf('/') + 1).contains("*")) {
                throw invalid(origin, "distribution source '" + source + "' must be a path relative to the bcm distribution"
                        + " (lib/NAME.jar, bin), without '..', with '*' in its last segment only");
            }
        });
    }

    /**
     * Every file the entries copy, by absolute image path.
     *
     * @param dist the distribution directory
     * @return image path to the file in {@code dist}, sorted by image path
     * @throws BcmException INVALID_INPUT when a source matches nothing or several entries, a jar's
     *     {@code Class-Path} names a file missing from the distribution, or two sources land on one image path
     */
    static Map<String, Path> resolve(Path dist, Map<String, String> entries, String origin) {
        Map<String, Path> files = new TreeMap<>();
        for (var entry : entries.entrySet()) {
            String target = entry.getKey().endsWith("/") ? entry.getKey().substring(0, entry.getKey().length() - 1)
                    : entry.getKey();
            Path source = match(dist, entry.getValue(), origin);
            try {
                if (Files.isDirectory(source)) {
                    try (Stream<Path> walk = Files.walk(source)) {
                        for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                            put(files, target + "/" + source.relativize(file), file, origin);
                        }
                    }
                } else {
                    put(files, target, source, origin);
                    if (source.getFileName().toString().endsWith(".jar")) {
                        String targetDir = target.substring(0, target.lastIndexOf('/') + 1);
                        for (String jar : classPath(source)) {
                            Path file = source.getParent().resolve(jar).normalize();
                            if (!file.startsWith(dist) || !Files.isRegularFile(file)) {
                                throw invalid(origin, "the Class-Path of " + dist.relativize(source) + " names " + jar
                                        + ", which is not in the bcm distribution " + dist);
                            }
                            put(files, Path.of(targetDir + jar).normalize().toString(), file, origin);
                        }
                    }
                }
            } catch (IOException e) {
                throw new BcmException(Kind.INTERNAL, "Failed reading " + source + " of the bcm distribution: "
                        + e.getMessage(), null, e);
            }
        }
        return files;
    }

    /**
     * One line per file, {@code <image path> <mode: rw-r--r-- or rwxr-xr-x> <SHA-256 of its content>},
     * in image path order: what the image gets, for the recipe's hash.
     */
    static String digest(Map<String, Path> files, FileDigests digests) {
        StringBuilder lines = new StringBuilder();
        for (var file : files.entrySet()) {
            try {
                lines.append(file.getKey()).append(' ').append(mode(file.getValue())).append(' ')
                        .append(digests.sha256(file.getValue())).append('\n');
            } catch (IOException e) {
                throw new BcmException(Kind.INTERNAL, "Failed reading " + file.getValue() + " of the bcm distribution", null, e);
            }
        }
        return lines.toString();
    }

    /** The mode a copied file gets: {@code rwxr-xr-x} when it is executable in the distribution, else {@code rw-r--r--}. */
    static String mode(Path file) {
        try {
            return Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_EXECUTE) ? "rwxr-xr-x" : "rw-r--r--";
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed reading the mode of " + file, null, e);
        }
    }

    private static Path match(Path dist, String source, String origin) {
        int slash = source.lastIndexOf('/');
        Path dir = dist.resolve(source.substring(0, slash + 1));
        String last = source.substring(slash + 1);
        if (!last.contains("*")) {
            Path path = dist.resolve(source).normalize();
            if (!Files.exists(path)) {
                throw invalid(origin, "'" + source + "' is not in the bcm distribution " + dist);
            }
            return path;
        }
        Pattern glob = Pattern.compile(String.join("[^/]*", Stream.of(last.split("\\*", -1)).map(Pattern::quote).toList()));
        List<Path> matches;
        try (Stream<Path> list = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            matches = list.filter(p -> glob.matcher(p.getFileName().toString()).matches()).sorted().toList();
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed listing " + dir, null, e);
        }
        if (matches.size() != 1) {
            throw invalid(origin, "'" + source + "' matches " + (matches.isEmpty() ? "nothing" : matches.stream()
                    .map(p -> p.getFileName().toString()).toList()) + " in the bcm distribution " + dist
                    + "; it must match exactly one");
        }
        return matches.get(0);
    }

    /** The manifest's {@code Class-Path} entries (relative URLs, decoded), empty when it has none. */
    private static List<String> classPath(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            String classPath = file.getManifest() == null ? null
                    : file.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null || classPath.isBlank()) {
                return List.of();
            }
            return Stream.of(classPath.trim().split("\\s+")).map(url -> {
                URI uri;
                try {
                    uri = new URI(url);
                } catch (URISyntaxException e) {
                    uri = URI.create("/");
                }
                if (uri.isAbsolute() || uri.getPath() == null || uri.getPath().startsWith("/")) {
                    throw new BcmException(Kind.INVALID_INPUT, "The Class-Path of " + jar + " names " + url
                            + ", not a path relative to the jar", "rebuild bcm");
                }
                return uri.getPath();
            }).toList();
        }
    }

    private static void put(Map<String, Path> files, String target, Path source, String origin) {
        Path other = files.put(target, source);
        if (other != null && !other.equals(source)) {
            throw invalid(origin, "both " + other + " and " + source + " of the bcm distribution would be " + target);
        }
    }

    private static BcmException invalid(String origin, String message) {
        return new BcmException(Kind.INVALID_INPUT, "Image recipe " + origin + ": " + message,
                "fix the distribution key of the recipe, or rebuild bcm (scripts/install.sh) when the file is missing");
    }
}
