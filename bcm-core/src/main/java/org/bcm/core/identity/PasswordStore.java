package org.bcm.core.identity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.core.process.ExternalProgram;
import org.bouncycastle.openpgp.PGPPublicKeyRing;

/**
 * The operator's password store in {@code pass}'s format (passwordstore.org), kept in
 * {@code <bcm home>/password_store}: one OpenPGP message {@code NAME.gpg} per entry, encrypted to
 * the bcm certificate (the fingerprint in {@code .gpg-id}), and a git repository with one signed
 * commit per change (the commit messages are pass's own). Debian's {@code pass} with
 * {@code PASSWORD_STORE_DIR} and {@code GNUPGHOME} pointed at the same directories reads and
 * writes the same store; bcm's agent signs the commits and decrypts for it.
 *
 * <p>A change is written to a temporary file, moved into place, and committed; when the commit
 * fails the entry is put back as it was, so a failure leaves the store as it was.
 */
public final class PasswordStore {

    /** Entry names: path segments of letters, digits, {@code . _ - @ +}, no {@code ..}, no leading dot. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*(/[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*)*");
    /** pass's default character class for generated passwords: {@code [:punct:][:alnum:]}. */
    private static final String GENERATED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    /** The length of {@code bcm pass new}'s passwords. */
    public static final int GENERATED_LENGTH = 32;

    private final IdentityService identities;
    private final DeviceKeys keys;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param keys the device, for reading entries; may be null for operations that only write
     */
    public PasswordStore(IdentityService identities, DeviceKeys keys) {
        this.identities = identities;
        this.keys = keys;
    }

    public Path root() {
        return identities.passwordStore();
    }

    /**
     * Makes the directory a password store for the bcm certificate (as {@code pass init FPR} and
     * {@code pass git init} would): {@code .gpg-id}, a git repository configured to sign with the
     * certificate, and a signed commit. Harmless to repeat.
     *
     * @throws BcmException CONFLICT when {@code .gpg-id} names other keys (a store that is not bcm's)
     */
    public void initialize() {
        OperatorIdentity identity = identities.require();
        Path gpgId = root().resolve(".gpg-id");
        Optional<byte[]> existing = BcmHome.read(gpgId);
        if (existing.isPresent()) {
            requireOurs(identity);
        } else {
            BcmHome.writeAtomically(gpgId, (identity.fingerprint() + "\n").getBytes(StandardCharsets.US_ASCII), false);
        }
        if (!Files.isDirectory(root().resolve(".git"))) {
            git("init", "-q").check("creating the store's git repository");
        }
        config("user.name", identity.name());
        config("user.email", identity.username() + "@" + identity.hostname());
        config("user.signingkey", identity.fingerprint());
        config("commit.gpgsign", "true");
        config("pass.signcommits", "true");
        if (git("status", "--porcelain").operands(".gpg-id").check("reading the store's history").out().isBlank() && hasCommits()) {
            return;
        }
        commit("Set GPG id to " + identity.fingerprint() + ".", ".gpg-id");
    }

    /**
     * Encrypts {@code content} to the certificate and stores it as {@code name} (replacing an
     * existing entry), then commits.
     *
     * @param content the entry, e.g. the password followed by a newline (what {@code pass insert} stores)
     * @throws BcmException INVALID_INPUT for a bad name, CONFLICT for a store that is not bcm's
     */
    public void insert(String name, byte[] content) {
        Path file = entryFile(name);
        initialize();
        PGPPublicKeyRing certificate = identities.certificate();
        ByteArrayOutputStream encrypted = new ByteArrayOutputStream();
        try {
            OpenPgpMessages.encrypt(new ByteArrayInputStream(content), encrypted, certificate, "", false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Optional<byte[]> before = BcmHome.read(file);
        BcmHome.writeAtomically(file, encrypted.toByteArray(), false);
        try {
            commit((before.isPresent() ? "Edit" : "Add given") + " password for " + name + " to store.", root().relativize(file).toString());
        } catch (BcmException e) {
            restore(file, before);
            throw e;
        }
    }

    /**
     * Generates a password of {@link #GENERATED_LENGTH} characters from pass's default set
     * ({@code [:punct:][:alnum:]}, SecureRandom) and stores it as {@code name}.
     *
     * @return the generated password (the caller decides whether to show it)
     */
    public char[] generate(String name) {
        char[] password = new char[GENERATED_LENGTH];
        for (int i = 0; i < password.length; i++) {
            password[i] = GENERATED.charAt(random.nextInt(GENERATED.length()));
        }
        byte[] content = (new String(password) + "\n").getBytes(StandardCharsets.UTF_8);
        insert(name, content);
        java.util.Arrays.fill(content, (byte) 0);
        return password;
    }

    /**
     * Decrypts the entry {@code name} with the device (the user confirms).
     *
     * @throws BcmException NOT_FOUND when there is no such entry; INVALID_INPUT when it is not
     *                      encrypted to the bcm certificate or is no OpenPGP message
     */
    public byte[] get(String name) {
        Path file = entryFile(name);
        byte[] message = BcmHome.read(file).orElseThrow(() -> new BcmException(Kind.NOT_FOUND, "no entry '" + name + "' in " + root(),
                "`bcm pass list` shows the entries"));
        OperatorIdentity identity = identities.require();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try {
            OpenPgpMessages.decrypt(new ByteArrayInputStream(message), plain, identities.certificate(), keys, identity.gpgIdentity());
        } catch (BcmException e) {
            throw new BcmException(e.kind(), "entry '" + name + "': " + e.getMessage(), e.hint(), e);
        } catch (IOException e) {
            throw new BcmException(Kind.INVALID_INPUT, "entry '" + name + "' is not an OpenPGP message: " + e.getMessage(), null, e);
        }
        return plain.toByteArray();
    }

    /** The entry names, sorted (paths relative to the store, without {@code .gpg}). */
    public List<String> list() {
        if (!Files.isDirectory(root())) {
            return List.of();
        }
        try (var files = Files.walk(root())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".gpg") && Files.isRegularFile(p))
                    .map(p -> root().relativize(p).toString())
                    .filter(p -> !p.startsWith(".git/"))
                    .map(p -> p.substring(0, p.length() - ".gpg".length()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the store has the entry {@code name}, or entries below {@code name}/. */
    public boolean has(String name) {
        return Files.exists(entryFile(name)) || Files.isDirectory(root().resolve(name));
    }

    /**
     * Removes the entry {@code name}, or every entry below {@code name}/ (as {@code pass rm -r}), in
     * one signed commit.
     *
     * @throws BcmException NOT_FOUND when there is no such entry
     */
    public void remove(String name) {
        Path file = entryFile(name);
        Path dir = root().resolve(name);
        boolean tree = !Files.exists(file) && Files.isDirectory(dir);
        if (!Files.exists(file) && !tree) {
            throw new BcmException(Kind.NOT_FOUND, "no entry '" + name + "' in " + root(), "`bcm pass list` shows the entries");
        }
        initialize();
        String path = root().relativize(tree ? dir : file).toString();
        if (tree) {
            BcmHome.deleteTree(dir);
            try {
                commit("Remove " + name + " from store.", path);
            } catch (BcmException e) {
                git("reset", "-q").operands(path).capture();
                git("checkout", "-q").operands(path).capture();
                throw e;
            }
            return;
        }
        Optional<byte[]> before = BcmHome.read(file);
        try {
            Files.delete(file);
            commit("Remove " + name + " from store.", path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (BcmException e) {
            restore(file, before);
            throw e;
        }
    }

    private Path entryFile(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.length() > 200) {
            throw new BcmException(Kind.INVALID_INPUT, "bad entry name '" + name + "'",
                    "use path segments of letters, digits and . _ - @ +, e.g. bitcoin/rpc-password");
        }
        return root().resolve(name + ".gpg");
    }

    private void requireOurs(OperatorIdentity identity) {
        List<String> ids = new ArrayList<>();
        for (String line : new String(BcmHome.read(root().resolve(".gpg-id")).orElse(new byte[0]), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                ids.add(line.strip());
            }
        }
        boolean ours = ids.size() == 1 && identity.fingerprint().toUpperCase().endsWith(ids.get(0).toUpperCase().replace("0X", ""));
        if (!ours) {
            throw new BcmException(Kind.CONFLICT, "the password store " + root() + " is for " + String.join(", ", ids)
                    + ", not for the bcm identity " + identity.fingerprint(), "re-encrypt it with `pass init " + identity.fingerprint() + "`");
        }
    }

    private boolean hasCommits() {
        return git("rev-parse", "--verify", "-q", "HEAD").capture().exit() == 0;
    }

    private void commit(String message, String path) {
        git("add", "-A").operands(path).check("adding " + path + " to the store's repository");
        ExternalProgram.Result result = git("commit", "-q", "-S", "-m", message).operands(path).capture();
        if (result.exit() != 0) {
            boolean unsigned = result.stderr().contains("gpg failed to sign");
            throw new BcmException(unsigned ? Kind.DEVICE_FAILED : Kind.INTERNAL,
                    (unsigned ? "the device did not sign the commit for " : "git could not commit ") + path + ": " + result.stderr().strip(),
                    unsigned ? "connect and unlock the Trezor and confirm on it; why it failed is in " + identities.gnupgHome().resolve("bcm-gpg-agent.log")
                            : "check the store's repository with git status");
        }
    }

    private void restore(Path file, Optional<byte[]> before) {
        git("reset", "-q").operands(root().relativize(file).toString()).capture();
        if (before.isPresent()) {
            BcmHome.writeAtomically(file, before.get(), false);
        } else {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** git in the store, with bcm's GnuPG home: {@code options} are bcm's own tokens, values go to {@code operands}. */
    private ExternalProgram.Call git(String... options) {
        return ExternalProgram.GIT.with(options).environment(identities.gpgEnvironment()).in(root());
    }

    private void config(String key, String value) {
        git("config").operands(key, value).check("configuring the store's git repository");
    }
}
