package org.bcm.core.identity.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.bcm.core.BcmException;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.home.BcmHome;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;

/**
 * The operator's ssh identities, recorded with their public keys so that listing them and starting
 * the agent need no device: {@code <bcm home>/ssh/identities} (directory mode 0700), written
 * atomically. One identity per line, {@code #} starts a comment:
 *
 * <pre>
 * URI INDEX CURVE KEY-TYPE BASE64-KEY-BLOB
 * ssh://root@lexx 0 nist256p1 ecdsa-sha2-nistp256 AAAAE2VjZHNh...
 * </pre>
 *
 * An identity and curve appear at most once; the file keeps the order in which they were recorded.
 */
public final class SshIdentities {

    private static final String HEADER = "# bcm ssh identities (bcm ssh newkey): URI INDEX CURVE KEY-TYPE BASE64-KEY-BLOB\n";

    private final Path dir;

    public SshIdentities(BcmHome home) {
        this.dir = home.sshDir();
    }

    /** {@code <bcm home>/ssh/identities}. */
    public Path file() {
        return dir.resolve("identities");
    }

    /**
     * The recorded identities, in recording order; empty when none.
     *
     * @throws BcmException INVALID_INPUT naming the line that cannot be read
     */
    public List<SshPublicKey> list() {
        Optional<byte[]> content = BcmHome.read(file());
        List<SshPublicKey> keys = new ArrayList<>();
        if (content.isEmpty()) {
            return keys;
        }
        String[] lines = new String(content.get(), StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                keys.add(parse(line, i + 1));
            }
        }
        return keys;
    }

    /** The recorded key of {@code identity} on {@code curve}, or on any curve (the first recorded) when {@code curve} is null. */
    public Optional<SshPublicKey> find(Identity identity, Curve curve) {
        return list().stream()
                .filter(k -> k.identity().equals(identity) && (curve == null || k.key().curve() == curve))
                .findFirst();
    }

    /**
     * Asks the device for the key {@code spec} names (on nist256p1 when it names no curve), records it
     * (as {@link #record}) and returns it.
     *
     * @throws BcmException as the device's key operations, or INTERNAL when the file cannot be written
     */
    public SshPublicKey create(SshKeySpec spec, DeviceKeys keys) {
        SshPublicKey key = SshPublicKey.of(keys, spec.identity(), spec.curve() == null ? Curve.NIST256P1 : spec.curve());
        record(key);
        return key;
    }

    /**
     * The recorded key {@code spec} names ({@link #find}), else the one the device gives (on nist256p1
     * when {@code spec} names no curve), which is not recorded.
     *
     * @throws BcmException as the device's key operations, when the device is asked
     */
    public SshPublicKey keyFor(SshKeySpec spec, DeviceKeys keys) {
        return find(spec.identity(), spec.curve())
                .orElseGet(() -> SshPublicKey.of(keys, spec.identity(), spec.curve() == null ? Curve.NIST256P1 : spec.curve()));
    }

    /**
     * Records {@code key}, replacing the entry of the same identity and curve.
     *
     * @throws IllegalArgumentException when the identity is not from the safe set ({@link SshPublicKey#identity})
     * @throws BcmException INTERNAL when the file cannot be written
     */
    public void record(SshPublicKey key) {
        SshPublicKey.requireSafe(key.identity());
        List<SshPublicKey> keys = new ArrayList<>(list());
        int same = -1;
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).identity().equals(key.identity()) && keys.get(i).key().curve() == key.key().curve()) {
                same = i;
            }
        }
        if (same >= 0) {
            keys.set(same, key);
        } else {
            keys.add(key);
        }
        StringBuilder out = new StringBuilder(HEADER);
        for (SshPublicKey k : keys) {
            out.append(k.identityUri()).append(' ').append(k.index()).append(' ')
                    .append(k.curveName()).append(' ').append(k.keyType()).append(' ')
                    .append(Base64.getEncoder().encodeToString(k.blob())).append('\n');
        }
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            BcmHome.writeAtomically(file(), out.toString().getBytes(StandardCharsets.UTF_8), true);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "cannot record the ssh identity in " + file() + ": " + e.getMessage(),
                    "check the permissions of " + dir, e);
        }
    }

    private SshPublicKey parse(String line, int number) {
        String[] fields = line.split("\\s+");
        try {
            if (fields.length != 5) {
                throw new IllegalArgumentException("expected 5 fields, found " + fields.length);
            }
            Identity identity = Identity.parse(fields[0], Integer.parseUnsignedInt(fields[1]));
            SshPublicKey.requireSafe(identity);
            SshPublicKey key = new SshPublicKey(identity, SshPublicKey.fromBlob(Base64.getDecoder().decode(fields[4])));
            if (key.key().curve() != Curve.fromFirmwareName(fields[2]) || !key.keyType().equals(fields[3])) {
                throw new IllegalArgumentException("the curve, key type and key disagree");
            }
            return key;
        } catch (IllegalArgumentException e) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, file() + " line " + number + ": " + e.getMessage(),
                    "delete that line; `bcm ssh newkey` records the identity again");
        }
    }
}
