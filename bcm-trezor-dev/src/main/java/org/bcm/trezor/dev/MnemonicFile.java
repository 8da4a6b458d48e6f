package org.bcm.trezor.dev;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The development device's mnemonic on disk: one line of BIP-39 words in a file of mode 0600 (in a
 * directory of mode 0700 when bcm creates it). A file others can read is refused, as ssh refuses
 * such a private key. This class reads, checks and makes the content; creating the file is bcm-core's
 * ({@code DeviceService}), which writes it durably and never over a file that exists.
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

    /** A new random BIP-39 mnemonic of 24 words (256 bits from {@link SecureRandom}), for a new mnemonic file. */
    public static String generate() {
        return Bip39.generate(new SecureRandom(), 24);
    }

    /**
     * Writes {@code mnemonic} as a mnemonic file holds it: the words on one line. Creating the file
     * (mode 0600, never over an existing one, durably) is the caller's part.
     *
     * @throws IllegalArgumentException when {@code mnemonic} is not a valid BIP-39 mnemonic
     */
    public static void write(OutputStream out, String mnemonic) throws IOException {
        Bip39.check(mnemonic);
        out.write((mnemonic + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
