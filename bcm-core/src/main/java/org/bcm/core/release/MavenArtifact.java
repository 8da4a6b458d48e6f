package org.bcm.core.release;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * One jar of a Maven repository pinned by its SHA-256, as an image recipe's {@code maven} step lists it:
 * {@code GROUP:ARTIFACT:VERSION[:CLASSIFIER] sha256:HEX}. Its path in a repository follows the Maven
 * repository layout (Maven's "Repository Layout": {@code group/with/slashes/artifact/version/
 * artifact-version[-classifier].jar}).
 *
 * @param group      the groupId, e.g. {@code org.apache.kafka}
 * @param artifact   the artifactId, e.g. {@code kafka-clients}
 * @param version    the version, e.g. {@code 4.4.0}
 * @param classifier the classifier, or null
 * @param sha256     the jar's SHA-256, lower-case hex
 */
public record MavenArtifact(String group, String artifact, String version, String classifier, String sha256) {

    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern LINE = Pattern.compile("(\\S+)\\s+sha256:([0-9a-fA-F]{64})");

    public MavenArtifact {
        for (String part : classifier == null ? new String[] {group, artifact, version} : new String[] {group, artifact, version, classifier}) {
            if (part == null || !WORD.matcher(part).matches() || part.contains("..")) {
                throw new IllegalArgumentException("not a Maven coordinate part: " + part);
            }
        }
        sha256 = sha256.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code GROUP:ARTIFACT:VERSION[:CLASSIFIER] sha256:HEX}.
     *
     * @param origin names the recipe in error messages
     * @throws BcmException INVALID_INPUT when the line is not of that shape
     */
    public static MavenArtifact parse(String line, String origin) {
        Matcher m = LINE.matcher(line == null ? "" : line.strip());
        String[] parts = m.matches() ? m.group(1).split(":", -1) : new String[0];
        try {
            if (parts.length == 3 || parts.length == 4) {
                return new MavenArtifact(parts[0], parts[1], parts[2], parts.length == 4 ? parts[3] : null, m.group(2));
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new BcmException(Kind.INVALID_INPUT, "Image recipe " + origin + ": maven artifact '" + line
                + "' is not GROUP:ARTIFACT:VERSION[:CLASSIFIER] sha256:HEX",
                "write each artifact as e.g. 'org.apache.kafka:kafka-clients:4.4.0 sha256:<64 hex digits>' (scripts/maven-lock.sh prints them)");
    }

    /** {@code GROUP:ARTIFACT:VERSION[:CLASSIFIER]}. */
    public String coordinates() {
        return group + ":" + artifact + ":" + version + (classifier == null ? "" : ":" + classifier);
    }

    /** The jar's file name, {@code artifact-version[-classifier].jar}. */
    public String fileName() {
        return artifact + "-" + version + (classifier == null ? "" : "-" + classifier) + ".jar";
    }

    /** The jar's path in a repository, relative to its root. */
    public String repositoryPath() {
        return group.replace('.', '/') + "/" + artifact + "/" + version + "/" + fileName();
    }
}
