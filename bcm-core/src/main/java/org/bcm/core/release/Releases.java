package org.bcm.core.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.bcm.core.home.BcmHome;

/**
 * The controller's cache of verified upstream releases, {@code <cache>/releases/}, content-addressed
 * by the archive's SHA-256:
 *
 * <pre>
 * releases/&lt;sha256&gt;/&lt;archive&gt;            the archive, as downloaded
 * releases/&lt;sha256&gt;/&lt;checksum file&gt;      SHA256SUMS and the signature files, as downloaded
 * releases/&lt;sha256&gt;/release.json           what was verified, by whom; written last: the entry exists once it does
 * releases/partial/&lt;sha256&gt;/&lt;archive&gt;.part  a download in progress, continued by the next try
 * </pre>
 *
 * Nothing enters an entry before {@link ReleaseVerifier} accepted it (files are created with
 * {@link BcmHome#createNew}); a refused download is deleted. A cached entry is verified again
 * against the recipe each time it is used, so changed pins apply to cached files too.
 */
public final class Releases {

    /** The marker file of a cache entry. */
    public static final String MARKER = "release.json";
    private static final int MAX_SMALL_FILE = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final Downloads downloads;

    /**
     * @param cacheDir  the cache root ({@link BcmHome#cacheDir()}); entries live in {@code releases/} below it
     * @param downloads how missing releases are downloaded
     */
    public Releases(Path cacheDir, Downloads downloads) {
        this.dir = cacheDir.resolve("releases");
        this.downloads = downloads;
    }

    /**
     * The releases of the cache {@code cacheDir}, downloaded as {@code BCM_SOCKS_PROXY} in {@code environment} says.
     *
     * @throws BcmException INVALID_INPUT when {@code BCM_SOCKS_PROXY} is malformed
     */
    public static Releases fromEnvironment(Path cacheDir, Map<String, String> environment) {
        return new Releases(cacheDir, Downloads.fromEnvironment(environment));
    }

    /**
     * A cache entry as {@code bcm release list} shows it.
     *
     * @param project  the project
     * @param version  the version
     * @param archive  the archive's file name
     * @param url      where the archive comes from
     * @param sha256   the archive's SHA-256
     * @param signers  the signers whose signatures counted when it was verified (names), empty when not cached
     * @param cached   the cached archive, or null when the release is not cached
     * @param verified when it entered the cache, or null
     * @param recipes  the recipes that use it (their files), empty for an entry no known recipe uses
     */
    public record Entry(String project, String version, String archive, String url, String sha256, List<String> signers,
                        Path cached, Instant verified, List<String> recipes) {
        public Entry {
            signers = List.copyOf(signers);
            recipes = List.copyOf(recipes);
        }
    }

    /** What {@code release.json} records. */
    private record Marker(String project, String version, String archive, String url, String sha256, String checksums,
                          List<String> signatures, List<String> signers, List<String> fingerprints, Instant verified) {
    }

    /**
     * The release's archive, cached and verified: from the cache (verified again against {@code spec}),
     * else downloaded (the checksum file and its signatures first, verified before the archive is
     * fetched; the archive continued from an earlier partial download), verified and cached.
     *
     * @param progress where the download's progress goes (percent steps)
     * @return the cached archive
     * @throws BcmException NOT_FOUND when it is not cached and cannot be downloaded (the hint names
     *     every URL to fetch elsewhere and the {@code bcm release import} command); VERIFY_FAILED when
     *     the files fail verification (nothing is cached then)
     */
    public Path require(ReleaseSpec spec, Progress progress) {
        Path entry = dir.resolve(spec.sha256());
        Path archive = entry.resolve(spec.archiveName());
        if (Files.exists(entry.resolve(MARKER))) {
            ReleaseVerifier.verify(spec, archive, read(entry.resolve(spec.checksumsName())), cachedSignatures(spec, entry));
            return archive;
        }
        String step = "release " + spec.title();
        progress.report(step, "not in the release cache; downloading " + downloads.route());
        Map<String, byte[]> signatures = new LinkedHashMap<>();
        byte[] checksums;
        try {
            checksums = downloads.fetch(spec.checksumsUrl(), MAX_SMALL_FILE);
            for (String url : spec.signatureUrls()) {
                signatures.put(ReleaseSpec.fileName(url), downloads.fetch(url, MAX_SMALL_FILE));
            }
        } catch (IOException e) {
            throw offline(spec, e);
        }
        List<ReleaseSpec.Signer> signers = ReleaseVerifier.verifySigned(spec, checksums, signatures);
        progress.report(step, spec.checksumsName() + " is signed by " + names(signers) + " and lists " + spec.archiveName());
        Path partial = dir.resolve("partial").resolve(spec.sha256()).resolve(spec.archiveName() + ".part");
        int[] lastStep = {-1};
        try {
            downloads.fetchTo(spec.archiveUrl(), partial, (have, total) -> {
                int percent = total > 0 ? (int) (have * 100 / total) : -1;
                if (percent >= 0 && percent / 10 != lastStep[0]) {
                    lastStep[0] = percent / 10;
                    progress.report(step, spec.archiveName() + " " + bar(percent) + " " + percent + "% (" + mib(have) + " of " + mib(total) + " MiB)");
                }
            });
        } catch (IOException e) {
            throw offline(spec, e);
        }
        try {
            ReleaseVerifier.verifyArchive(spec, partial);
        } catch (BcmException e) {
            BcmHome.deleteTree(partial.getParent());
            throw e;
        }
        store(spec, partial, checksums, signatures, signers);
        BcmHome.deleteTree(partial.getParent());
        progress.report(step, "verified and cached: " + archive);
        return archive;
    }

    /**
     * The releases the cache holds and the releases {@code known} recipes use, sorted by project and version.
     * Reads only the entries' markers (they were verified when they entered the cache).
     */
    public List<Entry> list(Collection<ReleaseSpec> known) {
        Map<String, Entry> entries = new TreeMap<>();
        Map<String, List<String>> recipes = new TreeMap<>();
        known.forEach(spec -> recipes.computeIfAbsent(spec.sha256(), k -> new ArrayList<>()).add(spec.origin()));
        for (Path marker : markers()) {
            Marker m = marker(marker);
            entries.put(m.sha256(), new Entry(m.project(), m.version(), m.archive(), m.url(), m.sha256(), m.signers(),
                    marker.getParent().resolve(m.archive()), m.verified(), recipes.getOrDefault(m.sha256(), List.of())));
        }
        for (ReleaseSpec spec : known) {
            entries.putIfAbsent(spec.sha256(), new Entry(spec.project(), spec.version(), spec.archiveName(), spec.archiveUrl(),
                    spec.sha256(), List.of(), null, null, recipes.get(spec.sha256())));
        }
        return entries.values().stream().sorted(java.util.Comparator.comparing(Entry::project).thenComparing(Entry::version)
                .thenComparing(Entry::archive)).toList();
    }

    /**
     * Adds releases fetched by other means (an offline controller) to the cache: each archive is found
     * among {@code known} by its SHA-256, its checksum and signature files by their names, and all of
     * them are verified before anything is cached.
     *
     * @param files archives, checksum files and signature files, in any order
     * @return the entries of the releases the files belong to
     * @throws BcmException NOT_FOUND for a file that does not exist; INVALID_INPUT for a folder or a
     *     file that belongs to no release of {@code known} (naming what they expect), or two files of one name;
     *     VERIFY_FAILED for an archive with a release's name but another hash, a missing checksum or
     *     signature file, or any failure of verification; nothing is cached then
     */
    public List<Entry> importFiles(List<Path> files, Collection<ReleaseSpec> known) {
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path file : files) {
            if (!Files.exists(file)) {
                throw new BcmException(Kind.NOT_FOUND, file + ": not found", "give the files fetched from the release's URLs");
            }
            if (!Files.isRegularFile(file)) {
                throw new BcmException(Kind.INVALID_INPUT, "cannot read " + file + ": it is " + (Files.isDirectory(file) ? "a folder" : "not a file"),
                        "give the archive, the checksum file and the signature files themselves");
            }
            Path other = byName.put(file.getFileName().toString(), file);
            if (other != null && !other.toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize())) {
                throw new BcmException(Kind.INVALID_INPUT, "two files are named " + file.getFileName() + ": " + other + " and " + file,
                        "import the files of one release at a time");
            }
        }
        Map<String, ReleaseSpec> specs = new LinkedHashMap<>();
        known.forEach(spec -> specs.putIfAbsent(spec.sha256(), spec));
        Map<Path, String> hashes = new LinkedHashMap<>();
        for (Path file : byName.values()) {
            hashes.put(file, ReleaseVerifier.sha256(file));
        }
        Set<Path> used = new HashSet<>();
        Map<ReleaseSpec, Path> archives = new LinkedHashMap<>();   // found by their pinned hash
        for (ReleaseSpec spec : specs.values()) {
            Path archive = hashes.entrySet().stream().filter(h -> h.getValue().equals(spec.sha256())).map(Map.Entry::getKey)
                    .findFirst().orElse(null);
            if (archive == null) {
                Path named = byName.get(spec.archiveName());
                if (named != null && !specs.containsKey(hashes.get(named))) {
                    ReleaseVerifier.verifyArchive(spec, named);   // a bad hash
                }
                continue;
            }
            archives.put(spec, archive);
            used.add(archive);
        }
        Set<ReleaseSpec> addressed = archives.keySet();
        Map<ReleaseSpec, byte[]> checksumFiles = new LinkedHashMap<>();
        Map<ReleaseSpec, Map<String, byte[]>> signatureFiles = new LinkedHashMap<>();
        for (ReleaseSpec spec : addressed) {
            Path checksums = byName.get(spec.checksumsName());
            if (checksums == null) {
                throw new BcmException(Kind.VERIFY_FAILED, "Missing checksum file: " + spec.title() + " needs " + spec.checksumsName()
                        + " beside " + spec.archiveName(), "fetch " + spec.checksumsUrl() + " and import it with the archive");
            }
            used.add(checksums);
            checksumFiles.put(spec, read(checksums));
            Map<String, byte[]> signatures = new LinkedHashMap<>();
            for (String name : spec.signatureNames()) {
                Path signature = byName.get(name);
                if (signature != null) {
                    used.add(signature);
                    signatures.put(name, read(signature));
                }
            }
            if (signatures.isEmpty()) {
                throw new BcmException(Kind.VERIFY_FAILED, "Missing signature: " + spec.title() + " needs "
                        + String.join(" or ", spec.signatureNames()) + " beside " + spec.checksumsName(),
                        "fetch " + String.join(" and ", spec.signatureUrls()) + " and import them with the archive");
            }
            signatureFiles.put(spec, signatures);
        }
        for (Path file : byName.values()) {
            if (!used.contains(file)) {
                throw new BcmException(Kind.INVALID_INPUT, file + " belongs to no release bcm knows"
                        + (addressed.isEmpty() ? "" : " (it is not a file of " + String.join(", ", addressed.stream().map(ReleaseSpec::title).toList()) + ")"),
                        "give the archives, checksum files and signature files of the releases 'bcm release list' shows");
            }
        }
        Map<ReleaseSpec, List<ReleaseSpec.Signer>> verified = new LinkedHashMap<>();
        for (ReleaseSpec spec : addressed) {
            // the archive's hash is the pinned one (it was found by it): the signed checksum file must list it
            verified.put(spec, ReleaseVerifier.verifySigned(spec, checksumFiles.get(spec), signatureFiles.get(spec)));
        }
        for (ReleaseSpec spec : addressed) {
            if (!Files.exists(dir.resolve(spec.sha256()).resolve(MARKER))) {
                store(spec, archives.get(spec), checksumFiles.get(spec), signatureFiles.get(spec), verified.get(spec));
            }
        }
        Set<String> imported = new HashSet<>(addressed.stream().map(ReleaseSpec::sha256).toList());
        return list(known).stream().filter(e -> imported.contains(e.sha256())).toList();
    }

    /** Writes a verified release into its entry, the marker last. */
    private void store(ReleaseSpec spec, Path archive, byte[] checksums, Map<String, byte[]> signatures, List<ReleaseSpec.Signer> signers) {
        Path entry = dir.resolve(spec.sha256());
        try {
            BcmHome.deleteTree(entry);   // what a killed store left, without its marker
            Files.createDirectories(entry);
            BcmHome.createNew(entry.resolve(spec.archiveName()), false, out -> Files.copy(archive, out));
            BcmHome.createNew(entry.resolve(spec.checksumsName()), false, out -> out.write(checksums));
            for (var signature : signatures.entrySet()) {
                BcmHome.createNew(entry.resolve(signature.getKey()), false, out -> out.write(signature.getValue()));
            }
            Marker marker = new Marker(spec.project(), spec.version(), spec.archiveName(), spec.archiveUrl(), spec.sha256(),
                    spec.checksumsName(), List.copyOf(signatures.keySet()), signers.stream().map(ReleaseSpec.Signer::name).toList(),
                    signers.stream().map(ReleaseSpec.Signer::fingerprint).toList(), Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            BcmHome.createNew(entry.resolve(MARKER), false, out -> out.write(JSON.writeValueAsBytes(marker)));
        } catch (FileAlreadyExistsException e) {
            if (!Files.exists(entry.resolve(MARKER))) {
                throw new BcmException(Kind.CONFLICT, "Another bcm is caching " + spec.title() + " in " + entry, "run again once it is done", e);
            }
        } catch (IOException | UncheckedIOException e) {
            BcmHome.deleteTree(entry);
            throw new BcmException(Kind.INTERNAL, "Failed caching " + spec.title() + " in " + entry + ": " + e.getMessage(),
                    "check the free space of " + dir, e);
        }
    }

    private Map<String, byte[]> cachedSignatures(ReleaseSpec spec, Path entry) {
        Map<String, byte[]> signatures = new LinkedHashMap<>();
        for (String name : spec.signatureNames()) {
            if (Files.exists(entry.resolve(name))) {
                signatures.put(name, read(entry.resolve(name)));
            }
        }
        return signatures;
    }

    private List<Path> markers() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.resolve(MARKER)).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed listing " + dir + ": " + e.getMessage(), null, e);
        }
    }

    private static Marker marker(Path file) {
        try {
            return JSON.readValue(file.toFile(), Marker.class);
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "The release cache entry " + file + " is unreadable: " + e.getMessage(),
                    "delete " + file.getParent() + "; the next build downloads or imports it again", e);
        }
    }

    private static byte[] read(Path file) {
        try {
            if (Files.size(file) > MAX_SMALL_FILE) {
                throw new BcmException(Kind.VERIFY_FAILED, file + " is larger than 1 MiB: not a checksum or signature file",
                        "give the files fetched from the release's URLs");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BcmException(Kind.NOT_FOUND, "cannot read " + file + ": " + e.getMessage(), null, e);
        }
    }

    /** The error of a release that is not cached and cannot be downloaded: every URL, and the import command. */
    private static BcmException offline(ReleaseSpec spec, IOException cause) {
        List<String> names = new ArrayList<>();
        names.add(spec.archiveName());
        names.add(spec.checksumsName());
        names.addAll(spec.signatureNames());
        return new BcmException(Kind.NOT_FOUND, spec.title() + " (" + spec.origin() + ") is not in the release cache and cannot be"
                + " downloaded: " + cause.getMessage(), "fetch " + String.join(" ", spec.urls())
                + " on a machine that is online, bring the files here and run: bcm release import " + String.join(" ", names)
                + " (a partial download continues when you run this again)", cause);
    }

    private static String names(List<ReleaseSpec.Signer> signers) {
        return String.join(", ", signers.stream().map(ReleaseSpec.Signer::name).toList());
    }

    private static String bar(int percent) {
        int filled = Math.max(0, Math.min(20, percent / 5));
        return "[" + "#".repeat(filled) + "-".repeat(20 - filled) + "]";
    }

    private static long mib(long bytes) {
        return bytes < 0 ? -1 : bytes / (1024 * 1024);
    }
}
