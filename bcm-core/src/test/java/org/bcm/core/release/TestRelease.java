package org.bcm.core.release;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.bcm.core.Sha256;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.BCPGOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;

/**
 * A signed upstream release made in a test, for tests of the {@code release:} step and of the stacks
 * that use it (in bcm-core's test-jar): a {@code .tar.gz} archive with the files you give, a
 * {@code SHA256SUMS} listing it, detached armored signatures over that file by keys generated here
 * (Ed25519, OpenPGP v4; one signer may sign with a signing subkey), the signers' public keys as armored
 * files, and the recipe's {@code release:} section that pins them.
 *
 * <pre>{@code
 * TestRelease release = TestRelease.builder("Bitcoin Core", "31.1")
 *         .archiveName("bitcoin-31.1-x86_64-linux-gnu.tar.gz")
 *         .file("bitcoin-31.1/bin/bitcoind", "#!/bin/sh\necho stand-in\n")
 *         .install("bitcoin-31.1/bin/bitcoind", "/usr/local/bin/bitcoind")
 *         .build(tempDir.resolve("release"));
 * // an operator stack whose image recipe installs it:
 * release.writeRecipe(home.resolve("stacks/bitcoin"), "bitcoind", "entrypoint: [/usr/local/bin/bitcoind]\n");
 * // then `bcm release import` release.files(), or serve release.dir() at the builder's baseUrl (TestReleaseServer)
 * }</pre>
 *
 * Nothing here contacts a network: the URLs in the recipe are {@link Builder#baseUrl(String)} plus the
 * file names (by default under {@code http://127.0.0.1:9/}, the discard port, which nothing serves).
 */
public final class TestRelease {

    private final String project;
    private final String version;
    private final String baseUrl;
    private final Path dir;
    private final Path archive;
    private final Path checksums;
    private final List<Path> signatures;
    private final Path keysDir;
    private final List<Key> keys;
    private final Key stranger;
    private final int threshold;
    private final Map<String, String> install;

    /** When a reproducible release's keys were made and its files signed, and its archive entries' time. */
    private static final Date REPRODUCIBLE_TIME = Date.from(java.time.Instant.parse("2026-01-01T00:00:00Z"));

    /** One generated signer: its name, certificate and signing key; {@code signedAt} null: signatures made now. */
    private record Key(String name, PGPPublicKeyRing certificate, PGPPrivateKey signingKey, PGPPublicKey signingPublicKey,
            Date signedAt) {
        String fingerprint() {
            return HexFormat.of().withUpperCase().formatHex(certificate.getPublicKey().getFingerprint());
        }
    }

    private TestRelease(Builder b, Path dir, Path archive, Path checksums, List<Path> signatures, Path keysDir, List<Key> keys, Key stranger) {
        this.project = b.project;
        this.version = b.version;
        this.baseUrl = b.baseUrl;
        this.dir = dir;
        this.archive = archive;
        this.checksums = checksums;
        this.signatures = List.copyOf(signatures);
        this.keysDir = keysDir;
        this.keys = List.copyOf(keys);
        this.stranger = stranger;
        this.threshold = b.threshold;
        this.install = new LinkedHashMap<>(b.install);
    }

    /** A release of {@code project} at {@code version} to build. */
    public static Builder builder(String project, String version) {
        return new Builder(project, version);
    }

    /** How the release is made. */
    public static final class Builder {
        private final String project;
        private final String version;
        private String archiveName;
        private String baseUrl = "http://127.0.0.1:9/releases/";
        private final Map<String, byte[]> files = new LinkedHashMap<>();
        private final Map<String, String> install = new LinkedHashMap<>();
        private final int signers = 3;      // signer1..signer3
        private final int threshold = 2;
        private int signing = -1;
        private boolean perSignerFiles;
        private boolean subkey;
        private boolean reproducible;

        private Builder(String project, String version) {
            this.project = project;
            this.version = version;
            this.archiveName = project.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "-" + version + ".tar.gz";
        }

        /** The archive's file name, ending in {@code .tar.gz} (default: {@code <project>-<version>.tar.gz}). */
        public Builder archiveName(String name) {
            this.archiveName = name;
            return this;
        }

        /** Where the recipe says the files are: a URL ending in {@code /}; each file's URL is it plus the file name. */
        public Builder baseUrl(String url) {
            this.baseUrl = url.endsWith("/") ? url : url + "/";
            return this;
        }

        /** An archive entry: a regular file of mode 0755. */
        public Builder file(String path, byte[] content) {
            files.put(path, content.clone());
            return this;
        }

        /** An archive entry with text content (UTF-8). */
        public Builder file(String path, String content) {
            return file(path, content.getBytes(StandardCharsets.UTF_8));
        }

        /** An install line of the recipe: archive path to image path. */
        public Builder install(String archivePath, String imagePath) {
            install.put(archivePath, imagePath);
            return this;
        }

        /** How many of the pinned signers sign (default all). */
        public Builder signing(int count) {
            this.signing = count;
            return this;
        }

        /** One signature file per signer ({@code SHA256SUMS.<name>.sig}, as lnd's manifests) instead of one {@code SHA256SUMS.asc} holding all. */
        public Builder perSignerFiles() {
            this.perSignerFiles = true;
            return this;
        }

        /**
         * The first signer signs with a signing subkey bound to its certify-only primary key, the
         * subkey's back-signature in the binding's unhashed area (as GnuPG makes them, and as several
         * Core builders sign).
         */
        public Builder firstSignerUsesSubkey() {
            this.subkey = true;
            return this;
        }

        /**
         * The same bytes on every build with the same files and options: the signers' keys derived from
         * the project, version and signer name, keys and signatures dated 2026-01-01. An
         * end-to-end test then finds its image (tagged by the release's hash and keys) cached from an
         * earlier run. Not for tests that need two releases to have different keys.
         */
        public Builder reproducible() {
            this.reproducible = true;
            return this;
        }

        /**
         * Writes the release into {@code dir} (created): the archive, {@code SHA256SUMS}, the signature
         * file(s) and {@code keys/<signer>.asc}.
         */
        public TestRelease build(Path dir) {
            try {
                Files.createDirectories(dir);
                Path archive = dir.resolve(archiveName);
                Files.write(archive, tarGz(files));
                String sha256 = ReleaseVerifier.sha256(archive);
                Path checksums = dir.resolve("SHA256SUMS");
                Files.writeString(checksums, "0000000000000000000000000000000000000000000000000000000000000000  other-file.zip\n"
                        + sha256 + "  " + archiveName + "\n");
                List<Key> keys = new ArrayList<>();
                for (int i = 1; i <= signers; i++) {
                    keys.add(generate("signer" + i, subkey && i == 1, reproducible ? project + "/" + version : null));
                }
                Key stranger = generate("stranger", false, null);
                Path keysDir = dir.resolve("keys");
                Files.createDirectories(keysDir);
                for (Key key : keys) {
                    Files.write(keysDir.resolve(key.name() + ".asc"), armor(key.certificate().getEncoded()));
                }
                byte[] sums = Files.readAllBytes(checksums);
                int count = signing < 0 ? signers : signing;
                List<Path> signatureFiles = new ArrayList<>();
                if (perSignerFiles) {
                    for (Key key : keys) {
                        Path file = dir.resolve("SHA256SUMS." + key.name() + ".sig");
                        signatureFiles.add(file);
                        if (keys.indexOf(key) < count) {
                            Files.write(file, sign(key, sums));
                        }
                    }
                    signatureFiles.removeIf(f -> !Files.exists(f));
                } else {
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    for (Key key : keys.subList(0, count)) {
                        all.write(sign(key, sums));
                    }
                    Path file = dir.resolve("SHA256SUMS.asc");
                    Files.write(file, all.toByteArray());
                    signatureFiles.add(file);
                }
                return new TestRelease(this, dir, archive, checksums, signatureFiles, keysDir, keys, stranger);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The directory holding the release's files (and {@code keys/}). */
    public Path dir() {
        return dir;
    }

    public Path archive() {
        return archive;
    }

    public Path checksums() {
        return checksums;
    }

    /** The signature file(s), as the recipe names them. */
    public List<Path> signatures() {
        return signatures;
    }

    /** The archive, the checksum file and the signature files: what {@code bcm release import} takes. */
    public List<Path> files() {
        List<Path> files = new ArrayList<>(List.of(archive, checksums));
        files.addAll(signatures);
        return files;
    }

    /** The signers' public keys, one armored file each. */
    public Path keysDir() {
        return keysDir;
    }

    public String sha256() {
        return ReleaseVerifier.sha256(archive);
    }

    /** The pinned signers' primary fingerprints, in order. */
    public List<String> fingerprints() {
        return keys.stream().map(Key::fingerprint).toList();
    }

    /** A detached armored signature over {@code data} by the pinned signer {@code index} (0-based). */
    public byte[] signBy(int index, byte[] data) {
        return sign(keys.get(index), data);
    }

    /** A detached armored signature over {@code data} by a key that is not pinned. */
    public byte[] signByStranger(byte[] data) {
        return sign(stranger, data);
    }

    /** The armored public key of the key that is not pinned (to put one in the key directory). */
    public byte[] strangerKey() {
        try {
            return armor(stranger.certificate().getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stranger's primary fingerprint. */
    public String strangerFingerprint() {
        return stranger.fingerprint();
    }

    /**
     * The recipe's {@code release:} section (YAML, two-space indents, ending in a newline).
     *
     * @param keys the key directory as the recipe names it, relative to the recipe's directory
     */
    public String recipeSection(String keys) {
        StringBuilder yaml = new StringBuilder("release:\n");
        yaml.append("  project: ").append(project).append('\n');
        yaml.append("  version: \"").append(version).append("\"\n");
        yaml.append("  archive: {url: ").append(baseUrl).append(archive.getFileName()).append(", sha256: ").append(sha256()).append("}\n");
        yaml.append("  checksums:\n    url: ").append(baseUrl).append(checksums.getFileName()).append("\n    signatures:\n");
        for (Path signature : signatures) {
            yaml.append("      - ").append(baseUrl).append(signature.getFileName()).append('\n');
        }
        yaml.append("  keys: ").append(keys).append('\n');
        yaml.append("  signers:\n");
        for (Key key : keys()) {
            yaml.append("    - {name: ").append(key.name()).append(", fingerprint: ").append(key.fingerprint()).append("}\n");
        }
        yaml.append("  threshold: ").append(threshold).append('\n');
        yaml.append("  install:\n");
        install.forEach((from, to) -> yaml.append("    ").append(from).append(": ").append(to).append('\n'));
        return yaml.toString();
    }

    /**
     * The release as one item of a recipe's list of releases ({@code release:} followed by such items),
     * its keys copied into {@code stackDir/keys/<keysName>/}.
     *
     * @param install what it installs (archive path to image path), or null for what the builder said
     */
    public String writeListItem(Path stackDir, String keysName, Map<String, String> install) {
        try {
            Path keys = stackDir.resolve("keys").resolve(keysName);
            Files.createDirectories(keys);
            try (var files = Files.list(keysDir)) {
                for (Path key : files.toList()) {
                    Files.copy(key, keys.resolve(key.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String section = recipeSection("../keys/" + keysName);
        if (install != null) {
            StringBuilder own = new StringBuilder("  install:\n");
            install.forEach((from, to) -> own.append("    ").append(from).append(": ").append(to).append('\n'));
            section = section.substring(0, section.indexOf("  install:\n")) + own;
        }
        StringBuilder item = new StringBuilder();
        String[] lines = section.substring("release:\n".length()).split("\n");
        for (int i = 0; i < lines.length; i++) {
            item.append(i == 0 ? "  - " + lines[i].substring(2) : "  " + lines[i]).append('\n');
        }
        return item.toString();
    }

    /**
     * Writes {@code stackDir/images/<image>.yml} (the {@code other} recipe keys, then the release
     * section) and the keys into {@code stackDir/keys/<image>/}.
     *
     * @return the recipe file
     */
    public Path writeRecipe(Path stackDir, String image, String other) {
        try {
            Path keys = stackDir.resolve("keys").resolve(image);
            Files.createDirectories(keys);
            try (var files = Files.list(keysDir)) {
                for (Path key : files.toList()) {
                    Files.copy(key, keys.resolve(key.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Path recipe = stackDir.resolve("images").resolve(image + ".yml");
            Files.createDirectories(recipe.getParent());
            Files.writeString(recipe, other + recipeSection("../keys/" + image));
            return recipe;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The release's spec, as a recipe written by {@link #writeRecipe} in {@code stackDir} reads it. */
    public ReleaseSpec spec(Path stackDir, String image) {
        Path recipe = writeRecipe(stackDir, image, "");
        try {
            com.fasterxml.jackson.databind.JsonNode node = new com.fasterxml.jackson.databind.ObjectMapper(
                    new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(recipe.toFile()).get("release");
            return ReleaseSpec.parse(node, recipe.getParent(), recipe.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Key> keys() {
        return keys;
    }

    /**
     * A signer's keys: random, or derived from {@code seed} and {@code name} (a reproducible release),
     * then made at {@link #REPRODUCIBLE_TIME} and signing at that time too.
     */
    private static Key generate(String name, boolean withSubkey, String seed) {
        try {
            Date now = seed != null ? REPRODUCIBLE_TIME : new Date(System.currentTimeMillis() / 1000 * 1000 - 60_000);
            PGPKeyPair primary = ed25519(now, seed == null ? null : seed + "/" + name);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, now);
            hashed.setKeyFlags(false, withSubkey ? KeyFlags.CERTIFY_OTHER : KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
            PGPKeyRingGenerator generator = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, primary,
                    name + " <" + name + "@release.test>", new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1),
                    hashed.generate(), null, new BcPGPContentSignerBuilder(PublicKeyAlgorithmTags.EDDSA_LEGACY, HashAlgorithmTags.SHA256), null);
            PGPKeyPair signing = primary;
            if (withSubkey) {
                signing = ed25519(now, seed == null ? null : seed + "/" + name + "/subkey");
                PGPSignatureSubpacketGenerator subHashed = new PGPSignatureSubpacketGenerator();
                subHashed.setSignatureCreationTime(false, now);
                subHashed.setKeyFlags(false, KeyFlags.SIGN_DATA);
                // the subkey's back-signature (0x19) in the binding's unhashed area, where GnuPG puts it
                PGPSignatureGenerator back = new PGPSignatureGenerator(
                        new BcPGPContentSignerBuilder(PublicKeyAlgorithmTags.EDDSA_LEGACY, HashAlgorithmTags.SHA256), signing.getPublicKey());
                back.init(PGPSignature.PRIMARYKEY_BINDING, signing.getPrivateKey());
                PGPSignatureSubpacketGenerator backHashed = new PGPSignatureSubpacketGenerator();
                backHashed.setSignatureCreationTime(false, now);
                back.setHashedSubpackets(backHashed.generate());
                PGPSignatureSubpacketGenerator subUnhashed = new PGPSignatureSubpacketGenerator();
                subUnhashed.addEmbeddedSignature(false, back.generateCertification(primary.getPublicKey(), signing.getPublicKey()));
                generator.addSubKey(signing, subHashed.generate(), subUnhashed.generate());
            }
            PGPPublicKeyRing certificate = generator.generatePublicKeyRing();
            PGPSecretKeyRing secret = generator.generateSecretKeyRing();
            PGPPrivateKey privateKey = secret.getSecretKey(signing.getKeyID()).extractPrivateKey(null);
            return new Key(name, certificate, privateKey, certificate.getPublicKey(signing.getKeyID()), seed == null ? null : now);
        } catch (PGPException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An Ed25519 key pair: random, or its private key the SHA-256 of {@code seed} (RFC 8032 section 5.1.5). */
    private static PGPKeyPair ed25519(Date created, String seed) throws PGPException {
        if (seed == null) {
            Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
            generator.init(new Ed25519KeyGenerationParameters(new SecureRandom()));
            return new BcPGPKeyPair(PublicKeyAlgorithmTags.EDDSA_LEGACY, generator.generateKeyPair(), created);
        }
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(HexFormat.of().parseHex(Sha256.hex(seed)), 0);
        return new BcPGPKeyPair(PublicKeyAlgorithmTags.EDDSA_LEGACY, new AsymmetricCipherKeyPair(key.generatePublicKey(), key), created);
    }

    private static byte[] sign(Key key, byte[] data) {
        try {
            PGPSignatureGenerator generator = new PGPSignatureGenerator(
                    new BcPGPContentSignerBuilder(PublicKeyAlgorithmTags.EDDSA_LEGACY, HashAlgorithmTags.SHA256), key.signingPublicKey());
            generator.init(PGPSignature.BINARY_DOCUMENT, key.signingKey());
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, key.signedAt() != null ? key.signedAt() : new Date());
            hashed.setIssuerFingerprint(false, key.signingPublicKey());
            generator.setHashedSubpackets(hashed.generate());
            PGPSignatureSubpacketGenerator unhashed = new PGPSignatureSubpacketGenerator();
            unhashed.setIssuerKeyID(false, key.signingPublicKey().getKeyID());
            generator.setUnhashedSubpackets(unhashed.generate());
            generator.update(data);
            return armor(generator.generate().getEncoded());
        } catch (PGPException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] armor(byte[] packets) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArmoredOutputStream armored = ArmoredOutputStream.builder().clearHeaders().build(out)) {
            armored.write(packets);
        }
        return out.toByteArray();
    }

    private static byte[] tarGz(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GzipCompressorOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (var file : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setSize(file.getValue().length);
                entry.setMode(0755);
                entry.setModTime(REPRODUCIBLE_TIME);
                tar.putArchiveEntry(entry);
                tar.write(file.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** The signatures of an armored signature file as binary packets (as some projects publish {@code .sig} files). */
    public static byte[] binary(byte[] armoredSignature) throws IOException {
        List<PGPSignature> signatures = ReleaseVerifier.signatures(armoredSignature);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BCPGOutputStream bcpg = new BCPGOutputStream(out)) {
            for (PGPSignature signature : signatures) {
                signature.encode(bcpg);
            }
        }
        return out.toByteArray();
    }
}
