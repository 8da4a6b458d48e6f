package org.bcm.core.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release step's cache: downloads (from an in-test HTTP server on 127.0.0.1, directly or through
 * an in-test SOCKS5 proxy), resumed downloads, the offline error, imports, and every refusal, after
 * which nothing is cached. Releases are made by {@link TestRelease}; nothing leaves the machine.
 */
class ReleasesTest {

    @TempDir
    Path tmp;

    private final List<String> events = new ArrayList<>();
    private final Progress progress = (step, message) -> events.add("[" + step + "] " + message);

    private TestRelease.Builder release(String baseUrl) {
        return TestRelease.builder("Bitcoin Core", "31.1").archiveName("bitcoin-31.1-x86_64-linux-gnu.tar.gz")
                .file("bitcoin-31.1/bin/bitcoind", "#!/bin/sh\necho stand-in bitcoind\n")
                .file("bitcoin-31.1/share/noise", noise(400_000))
                .file("bitcoin-31.1/README.md", "readme\n")
                .install("bitcoin-31.1/bin/bitcoind", "/usr/local/bin/bitcoind").baseUrl(baseUrl);
    }

    private Path cache() {
        return tmp.resolve("cache");
    }

    /** Whether anything entered the cache: an entry, a marker, a partial download. */
    private List<Path> cached() throws IOException {
        Path releases = cache().resolve("releases");
        if (!Files.exists(releases)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(releases)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static String closedPortUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/bin/";
        }
    }

    @Test
    void aMissingReleaseIsDownloadedVerifiedAndCachedThenUsedWithoutTheNetwork() throws Exception {
        Path served = tmp.resolve("served");
        ReleaseSpec spec;
        Path archive;
        try (TestReleaseServer server = TestReleaseServer.serve(served)) {
            TestRelease release = release(server.baseUrl()).firstSignerUsesSubkey().build(served);
            spec = release.spec(tmp.resolve("stack"), "bitcoind");
            archive = new Releases(cache(), Downloads.direct()).require(spec, progress);

            assertThat(archive).hasSameBinaryContentAs(release.archive())
                    .isEqualTo(cache().resolve("releases").resolve(release.sha256()).resolve("bitcoin-31.1-x86_64-linux-gnu.tar.gz"));
            // the signed checksum file first: a release that would be refused is not downloaded
            assertThat(server.requests()).containsExactly("GET /SHA256SUMS", "GET /SHA256SUMS.asc",
                    "GET /bitcoin-31.1-x86_64-linux-gnu.tar.gz");
            assertThat(events).anyMatch(e -> e.contains("SHA256SUMS is signed by signer1, signer2, signer3"))
                    .anyMatch(e -> e.contains("100%")).anyMatch(e -> e.contains("verified and cached"));
        }
        // the server is gone: the cached release is verified again and used
        assertThat(new Releases(cache(), Downloads.direct()).require(spec, progress)).isEqualTo(archive);
        List<Releases.Entry> list = new Releases(cache(), Downloads.direct()).list(List.of(spec));
        assertThat(list).singleElement().satisfies(e -> {
            assertThat(e.project()).isEqualTo("Bitcoin Core");
            assertThat(e.version()).isEqualTo("31.1");
            assertThat(e.signers()).containsExactly("signer1", "signer2", "signer3");
            assertThat(e.cached()).isEqualTo(archive);
            assertThat(e.recipes()).containsExactly(spec.origin());
        });
        assertThat(cached()).noneMatch(p -> p.toString().contains("partial"));
    }

    @Test
    void aCutDownloadContinuesWhereItStoppedWithARangeRequest() throws Exception {
        Path served = tmp.resolve("served");
        try (TestReleaseServer server = TestReleaseServer.serve(served)) {
            TestRelease release = release(server.baseUrl()).build(served);
            ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
            server.cutNextResponseAfter(100_000);
            Releases releases = new Releases(cache(), Downloads.direct());

            BcmException cut = catchThrowableOfType(BcmException.class, () -> releases.require(spec, progress));
            assertThat(cut.kind()).isEqualTo(Kind.NOT_FOUND);
            assertThat(cut.hint()).contains("a partial download continues when you run this again");
            assertThat(cached()).singleElement().satisfies(p -> {
                assertThat(p.getFileName().toString()).endsWith(".part");
                assertThat(p).hasSize(100_000);
            });

            Path archive = releases.require(spec, progress);
            assertThat(archive).hasSameBinaryContentAs(release.archive());
            assertThat(server.requests()).contains("GET /bitcoin-31.1-x86_64-linux-gnu.tar.gz bytes=100000-");
        }
    }

    @Test
    void aConfiguredSocksProxyCarriesEveryDownloadAndGetsTheHostName() throws Exception {
        Path served = tmp.resolve("served");
        try (TestReleaseServer server = TestReleaseServer.serve(served); Socks5Proxy proxy = new Socks5Proxy()) {
            TestRelease release = release(server.baseUrl()).build(served);
            ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
            Downloads downloads = Downloads.fromEnvironment(Map.of(Downloads.PROXY_VARIABLE, "127.0.0.1:" + proxy.address().getPort()));

            new Releases(cache(), downloads).require(spec, progress);

            String port = server.baseUrl().replaceAll(".*:(\\d+)/", "$1");
            assertThat(proxy.destinations()).isNotEmpty().allMatch(d -> d.equals("127.0.0.1:" + port));
            assertThat(server.requests()).hasSize(3);
            assertThat(downloads.route()).isEqualTo("through the SOCKS proxy 127.0.0.1:" + proxy.address().getPort() + " (BCM_SOCKS_PROXY)");
            assertThat(events).anyMatch(e -> e.contains("downloading through the SOCKS proxy"));
        }
    }

    @Test
    void aSocks5ServerIsRecognisedByItsGreetingAndNoneMeansDirect() throws Exception {
        try (Socks5Proxy proxy = new Socks5Proxy()) {
            assertThat(Downloads.socks5Answers(proxy.address())).isTrue();
        }
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(Downloads.socks5Answers(new java.net.InetSocketAddress("127.0.0.1", silent.getLocalPort()))).isFalse();
        }
        assertThat(Downloads.fromEnvironment(Map.of(Downloads.PROXY_VARIABLE, "none")).route()).isEqualTo("directly (BCM_SOCKS_PROXY=none)");
        assertThatThrownBy(() -> Downloads.fromEnvironment(Map.of(Downloads.PROXY_VARIABLE, "tor")))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT))
                .hasMessage("BCM_SOCKS_PROXY='tor' is not a SOCKS proxy");
    }

    @Test
    void offlineAMissingReleaseIsOneErrorNamingEveryUrlAndTheImportCommand() throws Exception {
        String base = closedPortUrl();
        TestRelease release = release(base).build(tmp.resolve("release"));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");

        BcmException e = catchThrowableOfType(BcmException.class,
                () -> new Releases(cache(), Downloads.fromEnvironment(Map.of(Downloads.PROXY_VARIABLE, "none"))).require(spec, progress));

        assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
        assertThat(e.getMessage()).startsWith("Bitcoin Core 31.1 (" + spec.origin() + ") is not in the release cache and cannot be downloaded: ")
                .contains(base + "SHA256SUMS");
        assertThat(e.hint()).isEqualTo("fetch " + base + "bitcoin-31.1-x86_64-linux-gnu.tar.gz " + base + "SHA256SUMS " + base
                + "SHA256SUMS.asc on a machine that is online, bring the files here and run: bcm release import"
                + " bitcoin-31.1-x86_64-linux-gnu.tar.gz SHA256SUMS SHA256SUMS.asc (a partial download continues when you run this again)");
        assertThat(cached()).isEmpty();

        // the files fetched elsewhere, imported: the next build finds them
        List<Releases.Entry> imported = new Releases(cache(), Downloads.direct()).importFiles(release.files(), List.of(spec));
        assertThat(imported).singleElement().satisfies(entry -> assertThat(entry.signers()).containsExactly("signer1", "signer2", "signer3"));
        assertThat(new Releases(cache(), Downloads.direct()).require(spec, progress)).hasSameBinaryContentAs(release.archive());
    }

    @Test
    void oneSignatureFilePerSignerInBinaryOrArmorWorksAsLndPublishesThem() throws Exception {
        TestRelease release = release("https://example.invalid/").perSignerFiles().signing(2).build(tmp.resolve("release"));
        Path second = release.signatures().get(1);
        Files.write(second, TestRelease.binary(Files.readAllBytes(second)));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
        assertThat(spec.signatureNames()).containsExactly("SHA256SUMS.signer1.sig", "SHA256SUMS.signer2.sig");

        List<Releases.Entry> imported = new Releases(cache(), Downloads.direct()).importFiles(release.files(), List.of(spec));

        assertThat(imported).singleElement().satisfies(e -> assertThat(e.signers()).containsExactly("signer1", "signer2"));
    }

    // --- refusals: each its own error, and nothing cached ---

    private ReleaseSpec refusedSpec;

    private BcmException refusedImport(TestRelease release) throws IOException {
        refusedSpec = release.spec(tmp.resolve("stack"), "bitcoind");
        BcmException e = catchThrowableOfType(BcmException.class,
                () -> new Releases(cache(), Downloads.direct()).importFiles(release.files(), List.of(refusedSpec)));
        assertThat(e).as("refused").isNotNull();
        assertThat(cached()).as("nothing cached").isEmpty();
        return e;
    }

    @Test
    void aBadHashIsRefused() throws Exception {
        TestRelease release = release("https://example.invalid/").build(tmp.resolve("release"));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
        Files.write(release.archive(), "not the release".getBytes(StandardCharsets.UTF_8));

        BcmException e = catchThrowableOfType(BcmException.class,
                () -> new Releases(cache(), Downloads.direct()).importFiles(release.files(), List.of(spec)));

        assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED);
        assertThat(e.getMessage()).startsWith("Bad hash: bitcoin-31.1-x86_64-linux-gnu.tar.gz of Bitcoin Core 31.1 has SHA-256 ")
                .endsWith(", but " + spec.origin() + " pins " + spec.sha256());
        assertThat(e.hint()).isEqualTo("the file is damaged or not the release: fetch it again from https://example.invalid/bitcoin-31.1-x86_64-linux-gnu.tar.gz");
        assertThat(cached()).isEmpty();
    }

    @Test
    void aBadHashOnDownloadIsRefusedAndTheDownloadDiscarded() throws Exception {
        Path served = tmp.resolve("served");
        try (TestReleaseServer server = TestReleaseServer.serve(served)) {
            TestRelease release = release(server.baseUrl()).build(served);
            ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
            Files.write(release.archive(), "a replaced archive".getBytes(StandardCharsets.UTF_8));

            BcmException e = catchThrowableOfType(BcmException.class, () -> new Releases(cache(), Downloads.direct()).require(spec, progress));

            assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED);
            assertThat(e.getMessage()).startsWith("Bad hash: ");
            assertThat(cached()).isEmpty();
        }
    }

    @Test
    void aBadSignatureIsRefused() throws Exception {
        TestRelease release = release("https://example.invalid/").build(tmp.resolve("release"));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
        Files.writeString(release.checksums(), Files.readString(release.checksums()) + "\n", StandardCharsets.UTF_8);

        BcmException e = catchThrowableOfType(BcmException.class,
                () -> new Releases(cache(), Downloads.direct()).importFiles(release.files(), List.of(spec)));

        assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED);
        assertThat(e.getMessage()).isEqualTo("BAD signature by signer1 (" + release.fingerprints().get(0) + ") in SHA256SUMS.asc:"
                + " SHA256SUMS of Bitcoin Core 31.1 is not what signer1 signed");
        assertThat(cached()).isEmpty();
    }

    @Test
    void aMissingSignatureIsRefused() throws Exception {
        TestRelease release = release("https://example.invalid/").build(tmp.resolve("release"));
        Files.writeString(release.signatures().get(0), "", StandardCharsets.UTF_8);
        BcmException e = refusedImport(release);
        assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED);
        assertThat(e.getMessage()).isEqualTo("Missing signature: SHA256SUMS.asc of Bitcoin Core 31.1 holds no OpenPGP signature");

        // and a signature file not given at all
        List<Path> withoutSignature = release.files().subList(0, 2);
        BcmException absent = catchThrowableOfType(BcmException.class,
                () -> new Releases(cache(), Downloads.direct()).importFiles(withoutSignature, List.of(refusedSpec)));
        assertThat(absent.kind()).isEqualTo(Kind.VERIFY_FAILED);
        assertThat(absent.getMessage()).isEqualTo("Missing signature: Bitcoin Core 31.1 needs SHA256SUMS.asc beside SHA256SUMS");
        assertThat(absent.hint()).isEqualTo("fetch https://example.invalid/SHA256SUMS.asc and import them with the archive");
        assertThat(cached()).isEmpty();
    }

    @Test
    void tooFewSignersAreRefusedAndSignaturesByKeysNotPinnedDoNotCount() throws Exception {
        TestRelease release = release("https://example.invalid/").signing(1).build(tmp.resolve("release"));
        byte[] sums = Files.readAllBytes(release.checksums());
        Path asc = release.signatures().get(0);
        Files.write(asc, concat(Files.readAllBytes(asc), release.signByStranger(sums), release.signBy(0, sums)));

        BcmException e = refusedImport(release);

        assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED);
        assertThat(e.getMessage()).startsWith("Too few signers: SHA256SUMS of Bitcoin Core 31.1 has good signatures by 1 of the pinned"
                + " signers (signer1), the recipe requires 2; signatures by keys the recipe does not pin do not count: ");
        assertThat(e.hint()).contains("pinned signers: signer1, signer2, signer3");
    }

    @Test
    void signaturesOnlyByAnUnknownKeyAreRefused() throws Exception {
        TestRelease release = release("https://example.invalid/").signing(0).build(tmp.resolve("release"));
        Files.write(release.signatures().get(0), release.signByStranger(Files.readAllBytes(release.checksums())));

        BcmException e = refusedImport(release);

        assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED);
        assertThat(e.getMessage()).startsWith("Unknown key: SHA256SUMS of Bitcoin Core 31.1 is signed only by keys the recipe does not pin (")
                .contains(release.strangerFingerprint().substring(24));
    }

    @Test
    void aKeyFileOfAKeyThatIsNotPinnedIsRefused() throws Exception {
        TestRelease release = release("https://example.invalid/").build(tmp.resolve("release"));
        Files.write(release.keysDir().resolve("stranger.asc"), release.strangerKey());

        BcmException e = refusedImport(release);

        assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED);
        assertThat(e.getMessage()).isEqualTo("Unknown key: the key file stranger.asc in ../keys/bitcoind holds the key "
                + release.strangerFingerprint() + ", which " + refusedSpec.origin() + " does not pin among the signers of Bitcoin Core 31.1");
    }

    @Test
    void aChecksumFileThatListsAnotherHashIsRefused() throws Exception {
        TestRelease release = release("https://example.invalid/").build(tmp.resolve("release"));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
        // the signers signed a checksum file that lists another archive under the name
        String other = "1".repeat(64);
        byte[] sums = ("  " + other + "  bitcoin-31.1-x86_64-linux-gnu.tar.gz\n").strip().getBytes(StandardCharsets.UTF_8);
        Files.write(release.checksums(), sums);
        Files.write(release.signatures().get(0), concat(release.signBy(0, sums), release.signBy(1, sums)));

        BcmException e = catchThrowableOfType(BcmException.class,
                () -> new Releases(cache(), Downloads.direct()).importFiles(release.files(), List.of(spec)));

        assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED);
        assertThat(e.getMessage()).isEqualTo("SHA256SUMS of Bitcoin Core 31.1 (signed by signer1, signer2) lists " + other
                + " for bitcoin-31.1-x86_64-linux-gnu.tar.gz, but " + spec.origin() + " pins " + spec.sha256());
        assertThat(cached()).isEmpty();
    }

    @Test
    void aCachedReleaseIsVerifiedAgainWhenUsed() throws Exception {
        TestRelease release = release("https://example.invalid/").build(tmp.resolve("release"));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
        Releases releases = new Releases(cache(), Downloads.direct());
        releases.importFiles(release.files(), List.of(spec));
        Path cachedArchive = cache().resolve("releases").resolve(spec.sha256()).resolve(spec.archiveName());
        Files.write(cachedArchive, "changed in the cache".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> releases.require(spec, progress)).isInstanceOfSatisfying(BcmException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.VERIFY_FAILED)).hasMessageStartingWith("Bad hash: ");
    }

    @Test
    void importRefusesFilesThatBelongToNoReleaseOrDoNotExist() throws Exception {
        TestRelease release = release("https://example.invalid/").build(tmp.resolve("release"));
        ReleaseSpec spec = release.spec(tmp.resolve("stack"), "bitcoind");
        Path stray = Files.writeString(tmp.resolve("notes.txt"), "not a release file");
        List<Path> files = new ArrayList<>(release.files());
        files.add(stray);
        Releases releases = new Releases(cache(), Downloads.direct());

        assertThatThrownBy(() -> releases.importFiles(files, List.of(spec))).isInstanceOfSatisfying(BcmException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT);
            assertThat(e.getMessage()).isEqualTo(stray + " belongs to no release bcm knows (it is not a file of Bitcoin Core 31.1)");
            assertThat(e.hint()).isEqualTo("give the archives, checksum files and signature files of the releases 'bcm release list' shows");
        });
        assertThatThrownBy(() -> releases.importFiles(List.of(tmp.resolve("missing.tar.gz")), List.of(spec)))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
                .hasMessage(tmp.resolve("missing.tar.gz") + ": not found");
        assertThatThrownBy(() -> releases.importFiles(List.of(tmp), List.of(spec)))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT))
                .hasMessage("cannot read " + tmp + ": it is a folder");
        assertThat(cached()).isEmpty();
        assertThat(releases.list(List.of(spec))).singleElement().satisfies(e -> assertThat(e.cached()).isNull());
    }

    /** Incompressible bytes, so that the archive is large enough to cut. */
    private static byte[] noise(int size) {
        byte[] bytes = new byte[size];
        new java.util.Random(1).nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
