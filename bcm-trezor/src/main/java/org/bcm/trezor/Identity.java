package org.bcm.trezor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SLIP-0013 identity: what SignIdentity signs for and GetECDHSessionKey agrees keys for, e.g.
 * {@code ssh://root@lexx:2222} or {@code gpg://Satoshi <s@example.net>}. The device derives its key
 * from the identity's URI and index alone (SLIP-0013 for signing, SLIP-0017 for ECDH), so the same
 * identity always yields the same key on the same seed.
 *
 * <p>For {@code gpg} the whole user id after {@code gpg://} is the host, as trezor-agent sends it.
 *
 * @param proto protocol, e.g. {@code ssh}, {@code gpg}, {@code https}; may be null
 * @param user  user name, or null
 * @param host  host (for {@code gpg}: the OpenPGP user id); never null
 * @param port  port as text, or null
 * @param path  path starting with {@code /}, or null
 * @param index SLIP-0013 index, 0 unless several keys are wanted for one URI (an unsigned 32-bit value)
 */
public record Identity(String proto, String user, String host, String port, String path, int index) {

    private static final Pattern URI = Pattern.compile(
            "(?:(?<proto>[A-Za-z][A-Za-z0-9+.-]*)://)?(?:(?<user>[^@/]*)@)?(?<host>[^:/@]+)(?::(?<port>[0-9]{1,5}))?(?<path>/.*)?");

    public Identity {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("an identity needs a host");
        }
    }

    /**
     * Parses {@code [proto://][user@]host[:port][/path]}; {@code gpg://anything} keeps the rest as host.
     *
     * @param index the SLIP-0013 index
     * @throws IllegalArgumentException when the text is no such URI
     */
    public static Identity parse(String text, int index) {
        if (text.startsWith("gpg://") && text.length() > "gpg://".length()) {
            return new Identity("gpg", null, text.substring("gpg://".length()), null, null, index);
        }
        Matcher m = URI.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad identity '" + text + "': expected [proto://][user@]host[:port][/path], e.g. ssh://user@host");
        }
        return new Identity(m.group("proto"), m.group("user"), m.group("host"), m.group("port"), m.group("path"), index);
    }

    /** {@link #parse(String, int)} with index 0. */
    public static Identity parse(String text) {
        return parse(text, 0);
    }

    /**
     * The SLIP-0013 URI: {@code [proto "://"] [user "@"] host [":" port] [path]}; absent and empty
     * parts are left out, as the firmware leaves them out.
     */
    public String uri() {
        StringBuilder out = new StringBuilder();
        if (present(proto)) {
            out.append(proto).append("://");
        }
        if (present(user)) {
            out.append(user).append('@');
        }
        out.append(host);
        if (present(port)) {
            out.append(':').append(port);
        }
        if (present(path)) {
            out.append(path);
        }
        return out.toString();
    }

    private static boolean present(String part) {
        return part != null && !part.isEmpty();
    }

    /** SLIP-0013: the derivation path of this identity's signing key, {@code 13'/a'/b'/c'/d'}. */
    public DerivationPath signPath() {
        return path(13);
    }

    /** SLIP-0017: the derivation path of this identity's ECDH key, {@code 17'/a'/b'/c'/d'}. */
    public DerivationPath ecdhPath() {
        return path(17);
    }

    /**
     * {@code purpose' / LE32(h[0..4])' / LE32(h[4..8])' / LE32(h[8..12])' / LE32(h[12..16])'} where
     * {@code h = SHA-256(LE32(index) || uri)} (SLIP-0013, "HD structure").
     */
    private DerivationPath path(int purpose) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        sha256.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(index).array());
        ByteBuffer h = ByteBuffer.wrap(sha256.digest(uri().getBytes(StandardCharsets.UTF_8))).order(ByteOrder.LITTLE_ENDIAN);
        return DerivationPath.of(DerivationPath.HARDENED | purpose,
                h.getInt(0) | DerivationPath.HARDENED, h.getInt(4) | DerivationPath.HARDENED,
                h.getInt(8) | DerivationPath.HARDENED, h.getInt(12) | DerivationPath.HARDENED);
    }

    /** The URI, with {@code #index} when the index is not 0. */
    @Override
    public String toString() {
        return index == 0 ? uri() : uri() + "#" + Integer.toUnsignedString(index);
    }
}
