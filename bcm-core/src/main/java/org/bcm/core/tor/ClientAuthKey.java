package org.bcm.core.tor;

import java.security.SecureRandom;
import java.util.Locale;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.util.encoders.Base32;

/**
 * A client's key for a v3 onion service that requires client authorization: an x25519 key pair.
 *
 * <p>Source: the "CLIENT AUTHORIZATION" section of Tor's manual ({@code tor(1)}) and rend-spec-v3
 * appendix G: the service keeps {@code <HiddenServiceDir>/authorized_clients/NAME.auth} with the line
 * {@code descriptor:x25519:<base32 public key>}; the client keeps a file {@code *.auth_private} in its
 * {@code ClientOnionAuthDir} with {@code <56-character address>:descriptor:x25519:<base32 private key>}.
 * Keys are 32 bytes, in base32 without padding (52 characters).
 */
public final class ClientAuthKey {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] privateKey;

    /**
     * @param privateKey the 32-byte x25519 private key
     * @throws IllegalArgumentException when it is not 32 bytes
     */
    public ClientAuthKey(byte[] privateKey) {
        if (privateKey.length != X25519PrivateKeyParameters.KEY_SIZE) {
            throw new IllegalArgumentException("an x25519 key has 32 bytes, not " + privateKey.length);
        }
        this.privateKey = privateKey.clone();
    }

    /** A new key pair from the system's secure random source. */
    public static ClientAuthKey generate() {
        return new ClientAuthKey(new X25519PrivateKeyParameters(RANDOM).getEncoded());
    }

    /** The 32-byte private key. */
    public byte[] privateKey() {
        return privateKey.clone();
    }

    /** The public key, base32 (52 upper-case characters). */
    public String publicKeyBase32() {
        return base32(new X25519PrivateKeyParameters(privateKey, 0).generatePublicKey().getEncoded());
    }

    /** The line of the service's {@code authorized_clients/NAME.auth} file. */
    public String authLine() {
        return "descriptor:x25519:" + publicKeyBase32();
    }

    /** The line of the client's {@code .auth_private} file for the service at {@code onionAddress}. */
    public String authPrivateLine(String onionAddress) {
        return onionAddress.replaceFirst("\\.onion$", "") + ":descriptor:x25519:" + base32(privateKey);
    }

    /** Whether {@code line} is a well-formed {@code .auth} line (what Tor accepts in {@code authorized_clients}). */
    public static boolean isAuthLine(String line) {
        return line.strip().matches("descriptor:x25519:[A-Za-z2-7]{52}");
    }

    /**
     * The x25519 public key (base32, upper case) of a client's {@code .auth} file, as a client that made
     * its own key pair hands it over: one line {@code descriptor:x25519:<52 base32 characters>}, blank
     * lines and {@code #} comments aside.
     *
     * @throws IllegalArgumentException saying what is wrong with the text
     */
    public static String publicKeyOfAuthFile(String text) {
        java.util.List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        if (lines.size() != 1) {
            throw new IllegalArgumentException("it has " + lines.size() + " lines of content, not one line descriptor:x25519:KEY");
        }
        if (!isAuthLine(lines.get(0))) {
            throw new IllegalArgumentException("its line is not descriptor:x25519: followed by a base32 x25519 key of 52 characters");
        }
        return lines.get(0).substring("descriptor:x25519:".length()).toUpperCase(Locale.ROOT);
    }

    private static String base32(byte[] key) {
        return Base32.toBase32String(key).replace("=", "").toUpperCase(Locale.ROOT);
    }
}
