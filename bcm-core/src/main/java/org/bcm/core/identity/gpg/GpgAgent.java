package org.bcm.core.identity.gpg;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.UnixSocketServer;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.PeerKey;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.Signature;
import org.bcm.trezor.SignedIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gpg-agent whose secret keys stay on the Trezor: it speaks the Assuan protocol gpg 2.2 speaks to
 * its agent (gnupg {@code agent/command.c}) on an AF_UNIX socket, offers the {@link AgentKey}s it was
 * given by keygrip, and has the device sign (SignIdentity, proto {@code gpg}) and agree keys
 * (GetECDHSessionKey) for them.
 *
 * <p>Commands (case-insensitive; empty lines and {@code #} comments are ignored; the greeting is
 * {@code OK Pleased to meet you, process PID}):
 * <ul>
 * <li>{@code NOP}, {@code OPTION name[=value]} (any option is accepted), {@code RESET} (forgets
 *     the key, hash and description), {@code BYE}, {@code RELOADAGENT}, {@code UPDATESTARTUPTTY} -> OK.</li>
 * <li>{@code GETINFO version|pid|socket_name} -> one D line; {@code GETINFO cmd_has_option CMD OPT}
 *     -> OK or {@code ERR 67109120 False}; {@code GETINFO restricted} -> False; other -> IPC parameter error.</li>
 * <li>{@code HAVEKEY GRIP...} -> OK when one of them is ours, else {@code ERR 67108881 No secret key};
 *     {@code HAVEKEY --list[=N]} -> the binary keygrips in D lines (the gpg 2.4 form).</li>
 * <li>{@code KEYINFO [--data] GRIP} / {@code KEYINFO --list} -> {@code S KEYINFO GRIP D - - - P - - -}
 *     (grip, type D = a regular key, serial number, id string, cached, protection P, ssh fingerprint,
 *     TTL, flags); an unknown grip -> {@code ERR 67108891 Not found}.</li>
 * <li>{@code SIGKEY GRIP}, {@code SETKEY GRIP}; {@code SETKEYDESC text} (accepted, not shown:
 *     the device shows its own confirmation).</li>
 * <li>{@code SETHASH ALGO HEX} or {@code SETHASH --hash=NAME HEX}: libgcrypt algorithm numbers
 *     MD5 1, SHA1 2, RIPEMD160 3, SHA256 8, SHA384 9, SHA512 10, SHA224 11; 16 to 64 bytes.</li>
 * <li>{@code PKSIGN} -> {@code D (7:sig-val(5:ecdsa(1:r32:R)(1:s32:S)))} for ECDSA on NIST P-256
 *     (the device signs the digest cut to its leftmost 32 bytes, or zero-padded on the left to 32 bytes,
 *     which is the same number as ECDSA takes it), or {@code (7:sig-val(5:eddsa(1:r32:R)(1:s32:S)))}
 *     for Ed25519 (the device signs the digest as the message, as gpg-agent does).</li>
 * <li>{@code PKDECRYPT} -> {@code S INQUIRE_MAXLEN 4096}, {@code INQUIRE CIPHERTEXT}; the client's
 *     {@code (7:enc-val(4:ecdh(1:s..)(1:e..)))} (flags tolerated) -> the device's shared point for the
 *     ephemeral key {@code e} as {@code D (5:value65:04||X||Y)} on NIST P-256 or
 *     {@code D (5:value33:40||X)} on Curve25519, the forms gpg-agent answers with.</li>
 * <li>{@code READKEY GRIP} -> {@code (10:public-key(3:ecc(5:curve..)[(5:flags..)](1:q..)))}.</li>
 * <li>{@code KILLAGENT} -> {@code OK closing connection}, then the agent stops (what
 *     {@code gpgconf --kill gpg-agent} sends).</li>
 * <li>{@code SCD ...} -> {@code ERR 67108983 No SmartCard daemon}; passphrase, key generation,
 *     import/export and trust-list commands -> {@code ERR 67108924 Not supported}; anything else ->
 *     {@code ERR 67109139 Unknown IPC command}.</li>
 * </ul>
 * A refusal on the device answers {@code ERR 83886179 Operation cancelled <Pinentry>}, any other
 * device failure {@code ERR 67108865 General error <GPG Agent> - <what failed>}; each is logged as
 * one WARN line (SLF4J) and the agent keeps serving. Before answering, the agent checks that the
 * device used the key the certificate names (another seed or passphrase gives another key).
 * Neither key material, digests nor session keys are logged.
 *
 * <p>A line longer than {@value AssuanChannel#MAX_LINE} bytes is answered with {@code ERR 67109127
 * Line passed to IPC too long} and ends that connection. Several clients are served at once (a thread
 * per connection); device requests are made one at a time. The socket file has mode 0600 in a
 * directory that must not be open to other users; {@link #close()} removes it (the socket's life is
 * {@link UnixSocketServer}'s).
 */
public final class GpgAgent implements AutoCloseable {

    /** The largest ciphertext PKDECRYPT takes, in bytes (gpg-agent's {@code MAXLEN_CIPHERTEXT}). */
    public static final int MAX_CIPHERTEXT = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(GpgAgent.class);
    private static final UnixSocketServer.Naming NAMING = new UnixSocketServer.Naming("gpg-agent", "a",
            path -> "stop it first: gpgconf --homedir GNUPGHOME --kill gpg-agent", "GNUPGHOME");
    private static final Map<String, Integer> HASHES = Map.of(
            "md5", 1, "sha1", 2, "rmd160", 3, "sha256", 8, "sha384", 9, "sha512", 10, "sha224", 11);
    private static final Set<Integer> DIGEST_LENGTHS = Set.of(16, 20, 24, 28, 32, 48, 64);
    private static final Set<String> OPTIONS = Set.of("HAVEKEY list", "KEYINFO list", "KEYINFO data", "READKEY no-data");
    private static final Set<String> UNSUPPORTED = Set.of("PASSWD", "GET_PASSPHRASE", "PRESET_PASSPHRASE", "CLEAR_PASSPHRASE",
            "GENKEY", "IMPORT_KEY", "EXPORT_KEY", "DELETE_KEY", "KEYWRAP_KEY", "KEYTOCARD", "LEARN", "GET_CONFIRMATION",
            "ISTRUSTED", "LISTTRUSTED", "MARKTRUSTED", "GETVAL", "PUTVAL", "GETEVENTCOUNTER", "PKAUTH", "KEYATTR", "GET_SECRET");

    private final List<AgentKey> keys;
    private final DeviceKeys device;
    private final String version;
    private final UnixSocketServer server;

    private GpgAgent(List<AgentKey> keys, DeviceKeys device, String version, UnixSocketServer server) {
        this.keys = keys;
        this.device = device;
        this.version = version;
        this.server = server;
    }

    /**
     * Listens on {@code socket} and serves {@code keys} until KILLAGENT or {@link #close()}.
     *
     * @param socket  where the socket file goes, normally {@code GNUPGHOME/S.gpg-agent} (what
     *                {@code gpgconf --list-dirs agent-socket} names); its directory is created with
     *                mode 0700 when missing; a stale socket file there is replaced
     * @param keys    the keys offered
     * @param device  signs and agrees keys for them
     * @param version what {@code GETINFO version} answers; gpg warns when it is older than gpg itself
     * @throws BcmException CONFLICT when an agent already answers on {@code socket} ("a gpg-agent
     *                      already listens on PATH") or the path is taken by something else,
     *                      INVALID_INPUT when the directory is open to other users, INTERNAL for other
     *                      I/O failures (e.g. a path longer than a unix socket's ~100 bytes)
     */
    public static GpgAgent start(Path socket, List<AgentKey> keys, DeviceKeys device, String version) {
        List<AgentKey> offered = List.copyOf(keys);
        UnixSocketServer server = UnixSocketServer.listen(socket, NAMING);
        GpgAgent agent = new GpgAgent(offered, device, version, server);
        server.serve(agent::serve);
        LOG.info("gpg-agent: serving {} on {}", offered, server.socket());
        return agent;
    }

    /** The socket file (absolute). */
    public Path socket() {
        return server.socket();
    }

    /** The keys served. */
    public List<AgentKey> keys() {
        return keys;
    }

    /** Blocks until KILLAGENT or {@link #close()}. */
    public void awaitClose() throws InterruptedException {
        server.awaitClose();
    }

    /** Stops listening, ends every connection and deletes the socket file (if it is still ours); idempotent. */
    @Override
    public void close() {
        server.close();
    }

    /** What one connection asked so far: the key of SIGKEY/SETKEY and the hash of SETHASH. */
    private static final class Session {
        byte[] keygrip;
        byte[] digest;
    }

    /** Greets one client and answers its command lines until BYE, KILLAGENT, a line too long or its end. */
    private void serve(SocketChannel client) throws IOException {
        AssuanChannel io = new AssuanChannel(Channels.newInputStream(client), Channels.newOutputStream(client));
        io.ok("Pleased to meet you, process " + ProcessHandle.current().pid());
        Session session = new Session();
        while (true) {
            byte[] raw;
            try {
                raw = io.readLine();
            } catch (AssuanChannel.LineTooLong e) {
                LOG.warn("gpg-agent: closing a connection that sent a line longer than {} bytes", AssuanChannel.MAX_LINE);
                io.error(new AssuanError(AssuanError.Code.LINE_TOO_LONG, null));
                return;
            }
            if (raw == null) {
                return;
            }
            String line = new String(raw, StandardCharsets.ISO_8859_1);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                if (!command(io, session, line)) {
                    return;
                }
            } catch (AssuanError e) {
                io.error(e);
            }
        }
    }

    /**
     * Carries out one command line and answers it.
     *
     * @return false when the connection ends (BYE, KILLAGENT)
     */
    private boolean command(AssuanChannel io, Session session, String line) throws IOException, AssuanError {
        if (line.startsWith(" ") || line.startsWith("\t")) {
            throw new AssuanError(AssuanError.Code.SYNTAX, "leading white-space");
        }
        String[] parts = line.split("[ \t]", 2);
        String name = parts[0].toUpperCase(Locale.ROOT);
        String args = parts.length < 2 ? "" : parts[1].strip();
        switch (name) {
            case "NOP", "RELOADAGENT", "UPDATESTARTUPTTY" -> io.ok(null);
            case "OPTION" -> {
                if (args.isEmpty()) {
                    throw new AssuanError(AssuanError.Code.SYNTAX, "argument required");
                }
                io.ok(null);
            }
            case "RESET" -> {
                session.keygrip = null;
                session.digest = null;
                io.ok(null);
            }
            case "BYE" -> {
                io.ok("closing connection");
                return false;
            }
            case "KILLAGENT" -> {
                io.ok("closing connection");
                LOG.info("gpg-agent: KILLAGENT, stopping");
                close();
                return false;
            }
            case "GETINFO" -> getinfo(io, args);
            case "HAVEKEY" -> havekey(io, args);
            case "KEYINFO" -> keyinfo(io, args);
            case "SIGKEY", "SETKEY" -> {
                session.keygrip = parseKeygrip(args);
                io.ok(null);
            }
            case "SETKEYDESC" -> {
                if (args.isEmpty()) {
                    throw new AssuanError(AssuanError.Code.PARAMETER, "no description given");
                }
                io.ok(null);
            }
            case "SETHASH" -> {
                session.digest = parseHash(args);
                io.ok(null);
            }
            case "PKSIGN" -> pksign(io, session);
            case "PKDECRYPT" -> pkdecrypt(io, session);
            case "READKEY" -> readkey(io, args);
            case "END" -> throw new AssuanError(AssuanError.Code.NOT_IMPLEMENTED, null);
            case "SCD" -> throw new AssuanError(AssuanError.Code.NO_SCDAEMON, null);
            default -> {
                if (UNSUPPORTED.contains(name)) {
                    throw new AssuanError(AssuanError.Code.NOT_SUPPORTED, "the secret keys live on the Trezor");
                }
                throw new AssuanError(AssuanError.Code.UNKNOWN_COMMAND, null);
            }
        }
        return true;
    }

    private void getinfo(AssuanChannel io, String args) throws IOException, AssuanError {
        String[] words = args.split("\\s+");
        switch (words[0]) {
            case "version" -> io.data(version.getBytes(StandardCharsets.US_ASCII));
            case "pid" -> io.data(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII));
            case "socket_name" -> io.data(server.socket().toString().getBytes(StandardCharsets.UTF_8));
            case "restricted" -> throw new AssuanError(AssuanError.Code.FALSE, null);
            case "cmd_has_option" -> {
                if (words.length != 3) {
                    throw new AssuanError(AssuanError.Code.PARAMETER, "expected: cmd_has_option COMMAND OPTION");
                }
                if (!OPTIONS.contains(words[1].toUpperCase(Locale.ROOT) + " " + words[2].replaceFirst("^--", ""))) {
                    throw new AssuanError(AssuanError.Code.FALSE, null);
                }
            }
            default -> throw new AssuanError(AssuanError.Code.PARAMETER, "unknown value for WHAT");
        }
        io.ok(null);
    }

    private void havekey(AssuanChannel io, String args) throws IOException, AssuanError {
        if (args.startsWith("--list")) {
            int limit = args.startsWith("--list=") ? parseLimit(args.substring("--list=".length())) : 0;
            ByteArrayOutputStream grips = new ByteArrayOutputStream();
            keys.stream().limit(limit > 0 ? limit : keys.size()).forEach(k -> grips.writeBytes(k.keygrip()));
            io.data(grips.toByteArray());
            io.ok(null);
            return;
        }
        for (String word : args.replaceFirst("^--info\\s+", "").split("\\s+")) {
            if (key(parseKeygrip(word)) != null) {
                io.ok(null);
                return;
            }
        }
        throw new AssuanError(AssuanError.Code.NO_SECKEY, null);
    }

    private static int parseLimit(String text) throws AssuanError {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new AssuanError(AssuanError.Code.PARAMETER, "invalid limit");
        }
    }

    private void keyinfo(AssuanChannel io, String args) throws IOException, AssuanError {
        boolean data = hasOption(args, "--data");
        List<AgentKey> listed;
        if (hasOption(args, "--ssh-list")) {
            listed = List.of();
        } else if (hasOption(args, "--list")) {
            listed = keys;
        } else {
            AgentKey key = key(parseKeygrip(skipOptions(args)));
            if (key == null) {
                throw new AssuanError(AssuanError.Code.NOT_FOUND, null);
            }
            listed = List.of(key);
        }
        for (AgentKey key : listed) {
            String info = key.keygripHex() + " D - - - P - - -";
            if (data) {
                io.data((info + "\n").getBytes(StandardCharsets.US_ASCII));
            } else {
                io.status("KEYINFO", info);
            }
        }
        io.ok(null);
    }

    private void readkey(AssuanChannel io, String args) throws IOException, AssuanError {
        if (hasOption(args, "--card")) {
            throw new AssuanError(AssuanError.Code.NO_SCDAEMON, null);
        }
        AgentKey key = key(parseKeygrip(skipOptions(args)));
        if (key == null) {
            throw new AssuanError(AssuanError.Code.ENOENT, null);
        }
        if (!hasOption(args, "--no-data")) {
            io.data(key.gcryptCurve().publicKeySexp(key.point()));
        }
        io.ok(null);
    }

    private void pksign(AssuanChannel io, Session session) throws IOException, AssuanError {
        AgentKey key = sessionKey(session, AgentKey.Purpose.SIGN);
        if (session.digest == null) {
            throw new AssuanError(AssuanError.Code.NO_DATA, "no hash given: SETHASH first");
        }
        boolean ecdsa = key.curve() == Curve.NIST256P1;
        Challenge challenge = new Challenge(ecdsa ? ecdsaDigest(session.digest) : session.digest, "");
        SignedIdentity signed = onDevice("PKSIGN", key, () -> device.signIdentity(key.identity(), key.curve(), challenge));
        if (!key.isDeviceKey(signed.publicKey())) {
            throw otherKey("PKSIGN", key);
        }
        Signature signature = signed.signature();
        byte[] body = signature.body();
        byte[] r = ecdsa ? signature.r() : Arrays.copyOfRange(body, 0, 32);
        byte[] s = ecdsa ? signature.s() : Arrays.copyOfRange(body, 32, 64);
        io.data(Sexp.encode(List.of("sig-val", List.of(ecdsa ? "ecdsa" : "eddsa", List.of("r", r), List.of("s", s)))));
        LOG.info("gpg-agent: signed with {}", key);
        io.ok(null);
    }

    /**
     * An ECDSA digest as the device's 32-byte gpg challenge: cut to the leftmost 32 bytes (the
     * leftmost bits of the order's length, FIPS 186-4 section 6.4) or zero-padded on the left.
     */
    static byte[] ecdsaDigest(byte[] digest) {
        byte[] out = new byte[32];
        int n = Math.min(32, digest.length);
        System.arraycopy(digest, 0, out, 32 - n, n);
        return out;
    }

    private void pkdecrypt(AssuanChannel io, Session session) throws IOException, AssuanError {
        AgentKey key = sessionKey(session, AgentKey.Purpose.DECRYPT);
        io.status("INQUIRE_MAXLEN", Integer.toString(MAX_CIPHERTEXT));
        byte[] ciphertext = io.inquire("CIPHERTEXT", MAX_CIPHERTEXT);
        byte[] ephemeral;
        try {
            ephemeral = Sexp.value(Sexp.parse(ciphertext), "e");
        } catch (IllegalArgumentException e) {
            throw new AssuanError(AssuanError.Code.INV_SEXP, e.getMessage());
        }
        if (ephemeral == null) {
            throw new AssuanError(AssuanError.Code.INV_SEXP, "no (e POINT) in the ciphertext");
        }
        PeerKey peer;
        try {
            peer = new PeerKey(key.curve(), ephemeral);
        } catch (IllegalArgumentException e) {
            throw new AssuanError(AssuanError.Code.BAD_DATA, e.getMessage());
        }
        SessionKey shared = onDevice("PKDECRYPT", key, () -> device.ecdh(key.identity(), peer));
        if (!key.isDeviceKey(shared.ownPublicKey())) {
            throw otherKey("PKDECRYPT", key);
        }
        byte[] value = shared.bytes();
        if (key.curve() == Curve.CURVE25519) {
            value[0] = 0x40;  // gpg-agent answers X25519 results in the native point form 40 || X
        }
        byte[] answer = Sexp.encode(List.of("value", value));
        io.data(answer);
        Arrays.fill(value, (byte) 0);
        Arrays.fill(answer, (byte) 0);
        LOG.info("gpg-agent: decrypted with {}", key);
        io.ok(null);
    }

    private AgentKey sessionKey(Session session, AgentKey.Purpose purpose) throws AssuanError {
        AgentKey key = session.keygrip == null ? null : key(session.keygrip);
        if (key == null) {
            throw new AssuanError(AssuanError.Code.NO_SECKEY, null);
        }
        if (key.purpose() != purpose) {
            throw new AssuanError(AssuanError.Code.WRONG_KEY_USAGE, key.keygripHex() + " is a " + key.purpose().name().toLowerCase() + " key");
        }
        return key;
    }

    /** Asks the device, one request at a time, and turns its failures into the ERR gpg-agent would give. */
    private <T> T onDevice(String command, AgentKey key, Supplier<T> request) throws AssuanError {
        try {
            return server.oneAtATime(request);
        } catch (BcmException e) {
            LOG.warn("gpg-agent: {} with {} failed: {}{}", command, key, e.getMessage(), e.hint() == null ? "" : " (" + e.hint() + ")");
            if (e.kind() == BcmException.Kind.DEVICE_CANCELLED) {
                throw new AssuanError(AssuanError.Code.CANCELED, AssuanError.SOURCE_PINENTRY, "cancelled on the Trezor");
            }
            throw new AssuanError(AssuanError.Code.GENERAL, "Trezor: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            LOG.warn("gpg-agent: {} with {} refused: {}", command, key, e.getMessage());
            throw new AssuanError(AssuanError.Code.BAD_DATA, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("gpg-agent: {} with {} failed unexpectedly: {}", command, key, e.toString());
            LOG.debug("gpg-agent: the failure", e);
            throw new AssuanError(AssuanError.Code.GENERAL, "Trezor: " + e.getMessage());
        }
    }

    private static AssuanError otherKey(String command, AgentKey key) {
        LOG.warn("gpg-agent: {}: the device used another key than {} (another seed or passphrase?)", command, key);
        return new AssuanError(AssuanError.Code.GENERAL, "the Trezor holds another key for " + key.identity() + " (another seed or passphrase?)");
    }

    private AgentKey key(byte[] keygrip) {
        return keys.stream().filter(k -> Arrays.equals(k.keygrip(), keygrip)).findFirst().orElse(null);
    }

    /** A keygrip as gpg-agent's {@code parse_keygrip} takes it: 40 hex digits, then a blank or the end. */
    private static byte[] parseKeygrip(String text) throws AssuanError {
        String word = text.strip().split("\\s+")[0];
        if (!word.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new AssuanError(AssuanError.Code.PARAMETER, "invalid hexstring");
        }
        if (word.length() != 40) {
            throw new AssuanError(AssuanError.Code.PARAMETER, "invalid length of keygrip");
        }
        return HexFormat.of().parseHex(word);
    }

    /** The digest of {@code SETHASH (--hash=NAME | ALGO) HEX}, as gpg-agent's {@code cmd_sethash} checks it. */
    private static byte[] parseHash(String args) throws AssuanError {
        String[] words = args.split("\\s+");
        if (words.length != 2) {
            throw new AssuanError(AssuanError.Code.PARAMETER, "expected: SETHASH (--hash=NAME | ALGO) HEX");
        }
        if (words[0].startsWith("--hash")) {
            if (!HASHES.containsKey(words[0].replaceFirst("^--hash=", ""))) {
                throw new AssuanError(AssuanError.Code.PARAMETER, "invalid hash algorithm");
            }
        } else if (!words[0].matches("[0-9]{1,4}") || !HASHES.containsValue(Integer.parseInt(words[0]))) {
            throw new AssuanError(AssuanError.Code.UNSUPPORTED_ALGORITHM, null);
        }
        String hex = words[1];
        if (!hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new AssuanError(AssuanError.Code.PARAMETER, "invalid hexstring");
        }
        if (hex.length() % 2 != 0) {
            throw new AssuanError(AssuanError.Code.PARAMETER, "odd number of digits");
        }
        if (!DIGEST_LENGTHS.contains(hex.length() / 2)) {
            throw new AssuanError(AssuanError.Code.PARAMETER, "unsupported length of hash");
        }
        return HexFormat.of().parseHex(hex);
    }

    private static boolean hasOption(String args, String option) {
        for (String word : args.split("\\s+")) {
            if (word.equals(option) || word.startsWith(option + "=")) {
                return true;
            }
        }
        return false;
    }

    /** The arguments after the leading {@code --options}. */
    private static String skipOptions(String args) {
        String rest = args.strip();
        while (rest.startsWith("--")) {
            int space = rest.indexOf(' ');
            rest = space < 0 ? "" : rest.substring(space + 1).strip();
        }
        return rest;
    }
}
