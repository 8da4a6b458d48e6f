package org.bcm.rpcproxy;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One incoming user in Core's {@code rpcauth} form: {@code <user>:<salt>$<hmac>} where {@code hmac}
 * is the hex HMAC-SHA256 of the password keyed with the salt (Core share/rpcauth/rpcauth.py,
 * src/httprpc.cpp). The proxy never stores a password.
 *
 * @param user the user name (no {@code :})
 * @param salt the salt as written (its ASCII bytes are the HMAC key)
 * @param hmac 64 lower-case hex characters
 */
public record RpcAuthUser(String user, String salt, String hmac) {

    private static final SecureRandom RANDOM = new SecureRandom();

    public RpcAuthUser {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(hmac, "hmac");
    }

    /**
     * Parses an {@code rpcauth} value as Core 28 does: exactly one {@code :} and one {@code $} after it.
     *
     * @throws IllegalArgumentException naming what is wrong (the HMAC itself is never repeated)
     */
    public static RpcAuthUser parse(String value) {
        String[] fields = value.split(":", -1);
        if (fields.length != 2) {
            throw new IllegalArgumentException("rpcauth must be <user>:<salt>$<hmac> with exactly one ':'");
        }
        String[] saltHmac = fields[1].split("\\$", -1);
        if (saltHmac.length != 2) {
            throw new IllegalArgumentException("rpcauth for user '" + fields[0] + "' must be <user>:<salt>$<hmac> with exactly one '$'");
        }
        if (fields[0].isEmpty()) {
            throw new IllegalArgumentException("rpcauth has an empty user name");
        }
        if (!saltHmac[1].matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("rpcauth for user '" + fields[0] + "': the HMAC must be 64 hex characters");
        }
        return new RpcAuthUser(fields[0], saltHmac[0], saltHmac[1].toLowerCase(java.util.Locale.ROOT));
    }

    /** A new user with a random 16-byte hex salt, as Core's share/rpcauth/rpcauth.py makes one. */
    public static RpcAuthUser create(String user, String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        String s = HexFormat.of().formatHex(salt);
        return new RpcAuthUser(user, s, HexFormat.of().formatHex(hmac(s, password)));
    }

    /** The {@code rpcauth} value: {@code user:salt$hmac}. */
    public String value() {
        return user + ":" + salt + "$" + hmac;
    }

    /** HMAC-SHA256(key = salt, message = password). */
    static byte[] hmac(String salt, String password) {
        return keyedMac(salt).doFinal(password.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An HMAC-SHA256 keyed with {@code salt}'s UTF-8 bytes. An empty salt, which Core accepts, becomes the
     * key of one zero byte: HMAC pads a key with zeros to its block size (RFC 2104), so the two are the
     * same key, and {@link SecretKeySpec} refuses an empty one.
     */
    static Mac keyedMac(String salt) {
        byte[] key = salt.isEmpty() ? new byte[1] : salt.getBytes(StandardCharsets.UTF_8);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
