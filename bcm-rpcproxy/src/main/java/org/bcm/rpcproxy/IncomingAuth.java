package org.bcm.rpcproxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;

/**
 * Checks clients' credentials against the {@code rpcauth} users, or the proxy's own cookie kept as one
 * more such user ({@link AuthCookie#user()}, as Core 29's src/httprpc.cpp keeps its cookie), and applies
 * {@code -rpcwhitelist}, as Core's src/httprpc.cpp does: Basic credentials split at the first {@code :} (passwords may contain
 * colons), every user entry examined with timing-resistant comparisons of the name and of the hex
 * HMAC, no early exit. Thread-safe.
 *
 * <p>Every check computes the HMAC, as Core does, but with a {@link Mac} per user and thread that is keyed
 * once (looking a Mac up and keying it cost more than the HMAC itself). The HMAC is compared as the 32
 * bytes the configured hex stands for, which is the same test as Core's comparison of the hex.
 */
final class IncomingAuth {

    private final List<RpcAuthUser> users;
    private final byte[][] expected;
    private final ThreadLocal<Mac[]> macs;
    private final Map<String, Set<String>> whitelists;
    private final boolean whitelistDefault;

    /** The configured {@code rpcauth} users only. */
    IncomingAuth(RpcProxyConfig config) {
        this(config.rpcAuth(), config);
    }

    /**
     * @param users the users to accept: the configured ones, or the cookie's; none disables authentication
     * @param config the whitelist settings
     */
    IncomingAuth(List<RpcAuthUser> users, RpcProxyConfig config) {
        this.users = List.copyOf(users);
        this.expected = new byte[users.size()][];
        for (int i = 0; i < expected.length; i++) {
            // the hex Core compares with is lower case; anything else never matched, and still does not
            String hex = users.get(i).hmac();
            expected[i] = hex.matches("[0-9a-f]{64}") ? HexFormat.of().parseHex(hex) : null;
        }
        this.macs = ThreadLocal.withInitial(() -> new Mac[users.size()]);
        this.whitelists = config.rpcWhitelist();
        this.whitelistDefault = config.rpcWhitelistDefault();
    }

    /** This thread's HMAC-SHA256 keyed with user {@code i}'s salt. */
    private Mac mac(int i) {
        Mac[] mine = macs.get();
        Mac m = mine[i];
        if (m == null) {
            m = RpcAuthUser.keyedMac(users.get(i).salt());
            mine[i] = m;
        }
        return m;
    }

    boolean disabled() {
        return users.isEmpty();
    }

    /**
     * The {@code user:password} of Basic credentials, as Core splits it: at the first {@code :}; null when
     * the header is not Basic, not base64 or has no {@code :}.
     */
    private static String[] userPassword(String authorization) {
        if (authorization == null || !authorization.startsWith("Basic ")) {
            return null;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(authorization.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        String userPass = new String(decoded, StandardCharsets.UTF_8);
        int colon = userPass.indexOf(':');
        if (colon < 0) {
            return null;
        }
        return new String[] {userPass.substring(0, colon), userPass.substring(colon + 1)};
    }

    /**
     * The user name an {@code Authorization} header claims, whether or not its password is right; null
     * when it has none. Attacker-controlled: log it only through {@link LogText#safe}.
     */
    static String claimedUser(String authorization) {
        String[] up = userPassword(authorization);
        return up == null ? null : up[0];
    }

    /** The user an {@code Authorization} header proves, or null. */
    String check(String authorization) {
        String[] up = userPassword(authorization);
        if (up == null) {
            return null;
        }
        String user = up[0];
        String password = up[1];
        byte[] passwordBytes = password.getBytes(StandardCharsets.UTF_8);
        String ok = null;
        for (int i = 0; i < expected.length; i++) {
            if (!timingResistantEqual(users.get(i).user(), user)) {
                continue;
            }
            // doFinal leaves the Mac keyed and reset for the next check
            byte[] hmac = mac(i).doFinal(passwordBytes);
            if (expected[i] != null && MessageDigest.isEqual(expected[i], hmac)) {
                ok = user;
            }
        }
        return ok;
    }

    /**
     * Whether {@code given} is the {@code Authorization} value {@code known} that already passed {@link
     * #check} on the same connection: compared in time that depends only on the length, which is the
     * length of a value this client sent itself.
     */
    static boolean sameCredentials(String known, String given) {
        if (given == null || known.length() != given.length()) {
            return false;
        }
        int acc = 0;
        for (int i = 0; i < known.length(); i++) {
            acc |= known.charAt(i) ^ given.charAt(i);
        }
        return acc == 0;
    }

    /** The user's whitelist, or null when the user has none. */
    Set<String> whitelist(String user) {
        return whitelists.get(user);
    }

    /** Core's -rpcwhitelistdefault: a user without a whitelist may call nothing. */
    boolean whitelistDefault() {
        return whitelistDefault;
    }

    /** Core src/util/strencodings.h TimingResistantEqual: time depends only on {@code a}'s length. */
    static boolean timingResistantEqual(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        if (y.length == 0) {
            return x.length == 0;
        }
        int acc = x.length ^ y.length;
        for (int i = 0; i < x.length; i++) {
            acc |= x[i] ^ y[i % y.length];
        }
        return acc == 0 && MessageDigest.isEqual(x, y);
    }
}
