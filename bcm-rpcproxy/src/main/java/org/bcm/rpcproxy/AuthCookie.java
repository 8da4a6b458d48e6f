package org.bcm.rpcproxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's own RPC cookie, for running without {@code rpcauth} users: clients authenticate as Bitcoin
 * Core's clients do with its {@code .cookie}, by reading a file that only the proxy's user can read.
 *
 * <p>As Core's src/rpc/request.cpp ({@code GenerateAuthCookie}, {@code DeleteAuthCookie}): 32 random
 * bytes as 64 lower-case hex characters, content {@code __cookie__:<hex>} without a newline, written to
 * {@code <file>.tmp} and renamed over {@code <file>}, owner-only (0600, which Core gets from its umask
 * 077), removed when the proxy stops ({@link #close()}). A missing directory is created 0700 ({@link
 * PrivateDirectory}). As Core's src/httprpc.cpp ({@code InitRPCAuthentication}, since Core 29), the
 * password is kept only as an {@code rpcauth} entry: its HMAC-SHA256 under a random 16-byte hex salt
 * ({@link #user()}), checked like any other user, so clients send HTTP Basic {@code __cookie__:<hex>}
 * and the comparison is the users' timing-resistant one.
 *
 * <p>Thread-safe.
 */
final class AuthCookie implements AutoCloseable {

    /** Core's user name for the cookie (src/rpc/request.cpp COOKIEAUTH_USER). */
    static final String USER = "__cookie__";
    /** Core's cookie size: 32 random bytes (src/rpc/request.cpp COOKIE_SIZE). */
    static final int RANDOM_BYTES = 32;
    static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");

    private static final Logger LOG = LoggerFactory.getLogger(AuthCookie.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final RpcAuthUser user;
    /** The file's content until it is written; null afterwards. */
    private String content;
    /** The written file's identity (inode), so that {@link #close()} removes only the file it wrote. */
    private Object writtenKey;
    private boolean written;

    private AuthCookie(Path file, String password) {
        this.file = file;
        this.content = USER + ":" + password;
        this.user = RpcAuthUser.create(USER, password);
    }

    /** A new random cookie for {@code file}, not yet written. */
    static AuthCookie generate(Path file) {
        Objects.requireNonNull(file, "file");
        byte[] random = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(random);
        return new AuthCookie(file.toAbsolutePath(), HexFormat.of().formatHex(random));
    }

    /** The cookie file. */
    Path file() {
        return file;
    }

    /** The cookie as an {@code rpcauth} user {@code __cookie__} (salted HMAC; the password itself is not kept). */
    RpcAuthUser user() {
        return user;
    }

    /**
     * Writes the cookie file: {@code <file>.tmp} created owner-only (never readable by others, not even
     * for a moment), written, synced, then renamed over {@code <file>}. A stale {@code .tmp} of an earlier
     * run is removed first; a symbolic link in its place is removed, never followed.
     *
     * @throws RpcProxyException COOKIE_UNWRITABLE naming the file and the reason
     */
    synchronized void write() {
        if (written) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            PrivateDirectory.create(file.getParent());
            boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
            Files.deleteIfExists(tmp);
            Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            FileAttribute<?>[] mode = posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
                    : new FileAttribute<?>[0];
            try (FileChannel ch = FileChannel.open(tmp, options, mode)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                ch.force(true);
            }
            if (posix) {
                Files.setPosixFilePermissions(tmp, OWNER_READ_WRITE); // exactly 0600, whatever the umask
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            writtenKey = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            written = true;
            content = null;
        } catch (IOException | UnsupportedOperationException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the first error is the one to report
            }
            throw new RpcProxyException(RpcProxyException.Reason.COOKIE_UNWRITABLE,
                    "cannot write the cookie file " + file + " (rpccookiefile): " + e.getClass().getSimpleName() + " " + e.getMessage()
                            + " (set rpccookiefile to a file in a directory the proxy may write, or add rpcauth users)", e);
        }
        LOG.info("generated the RPC authentication cookie {}: without rpcauth users, clients authenticate with it "
                + "(user {}, as with bitcoind's .cookie)", file, USER);
    }

    /**
     * Removes the cookie file, as Core does when it stops, unless it is no longer the file this cookie
     * wrote (another process wrote its own there meanwhile). Idempotent; failures are logged.
     */
    @Override
    public synchronized void close() {
        if (!written) {
            return;
        }
        written = false;
        try {
            Object key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (key == null || key.equals(writtenKey)) {
                Files.deleteIfExists(file);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.warn("cannot remove the cookie file {}: {}", file, e.getMessage());
        }
    }
}
