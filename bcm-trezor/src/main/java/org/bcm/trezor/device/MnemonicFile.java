package org.bcm.trezor.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The development device's mnemonic on disk: one line of BIP-39 words in a file of mode 0600 (in a
 * directory of mode 0700 when bcm creates it). A file others can read is refused, as ssh refuses
 * such a private key.
 */
public final class MnemonicFile {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private MnemonicFile() {
    }

    /**
     * Reads the mnemonic in {@code file}.
     *
     * @throws IOException when it cannot be read, is readable by others, or is not a valid BIP-39 mnemonic
     *                     (the message says which)
     */
    public static String read(Path file) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(mode)) {
            throw new IOException(file + " has mode " + PosixFilePermissions.toString(mode)
                    + ": a mnemonic file must be readable by its owner only (chmod 600 " + file + ")");
        }
        String mnemonic = String.join(" ", Files.readString(file, StandardCharsets.UTF_8).strip().split("\\s+"));
        try {
            Bip39.check(mnemonic);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " does not hold a valid BIP-39 mnemonic: " + e.getMessage());
        }
        return mnemonic;
    }

    /**
     * Reads {@code file}, or creates it first with a new random 24-word mnemonic.
     *
     * @return the mnemonic
     * @throws IOException as {@link #read}, or when the file cannot be written
     */
    public static String readOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return read(file);
        }
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String mnemonic = Bip39.generate(new SecureRandom(), 24);
        Path temp = Files.createTempFile(dir, ".mnemonic", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.writeString(temp, mnemonic + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file);
            }
        } catch (FileAlreadyExistsException e) {
            return read(file);
        } finally {
            Files.deleteIfExists(temp);
        }
        return mnemonic;
    }
}
