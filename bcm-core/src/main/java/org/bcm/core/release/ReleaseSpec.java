package org.bcm.core.release;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Sha256;

/**
 * What an image recipe's {@code release:} step asks for: one archive of an upstream release
 * (bitcoind, Fulcrum: projects that are not Debian packages), pinned by its SHA-256, listed in a
 * checksum file ({@code SHA256SUMS}) that at least {@code threshold} distinct pinned signers signed
 * with detached OpenPGP signatures (RFC 4880 section 5.2, signature types 0x00 and 0x01), and the files
 * of the archive the image gets.
 *
 * <pre>{@code
 * release:
 *   project: Bitcoin Core
 *   version: "31.1"
 *   archive:   {url: https://bitcoincore.org/bin/bitcoin-core-31.1/bitcoin-31.1-x86_64-linux-gnu.tar.gz, sha256: b80d...}
 *   checksums: {url: https://bitcoincore.org/bin/bitcoin-core-31.1/SHA256SUMS,
 *               signatures: [https://bitcoincore.org/bin/bitcoin-core-31.1/SHA256SUMS.asc]}
 *   keys: ../keys/bitcoin-core
 *   signers: [{name: achow101, fingerprint: 152812300785C96444D3334D17565732E08E5E41}, ...]
 *   threshold: 2
 *   install: {bitcoin-31.1/bin/bitcoind: /usr/local/bin/bitcoind}
 * }</pre>
 *
 * <p>{@code keys} is a directory relative to the recipe's directory, inside the recipe's stack
 * directory; every file in it (names not starting with {@code .}) is an OpenPGP public key (armored
 * or binary) whose primary key's fingerprint must be one of {@code signers}. Their content is read
 * here and is part of the image's tag ({@link #keysDigest()}). A signature file may hold several
 * signatures (Core's {@code SHA256SUMS.asc}: the builders' armored signatures concatenated), and
 * there may be several signature files (lnd: one {@code .sig} per signer).
 *
 * @param project       the project's name, for messages ("Bitcoin Core")
 * @param version       the release's version ("31.1")
 * @param archiveUrl    where the archive is downloaded from (http or https); its last path segment is
 *                      the archive's file name: {@code .tar.gz}, {@code .tgz}, {@code .tar.bz2}, {@code .tar.xz} or {@code .tar}
 * @param sha256        the archive's pinned SHA-256, 64 lower-case hex digits
 * @param checksumsUrl  the checksum file ({@code sha256sum} format: {@code <hex>  <file name>} lines)
 * @param signatureUrls the detached signatures over the checksum file, at least one
 * @param keys          the key directory as the recipe writes it
 * @param keyFiles      the pinned key files, by name, sorted
 * @param signers       the pinned signers: name and primary key fingerprint (40 upper-case hex digits, OpenPGP v4)
 * @param threshold     how many distinct pinned signers must have made a good signature, 1 to {@code signers.size()}
 * @param install       archive path (as in the archive, without a leading {@code ./}) to absolute image
 *                      path, each installed with mode 0755, in recipe order
 * @param origin        the recipe, for messages
 */
public record ReleaseSpec(
        String project,
        String version,
        String archiveUrl,
        String sha256,
        String checksumsUrl,
        List<String> signatureUrls,
        String keys,
        List<KeyFile> keyFiles,
        List<Signer> signers,
        int threshold,
        Map<String, String> install,
        String origin) {

    /** Archive file names the release step reads. */
    public static final List<String> ARCHIVE_SUFFIXES = List.of(".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar");

    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+~-]{0,199}");
    private static final Pattern SIGNER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9A-Fa-f]{40}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}");
    private static final long MAX_KEY_FILE = 1 << 20;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * A pinned signer.
     *
     * @param name        a label for messages ({@code achow101})
     * @param fingerprint the primary key's v4 fingerprint, 40 upper-case hex digits
     */
    public record Signer(String name, String fingerprint) {
    }

    /**
     * One file of the key directory.
     *
     * @param name    the file name
     * @param content its bytes (armored or binary OpenPGP public keys)
     */
    public record KeyFile(String name, byte[] content) {
        public KeyFile {
            content = content.clone();
        }

        @Override
        public byte[] content() {
            return content.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof KeyFile k && k.name.equals(name) && java.util.Arrays.equals(k.content, content);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + java.util.Arrays.hashCode(content);
        }

        @Override
        public String toString() {
            return name + " (" + content.length + " bytes)";
        }
    }

    public ReleaseSpec {
        signatureUrls = List.copyOf(signatureUrls);
        keyFiles = List.copyOf(keyFiles);
        signers = List.copyOf(signers);
        install = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(install));
    }

    /** "Bitcoin Core 31.1". */
    public String title() {
        return project + " " + version;
    }

    /** The archive's file name: the last path segment of {@link #archiveUrl()}. */
    public String archiveName() {
        return fileName(archiveUrl);
    }

    /** The checksum file's name: the last path segment of {@link #checksumsUrl()}. */
    public String checksumsName() {
        return fileName(checksumsUrl);
    }

    /** The signature files' names, in recipe order. */
    public List<String> signatureNames() {
        return signatureUrls.stream().map(ReleaseSpec::fileName).toList();
    }

    /** Every URL of the release: the archive, the checksum file, the signatures. */
    public List<String> urls() {
        List<String> urls = new ArrayList<>();
        urls.add(archiveUrl);
        urls.add(checksumsUrl);
        urls.addAll(signatureUrls);
        return urls;
    }

    /** The signer with this fingerprint (upper case), or null. */
    public Signer signer(String fingerprint) {
        return signers.stream().filter(s -> s.fingerprint().equals(fingerprint)).findFirst().orElse(null);
    }

    /**
     * One line per key file, {@code release-key <name> <SHA-256 of its content>}: what a recipe's hash
     * adds for its pinned keys, so that a changed key file means a new image tag.
     */
    public String keysDigest() {
        StringBuilder lines = new StringBuilder();
        for (KeyFile key : keyFiles) {
            lines.append("release-key ").append(key.name()).append(' ').append(Sha256.hex(key.content)).append('\n');
        }
        return lines.toString();
    }

    /**
     * Reads a recipe's {@code release:} section.
     *
     * @param node      the section as parsed from the recipe's YAML
     * @param recipeDir the directory of the recipe file ({@code stacks/NAME/images}), or null when the
     *                  recipe was not read from a file (then it cannot have a release step)
     * @param origin    names the recipe in messages
     * @throws BcmException INVALID_INPUT naming the key when the section is malformed, a URL is not
     *     http(s) with a file name, the key directory is outside the stack or holds no key files
     */
    public static ReleaseSpec parse(JsonNode node, Path recipeDir, String origin) {
        if (node == null || !node.isObject()) {
            throw invalid(origin, "release must be a mapping (project, version, archive, checksums, keys, signers, threshold, install)");
        }
        if (node.hasNonNull("version") && !node.get("version").isTextual()) {
            throw invalid(origin, "release.version must be a quoted string (\"" + node.get("version").asText()
                    + "\"): a YAML number loses digits (31.10 reads as 31.1)");
        }
        Fields f;
        try {
            f = MAPPER.treeToValue(node, Fields.class);
        } catch (IOException e) {
            throw invalid(origin, "release: " + e.getMessage().lines().findFirst().orElse(""));
        }
        require(origin, "project", f.project != null && !f.project.isBlank() && f.project.length() <= 64
                && f.project.chars().noneMatch(Character::isISOControl), "a name of 1 to 64 characters");
        require(origin, "version", f.version != null && VERSION.matcher(f.version).matches(),
                "1 to 64 letters, digits and . _ + ~ -");
        require(origin, "archive", f.archive != null, "a mapping with url and sha256");
        String archiveUrl = url(origin, "archive.url", f.archive.url);
        String archiveName = fileName(archiveUrl);
        require(origin, "archive.url", ARCHIVE_SUFFIXES.stream().anyMatch(archiveName::endsWith),
                "an archive whose name ends in " + String.join(", ", ARCHIVE_SUFFIXES) + " (not '" + archiveName + "')");
        require(origin, "archive.sha256", f.archive.sha256 != null && SHA256.matcher(f.archive.sha256.toLowerCase(Locale.ROOT)).matches(),
                "64 hex digits");
        require(origin, "checksums", f.checksums != null, "a mapping with url and signatures");
        String checksumsUrl = url(origin, "checksums.url", f.checksums.url);
        require(origin, "checksums.signatures", f.checksums.signatures != null && !f.checksums.signatures.isEmpty(),
                "a list of one or more URLs of detached signatures over the checksum file");
        List<String> signatureUrls = new ArrayList<>();
        for (String url : f.checksums.signatures) {
            signatureUrls.add(url(origin, "checksums.signatures", url));
        }
        Set<String> names = new HashSet<>();
        for (String url : concat(List.of(archiveUrl, checksumsUrl), signatureUrls)) {
            require(origin, "archive, checksums", names.add(fileName(url)),
                    "URLs with distinct file names ('" + fileName(url) + "' is named twice)");
        }
        require(origin, "signers", f.signers != null && !f.signers.isEmpty(), "a list of {name, fingerprint}");
        List<Signer> signers = new ArrayList<>();
        Set<String> signerNames = new HashSet<>();
        Set<String> fingerprints = new HashSet<>();
        for (SignerFields s : f.signers) {
            require(origin, "signers.name", s != null && s.name != null && SIGNER_NAME.matcher(s.name).matches(),
                    "1 to 64 letters, digits and . _ -");
            require(origin, "signers.fingerprint", s.fingerprint != null && FINGERPRINT.matcher(s.fingerprint).matches(),
                    "the primary key's fingerprint, 40 hex digits without spaces (signer " + s.name + ")");
            String fingerprint = s.fingerprint.toUpperCase(Locale.ROOT);
            require(origin, "signers", signerNames.add(s.name) && fingerprints.add(fingerprint),
                    "distinct names and fingerprints (" + s.name + " " + fingerprint + " is listed twice)");
            signers.add(new Signer(s.name, fingerprint));
        }
        require(origin, "threshold", f.threshold != null && f.threshold >= 1 && f.threshold <= signers.size(),
                "a number from 1 to the number of signers (" + signers.size() + ")");
        require(origin, "install", f.install != null && !f.install.isEmpty(), "a mapping of archive path to image path");
        Set<String> targets = new HashSet<>();
        for (var entry : f.install.entrySet()) {
            String source = entry.getKey();
            String target = entry.getValue();
            require(origin, "install", !source.isBlank() && !source.startsWith("/") && !source.equals("./")
                    && !List.of(source.split("/")).contains("..") && source.chars().noneMatch(Character::isISOControl),
                    "archive paths relative to the archive, without '..' ('" + source + "')");
            require(origin, "install", target != null && target.startsWith("/") && target.length() > 1
                    && !List.of(target.split("/")).contains("..") && target.chars().noneMatch(Character::isISOControl),
                    "absolute image paths, without '..' ('" + target + "')");
            require(origin, "install", source.endsWith("/") == target.endsWith("/"),
                    "a directory (ending in '/') to a directory, a file to a file ('" + source + "': '" + target + "')");
            require(origin, "install", targets.add(target), "distinct image paths ('" + target + "' is named twice)");
        }
        Map<String, String> install = new LinkedHashMap<>();
        f.install.forEach((source, target) -> install.put(source.startsWith("./") ? source.substring(2) : source, target));
        require(origin, "keys", f.keys != null && !f.keys.isBlank() && !f.keys.startsWith("/"),
                "a directory of the signers' public keys, relative to the recipe's directory (e.g. ../keys/bitcoin-core)");
        List<KeyFile> keyFiles = readKeys(recipeDir, f.keys, origin);
        return new ReleaseSpec(f.project, f.version, archiveUrl, f.archive.sha256.toLowerCase(Locale.ROOT), checksumsUrl,
                signatureUrls, f.keys, keyFiles, signers, f.threshold, install, origin);
    }

    private static List<KeyFile> readKeys(Path recipeDir, String keys, String origin) {
        if (recipeDir == null) {
            throw invalid(origin, "a recipe with a release step must be read from its file: its keys are relative to it");
        }
        Path stackDir = recipeDir.toAbsolutePath().normalize().getParent();
        Path dir = recipeDir.toAbsolutePath().normalize().resolve(keys).normalize();
        if (stackDir == null || !dir.startsWith(stackDir) || dir.equals(stackDir)) {
            throw invalid(origin, "release.keys '" + keys + "' must be a directory inside the stack's directory " + stackDir);
        }
        if (!Files.isDirectory(dir)) {
            throw invalid(origin, "release.keys: the directory " + dir + " does not exist");
        }
        List<KeyFile> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path file : list.sorted().toList()) {
                String name = file.getFileName().toString().replace("/", "");
                if (name.startsWith(".") || !Files.isRegularFile(file)) {
                    continue;
                }
                if (Files.size(file) > MAX_KEY_FILE) {
                    throw invalid(origin, "release.keys: " + file + " is larger than 1 MiB, not a public key");
                }
                files.add(new KeyFile(name, Files.readAllBytes(file)));
            }
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed reading the release keys in " + dir + ": " + e.getMessage(), null, e);
        }
        if (files.isEmpty()) {
            throw invalid(origin, "release.keys: the directory " + dir + " holds no key files");
        }
        return files;
    }

    private static String url(String origin, String key, String value) {
        require(origin, key, value != null, "a URL");
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw invalid(origin, "release." + key + ": '" + value + "' is not a URL");
        }
        require(origin, key, ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null,
                "an http or https URL without user, query or fragment ('" + value + "')");
        String name = fileName(value);
        require(origin, key, FILE_NAME.matcher(name).matches(),
                "a URL whose last path segment is a file name of letters, digits and . _ + ~ - ('" + value + "')");
        return value;
    }

    /** The last path segment of a URL. */
    static String fileName(String url) {
        String path = URI.create(url).getPath();
        return path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
    }


    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void require(String origin, String key, boolean ok, String what) {
        if (!ok) {
            throw invalid(origin, "release." + key + " must be " + what);
        }
    }

    private static BcmException invalid(String origin, String message) {
        return new BcmException(Kind.INVALID_INPUT, "Image recipe " + origin + ": " + message,
                "fix the release section of the recipe (docs/stacks.md, \"The release step\")");
    }

    /** The YAML shape. */
    private static final class Fields {
        public String project;
        public String version;
        public ArchiveFields archive;
        public ChecksumsFields checksums;
        public String keys;
        public List<SignerFields> signers;
        public Integer threshold;
        public LinkedHashMap<String, String> install;
    }

    private static final class ArchiveFields {
        public String url;
        public String sha256;
    }

    private static final class ChecksumsFields {
        public String url;
        public List<String> signatures;
    }

    private static final class SignerFields {
        public String name;
        public String fingerprint;
    }
}
