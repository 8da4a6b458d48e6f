package org.bcm.core.project;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.Sha256;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.identity.OperatorIdentity;
import org.bcm.core.identity.PasswordStore;

/**
 * The secrets of projects: the ones bcm generates ({@code x-bcm-generate}) and the ones a stack
 * takes from a file, each with the suffix of its swarm name.
 *
 * <p>Where a generated secret's value is kept:
 * <ul>
 *   <li>once the operator has an identity ({@code bcm init}): in the password store, as the entry
 *       {@code bcm/projects/PROJECT/STACK/SECRET}, encrypted to the identity's certificate (its key on the
 *       Trezor) and committed with a signature of the device; a deploy that needs the value (to create
 *       the swarm secret, or the registry's credentials) decrypts it through the device. A value found
 *       as a plain file from before {@code bcm init} is moved into the store the next time it is used.</li>
 *   <li>without an identity: {@code projects/PROJECT/secrets/STACK/SECRET}, mode 0600 in a 0700
 *       directory ({@code bcm info} says so).</li>
 * </ul>
 *
 * <p>The suffixes are in {@code projects/PROJECT/secrets.yml} ({@code STACK/SECRET: {suffix, sha256}},
 * {@code sha256} only for file secrets, whose content the operator may edit: new content, new suffix).
 * A suffix is 8 random hex digits, chosen when a value is generated or a file's content changes, so a
 * swarm secret's name ({@code STACK_SECRET-SUFFIX}) tells nothing about the value, and a value generated
 * anew never meets a stale swarm secret of the same name.
 */
public final class ProjectSecrets {

    private static final String STATE_FILE = "secrets.yml";
    private static final String STORE_PREFIX = "bcm/projects/";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final BcmHome home;
    private final IdentityService identities;
    private final Supplier<DeviceKeys> device;

    /**
     * @param device the Trezor, asked for only when a value must be decrypted
     */
    public ProjectSecrets(BcmHome home, IdentityService identities, Supplier<DeviceKeys> device) {
        this.home = home;
        this.identities = identities;
        this.device = device;
    }

    /**
     * A secret's swarm-name suffix and its value, the value read (and decrypted) only when asked for,
     * at most once.
     */
    public record Secret(String suffix, Supplier<byte[]> value) {
    }

    /** The state of one secret in {@code secrets.yml}. */
    record State(String suffix, String sha256) {
    }

    /**
     * The generated secret {@code stack/secret} of {@code project}: {@code bytes} random bytes as
     * lower-case hex, generated and stored the first time.
     *
     * @throws BcmException INTERNAL when it cannot be stored; a device error kind when the device must
     *     sign the store's commit and cannot
     */
    public Secret generated(String project, String stack, String secret, int bytes) {
        return generated(project, stack, secret, () -> {
            byte[] random = new byte[bytes];
            RANDOM.nextBytes(random);
            return HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
        });
    }

    /**
     * The generated secret {@code stack/secret} of {@code project}: what {@code generator} makes, made
     * and stored the first time (a TLS key, a certificate that must not change once clients saw it).
     *
     * @throws BcmException as {@link #generated(String, String, String, int)}
     */
    public Secret generated(String project, String stack, String secret, Supplier<byte[]> generator) {
        Map<String, State> states = stateFile(project).read();
        String key = stack + "/" + secret;
        State state = states.get(key);
        Optional<OperatorIdentity> identity = identities.load();
        String entry = STORE_PREFIX + project + "/" + key;
        Path file = plainFile(project, stack, secret);
        boolean stored = identity.isPresent() ? store().has(entry) || Files.exists(file) : Files.exists(file);
        if (!stored) {
            byte[] value = generator.get();
            if (identity.isPresent()) {
                store().insert(entry, value);
            } else {
                writePlain(file, value);
            }
            state = null; // a new value gets a new name: no stale swarm secret matches it
        }
        if (state == null) {
            // also a stored value whose state was lost (secrets.yml deleted): kept, under a new name
            state = new State(newSuffix(), null);
            states.put(key, state);
            stateFile(project).write(states);
        }
        if (stored && identity.isPresent() && Files.exists(file)) {
            // generated before `bcm init`: into the store, encrypted, and the plain file is gone
            store().insert(entry, BcmHome.read(file).orElseThrow());
            BcmHome.deleteTree(file);
        }
        return new Secret(state.suffix(), memoized(() -> identity.isPresent() ? store().get(entry) : BcmHome.read(file).orElseThrow(
                () -> new BcmException(Kind.NOT_FOUND, "the secret " + file + " is missing", "run the command again: it generates a new one"))));
    }

    /**
     * The value of a generated secret as it is kept: the plain file (before {@code bcm init}), else the
     * password store's entry, decrypted through the device. Changes nothing.
     *
     * @return empty when it was never generated
     * @throws BcmException a device error kind when the device does not decrypt the entry
     */
    public Optional<byte[]> existing(String project, String stack, String secret) {
        Path file = plainFile(project, stack, secret);
        if (Files.exists(file)) {
            return BcmHome.read(file);
        }
        String entry = STORE_PREFIX + project + "/" + stack + "/" + secret;
        return identities.load().isPresent() && store().has(entry) ? Optional.of(store().get(entry)) : Optional.empty();
    }

    /**
     * A secret a stack takes from {@code file}: its suffix changes when the content does.
     *
     * @throws BcmException INVALID_INPUT when the file cannot be read
     */
    public Secret fromFile(String project, String stack, String secret, Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BcmException(Kind.INVALID_INPUT, "Stack " + stack + ": cannot read the secret " + secret + " from " + file
                    + ": " + e.getMessage(), "fix the stack's secrets section, or create the file");
        }
        String sha256 = Sha256.hex(content);
        Map<String, State> states = stateFile(project).read();
        String key = stack + "/" + secret;
        State state = states.get(key);
        if (state == null || !sha256.equals(state.sha256())) {
            state = new State(newSuffix(), sha256);
            states.put(key, state);
            stateFile(project).write(states);
        }
        return new Secret(state.suffix(), () -> content);
    }

    /**
     * Deletes the generated secret {@code stack/secret} of {@code project} (a revoked key): its password
     * store entry (a signed commit) or plain file, and its state. Nothing happens when there is none.
     */
    public void forget(String project, String stack, String secret) {
        String key = stack + "/" + secret;
        String entry = STORE_PREFIX + project + "/" + key;
        if (identities.load().isPresent() && store().has(entry)) {
            store().remove(entry);
        }
        BcmHome.deleteTree(plainFile(project, stack, secret));
        Map<String, State> states = stateFile(project).read();
        if (states.remove(key) != null) {
            stateFile(project).write(states);
        }
    }

    /**
     * Deletes every secret of {@code project}: its entries in the password store (one signed commit),
     * its plain files and its state.
     */
    public void delete(String project) {
        if (identities.load().isPresent() && store().has(STORE_PREFIX + project)) {
            store().remove(STORE_PREFIX + project);
        }
        BcmHome.deleteTree(home.projectDir(project).resolve("secrets"));
        BcmHome.deleteTree(home.projectDir(project).resolve(STATE_FILE));
    }

    /** Where generated secrets are kept, for {@code bcm info}. */
    public String describeStorage() {
        return identities.load()
                .map(identity -> "encrypted to " + identity.fingerprint() + " in the password store (" + STORE_PREFIX + "PROJECT/...)")
                .orElse("plain files of mode 0600 in " + home.projectsDir() + "/PROJECT/secrets (no identity: `bcm init` encrypts them to it)");
    }

    // ---------------------------------------------------------------- plumbing

    private PasswordStore store() {
        return new PasswordStore(identities, device.get());
    }

    private Path plainFile(String project, String stack, String secret) {
        return home.projectDir(project).resolve("secrets").resolve(stack).resolve(secret);
    }

    private static void writePlain(Path file, byte[] value) {
        try {
            Path dir = file.getParent();
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed creating " + file.getParent() + ": " + e.getMessage(), null, e);
        }
        BcmHome.writeAtomically(file, value, true);
    }

    private StateFile<State> stateFile(String project) {
        return new StateFile<>(home.projectDir(project).resolve(STATE_FILE), State.class,
                "delete it: the next deploy keeps every secret's value under a new suffix");
    }

    private static String newSuffix() {
        byte[] random = new byte[4];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** {@code supplier}, asked at most once. */
    static <T> Supplier<T> memoized(Supplier<T> supplier) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value;
            }
        };
    }
}
