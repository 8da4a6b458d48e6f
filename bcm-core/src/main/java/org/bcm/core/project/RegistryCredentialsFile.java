package org.bcm.core.project;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * The htpasswd file of the cluster registry: one line {@code USER:HASH}, the hash a bcrypt of the
 * password ({@code $2y$}, cost 10), the only format the registry's htpasswd backend accepts
 * (distribution {@code registry/auth/htpasswd}; the entries {@code htpasswd -B} writes). BouncyCastle's
 * {@link OpenBSDBCrypt} computes it; the salt is random.
 */
final class RegistryCredentialsFile {

    /** The user bcm pushes and the swarm pulls as. */
    static final String USER = "bcm";
    private static final int COST = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private RegistryCredentialsFile() {
    }

    /**
     * {@code USER:$2y$10$...\n} for {@code password}.
     *
     * @param password at most 72 bytes (bcrypt's limit): bcm's are 64 hex digits
     */
    static byte[] htpasswd(String password) {
        return (USER + ":" + bcrypt(password) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code $2y$10$...}: a bcrypt of {@code password} with a random salt, as htpasswd files and
     * Prometheus's web configuration ({@code basic_auth_users}) take it.
     *
     * @param password at most 72 bytes (bcrypt's limit): bcm's are 64 hex digits
     */
    static String bcrypt(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        char[] chars = password.toCharArray();
        try {
            return OpenBSDBCrypt.generate("2y", chars, salt, COST);
        } finally {
            java.util.Arrays.fill(chars, '\0');
        }
    }
}
