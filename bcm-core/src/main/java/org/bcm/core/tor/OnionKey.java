package org.bcm.core.tor;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import org.bouncycastle.crypto.digests.SHA3Digest;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.util.encoders.Base32;

/**
 * The identity of a v3 onion service: an ed25519 key made from a 32-byte seed.
 *
 * <p>Sources: the address is Tor's rend-spec-v3 section 6 ("Encoding onion addresses"):
 * {@code base32(PUBKEY | CHECKSUM | VERSION) + ".onion"} with {@code CHECKSUM = SHA3-256(".onion checksum"
 * | PUBKEY | VERSION)[:2]} and {@code VERSION = 3}. The secret key file is the one Tor keeps in a
 * {@code HiddenServiceDir} ({@code hs_ed25519_secret_key}, written by Tor's
 * {@code ed25519_seckey_write_to_file} with the tag {@code type0}): the 32-byte header
 * {@code "== ed25519v1-secret: type0 =="} padded with NULs, then the 64-byte expanded secret key
 * (SHA-512 of the seed, the first half clamped as RFC 8032 section 5.1.5 says).
 */
public final class OnionKey {

    private static final byte VERSION = 3;
    private static final String SECRET_HEADER = "== ed25519v1-secret: type0 ==";

    private final byte[] seed;
    private final byte[] publicKey;

    /**
     * @param seed the 32-byte ed25519 seed (RFC 8032's private key)
     * @throws IllegalArgumentException when it is not 32 bytes
     */
    public OnionKey(byte[] seed) {
        if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new IllegalArgumentException("an ed25519 seed has 32 bytes, not " + seed.length);
        }
        this.seed = seed.clone();
        this.publicKey = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
    }

    /** The 32-byte ed25519 public key. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The service's address: 56 lower-case base32 characters and {@code .onion}. */
    public String address() {
        return address(publicKey);
    }

    /** The address of the v3 onion service with the ed25519 public key {@code publicKey} (32 bytes). */
    static String address(byte[] publicKey) {
        SHA3Digest sha3 = new SHA3Digest(256);
        byte[] prefix = ".onion checksum".getBytes(StandardCharsets.US_ASCII);
        sha3.update(prefix, 0, prefix.length);
        sha3.update(publicKey, 0, publicKey.length);
        sha3.update(VERSION);
        byte[] checksum = new byte[32];
        sha3.doFinal(checksum, 0);
        byte[] address = Arrays.copyOf(publicKey, 35);
        address[32] = checksum[0];
        address[33] = checksum[1];
        address[34] = VERSION;
        return Base32.toBase32String(address).toLowerCase(Locale.ROOT) + ".onion";
    }

    /** The content of Tor's {@code hs_ed25519_secret_key} file for this key (96 bytes). */
    public byte[] torSecretKeyFile() {
        byte[] expanded;
        try {
            expanded = MessageDigest.getInstance("SHA-512").digest(seed);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-512", e);
        }
        expanded[0] &= (byte) 248;
        expanded[31] &= 127;
        expanded[31] |= 64;
        byte[] file = new byte[32 + 64];
        byte[] header = SECRET_HEADER.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(header, 0, file, 0, header.length);
        System.arraycopy(expanded, 0, file, 32, 64);
        return file;
    }

    /**
     * Whether {@code address} is a well-formed v3 onion address (56 base32 characters, with or without
     * {@code .onion}, whose checksum and version are right).
     */
    public static boolean isAddress(String address) {
        String name = address.toLowerCase(Locale.ROOT).replaceFirst("\\.onion$", "");
        if (!name.matches("[a-z2-7]{56}")) {
            return false;
        }
        byte[] raw = Base32.decode(name.toUpperCase(Locale.ROOT));
        return address(Arrays.copyOf(raw, 32)).equals(name + ".onion");
    }
}
