package org.bcm.core.bitcoin;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bitcoin Core's {@code rpcauth=<user>:<salt>$<hmac>} lines, as Core's {@code share/rpcauth/rpcauth.py}
 * makes them: the salt is 16 random bytes as 32 hex digits, the HMAC is HMAC-SHA256 keyed with the
 * salt's text (its UTF-8 bytes, not the bytes it stands for) over the password, as hex; Core checks a
 * credential the same way (src/httprpc.cpp {@code CheckUserAuthorized}).
 */
public final class RpcAuth {

    private static final SecureRandom RANDOM = new SecureRandom();

    private RpcAuth() {
    }

    /** The value of an {@code rpcauth=} option for {@code user} with {@code password} and a new random salt. */
    public static String value(String user, String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return value(user, password, HexFormat.of().formatHex(salt));
    }

    /** {@link #value(String, String)} with a given salt (tests). */
    static String value(String user, String password, String salt) {
        if (user.isEmpty() || user.contains(":")) {
            throw new IllegalArgumentException("an rpcauth user is not empty and has no ':'");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return user + ":" + salt + "$" + HexFormat.of().formatHex(mac.doFinal(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("this JVM has no HMAC-SHA256", e);
        }
    }
}
