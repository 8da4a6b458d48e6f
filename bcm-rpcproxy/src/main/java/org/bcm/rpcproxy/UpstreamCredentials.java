package org.bcm.rpcproxy;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How the proxy authenticates to bitcoind: a fixed user and password, or Core's cookie file ({@code
 * __cookie__:<64 hex>}, rewritten at every bitcoind start and reloaded by the proxy when its mtime
 * changes or bitcoind answers 401).
 */
public sealed interface UpstreamCredentials {

    /**
     * {@code -rpcuser}/{@code -rpcpassword} or an rpcauth user of bitcoind. {@link #toString()} hides
     * the password.
     */
    record Password(String user, String password) implements UpstreamCredentials {
        public Password {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Password[user=" + user + ", password=<redacted>]";
        }
    }

    /** Core's cookie file, for example {@code ~/.bitcoin/regtest/.cookie}. */
    record Cookie(Path file) implements UpstreamCredentials {
        public Cookie {
            Objects.requireNonNull(file, "file");
        }
    }

    /** What the logs may say about the credentials (never the password). */
    default String describe() {
        if (this instanceof Password p) {
            return "user " + p.user();
        }
        return "cookie " + ((Cookie) this).file();
    }
}
