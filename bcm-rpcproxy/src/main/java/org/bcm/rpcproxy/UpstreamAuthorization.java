package org.bcm.rpcproxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code Authorization} header the proxy sends to bitcoind. With a cookie file it is re-read when
 * the file's mtime changes (checked at most once a second) and at once when bitcoind answers 401, since
 * bitcoind writes a new cookie at every start (Core src/rpc/request.cpp GenerateAuthCookie). The cookie
 * is {@code __cookie__:<64 hex>}; its first line is used, split at the first colon by bitcoind itself.
 * Credentials are never logged. Thread-safe.
 */
final class UpstreamAuthorization {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamAuthorization.class);
    private static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;

    private final UpstreamCredentials credentials;
    private volatile String header;
    private volatile String problem;
    private FileTime mtime;
    private long lastCheck;

    UpstreamAuthorization(UpstreamCredentials credentials) {
        this.credentials = credentials;
        if (credentials instanceof UpstreamCredentials.Password p) {
            header = basic(p.user() + ":" + p.password());
        } else {
            synchronized (this) {
                load(true);
            }
        }
    }

    /** The header value, or null when the cookie cannot be read now (see {@link #problem()}). */
    String header() {
        if (credentials instanceof UpstreamCredentials.Cookie) {
            long now = System.nanoTime();
            if (now - lastCheck > CHECK_INTERVAL_NANOS) {
                synchronized (this) {
                    if (now - lastCheck > CHECK_INTERVAL_NANOS) {
                        load(false);
                    }
                }
            }
        }
        return header;
    }

    /** Why {@link #header()} is null: the cookie file could not be read. */
    String problem() {
        return problem;
    }

    /**
     * After a 401: re-reads the cookie now.
     *
     * @return true when the credentials changed (worth one retry)
     */
    synchronized boolean reloadAfterUnauthorized() {
        if (!(credentials instanceof UpstreamCredentials.Cookie)) {
            return false;
        }
        String before = header;
        load(true);
        return header != null && !header.equals(before);
    }

    private void load(boolean force) {
        lastCheck = System.nanoTime();
        Path file = ((UpstreamCredentials.Cookie) credentials).file();
        try {
            FileTime t = Files.getLastModifiedTime(file);
            if (!force && t.equals(mtime) && header != null) {
                return;
            }
            String content = Files.readString(file, StandardCharsets.UTF_8);
            int nl = content.indexOf('\n');
            String line = (nl >= 0 ? content.substring(0, nl) : content).strip();
            if (line.indexOf(':') < 0) {
                fail("cookie file " + file + " is not <user>:<password>");
                return;
            }
            String next = basic(line);
            if (header != null && !next.equals(header)) {
                LOG.info("bitcoind cookie {} changed; using the new credentials", file);
            }
            header = next;
            mtime = t;
            problem = null;
        } catch (IOException e) {
            fail("cannot read the cookie file " + file + " (" + e.getClass().getSimpleName() + "): is bitcoind running, "
                    + "and is the file readable by this user?");
        }
    }

    private void fail(String why) {
        if (!why.equals(problem)) {
            LOG.warn("{}", why);
        }
        problem = why;
        header = null;
        mtime = null;
    }

    private static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }
}
