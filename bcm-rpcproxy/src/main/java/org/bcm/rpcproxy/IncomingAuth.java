package org.bcm.rpcproxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks clients' credentials against the {@code rpcauth} users and applies {@code -rpcwhitelist}, as
 * Core's src/httprpc.cpp does: Basic credentials split at the first {@code :} (passwords may contain
 * colons), every user entry examined with timing-resistant comparisons of the name and of the hex
 * HMAC, no early exit. Thread-safe.
 */
final class IncomingAuth {

    private final List<RpcAuthUser> users;
    private final Map<String, Set<String>> whitelists;
    private final boolean whitelistDefault;

    IncomingAuth(RpcProxyConfig config) {
        this.users = config.rpcAuth();
        this.whitelists = config.rpcWhitelist();
        this.whitelistDefault = config.rpcWhitelistDefault();
    }

    boolean disabled() {
        return users.isEmpty();
    }

    /** The user an {@code Authorization} header proves, or null. */
    String check(String authorization) {
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
        String user = userPass.substring(0, colon);
        String password = userPass.substring(colon + 1);
        String ok = null;
        for (RpcAuthUser u : users) {
            if (!timingResistantEqual(u.user(), user)) {
                continue;
            }
            String hmac = HexFormat.of().formatHex(RpcAuthUser.hmac(u.salt(), password));
            if (timingResistantEqual(u.hmac(), hmac)) {
                ok = user;
            }
        }
        return ok;
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
