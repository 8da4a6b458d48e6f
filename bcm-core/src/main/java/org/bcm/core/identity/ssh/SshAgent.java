package org.bcm.core.identity.ssh;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.UnixSocketServer;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.SignedIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ssh-agent whose keys stay on the Trezor: it lists the identities it was given and has the
 * device sign for them (SignIdentity, proto {@code ssh}, the whole data blob as the hidden challenge;
 * the device hashes it with SHA-256 on nist256p1 and signs it raw on ed25519).
 *
 * <p>Protocol: draft-miller-ssh-agent-04 over an AF_UNIX stream socket. Every message is
 * {@code uint32 length || byte type || contents} (section 3), at most {@value #MAX_MESSAGE} bytes here.
 * <ul>
 * <li>11 SSH_AGENTC_REQUEST_IDENTITIES -> 12 SSH_AGENT_IDENTITIES_ANSWER {@code uint32 n, n x (string
 *     key blob, string comment)} (section 4.4); the comment is the identity URI.</li>
 * <li>13 SSH_AGENTC_SIGN_REQUEST {@code string key blob, string data, uint32 flags} -> 14
 *     SSH_AGENT_SIGN_RESPONSE {@code string signature} (section 4.5; the blob formats of
 *     {@link SshPublicKey}). The rsa-sha2 flags do not apply to these keys and are ignored.</li>
 * <li>Everything else (adding and removing keys, lock, extensions 27) -> 5 SSH_AGENT_FAILURE
 *     (sections 4.1, 4.7): the key set is fixed, and there are no secrets to lock.</li>
 * </ul>
 * An unknown key, data longer than the device signs (1024 bytes), a refusal on the device, a device
 * failure, or a device answering with another key (another seed or passphrase) answers 5 SSH_AGENT_FAILURE and logs one
 * line (SLF4J, WARN) naming the identity and the reason; the agent keeps serving. A message that is
 * malformed or longer than {@value #MAX_MESSAGE} bytes closes that connection only.
 *
 * <p>Several clients are served at once (a thread per connection); device requests are made one at
 * a time. The socket file has mode 0600 in a directory of mode 0700; {@link #close()} removes it
 * (the socket's life is {@link UnixSocketServer}'s).
 */
public final class SshAgent implements AutoCloseable {

    /** The largest message accepted, in bytes (the length field's value). */
    public static final int MAX_MESSAGE = 256 * 1024;

    static final int FAILURE = 5;
    static final int REQUEST_IDENTITIES = 11;
    static final int IDENTITIES_ANSWER = 12;
    static final int SIGN_REQUEST = 13;
    static final int SIGN_RESPONSE = 14;

    private static final Logger LOG = LoggerFactory.getLogger(SshAgent.class);
    private static final UnixSocketServer.Naming NAMING = new UnixSocketServer.Naming("ssh-agent", "an",
            path -> "use it (SSH_AUTH_SOCK=" + path + "), or stop it first", "BCM_HOME");

    private final List<SshPublicKey> keys;
    private final DeviceKeys device;
    private final UnixSocketServer server;
    private final Path privateDir;

    private SshAgent(List<SshPublicKey> keys, DeviceKeys device, UnixSocketServer server, Path privateDir) {
        this.keys = keys;
        this.device = device;
        this.server = server;
        this.privateDir = privateDir;
    }

    /**
     * An agent for one program's use (an ssh login): listens in a fresh directory of mode 0700 under
     * the temporary directory, which {@link #close()} removes with the socket.
     *
     * @throws BcmException INTERNAL when the directory cannot be created; as {@link #start} otherwise
     */
    public static SshAgent startPrivate(List<SshPublicKey> keys, DeviceKeys device) {
        Path dir;
        try {
            dir = Files.createTempDirectory("bcm-ssh-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "cannot create a directory for the agent socket: " + e.getMessage(),
                    "check TMPDIR", e);
        }
        try {
            return start(dir.resolve("agent.sock"), keys, device, dir);
        } catch (RuntimeException e) {
            BcmHome.deleteTree(dir);
            throw e;
        }
    }

    /**
     * Listens on {@code socket} and serves {@code keys} until {@link #close()}.
     *
     * @param socket where the socket file goes; its directory is created with mode 0700 when missing
     *               and must not be open to other users; a stale socket file there is replaced
     * @param keys   the identities offered, in this order (their public keys known already)
     * @param device signs for them
     * @throws BcmException CONFLICT when an agent already answers on {@code socket} ("an ssh-agent
     *                      already listens on PATH") or the path is taken by something else,
     *                      INVALID_INPUT when the directory is open to others, INTERNAL when it cannot
     *                      listen (e.g. a path longer than a unix socket's ~100 bytes)
     */
    public static SshAgent start(Path socket, List<SshPublicKey> keys, DeviceKeys device) {
        return start(socket, keys, device, null);
    }

    private static SshAgent start(Path socket, List<SshPublicKey> keys, DeviceKeys device, Path privateDir) {
        List<SshPublicKey> offered = List.copyOf(keys);
        UnixSocketServer server = UnixSocketServer.listen(socket, NAMING);
        SshAgent agent = new SshAgent(offered, device, server, privateDir);
        server.serve(agent::serve);
        LOG.info("ssh-agent: serving {} identities on {}", offered.size(), server.socket());
        return agent;
    }

    /** The socket file (absolute), for {@code SSH_AUTH_SOCK} or {@code ssh -o IdentityAgent=}. */
    public Path socket() {
        return server.socket();
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitClose() throws InterruptedException {
        server.awaitClose();
    }

    /**
     * Stops listening, ends every connection and deletes the socket file (if it is still ours), and
     * the directory of an agent made by {@link #startPrivate}; idempotent.
     */
    @Override
    public void close() {
        server.close();
        if (privateDir != null) {
            BcmHome.deleteTree(privateDir);
        }
    }

    /**
     * Answers one client's messages in order until it hangs up or sends something malformed (then
     * returns; the server closes the connection).
     */
    private void serve(SocketChannel client) throws IOException {
        DataInputStream in = new DataInputStream(Channels.newInputStream(client));
        while (true) {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException e) {
                return;
            }
            if (length <= 0 || length > MAX_MESSAGE) {
                LOG.warn("ssh-agent: closing a connection that sent a message of {} bytes (at most {})",
                        Integer.toUnsignedLong(length), MAX_MESSAGE);
                return;
            }
            byte[] message = in.readNBytes(length);
            if (message.length < length) {
                return;
            }
            byte[] answer;
            try {
                answer = answer(message);
            } catch (SshWire.Malformed e) {
                LOG.warn("ssh-agent: closing a connection that sent a malformed message: {}", e.getMessage());
                return;
            }
            ByteBuffer out = ByteBuffer.allocate(4 + answer.length).putInt(answer.length).put(answer).flip();
            while (out.hasRemaining()) {
                client.write(out);
            }
        }
    }

    /**
     * The answer (type and contents, without the length) to one message (type and contents).
     *
     * @throws SshWire.Malformed when the message is not what its type says
     */
    byte[] answer(byte[] message) {
        SshWire.Reader in = new SshWire.Reader(message);
        int type = in.octet();
        return switch (type) {
            case REQUEST_IDENTITIES -> identities();
            case SIGN_REQUEST -> sign(in.string(), in.string(), in.uint32());  // flags: rsa-sha2 only, ignored
            default -> {
                LOG.debug("ssh-agent: message type {} is not supported, answering failure", type);
                yield new byte[] {FAILURE};
            }
        };
    }

    private byte[] identities() {
        SshWire.Writer out = new SshWire.Writer().octet(IDENTITIES_ANSWER).uint32(keys.size());
        keys.forEach(k -> out.string(k.blob()).string(k.identity().toString()));
        return out.toByteArray();
    }

    private byte[] sign(byte[] blob, byte[] data, long ignoredFlags) {
        SshPublicKey key = keys.stream().filter(k -> Arrays.equals(k.blob(), blob)).findFirst().orElse(null);
        if (key == null) {
            LOG.warn("ssh-agent: a signature was asked for a key this agent does not hold");
            return new byte[] {FAILURE};
        }
        try {
            Challenge challenge = new Challenge(data, visual(data));
            SignedIdentity signed = server.oneAtATime(() -> device.signIdentity(key.identity(), key.key().curve(), challenge));
            if (!signed.publicKey().equals(key.key())) {
                LOG.warn("ssh-agent: the device signed for {} with another key than {} (another seed or passphrase?)",
                        key.identity(), key.fingerprint());
                return new byte[] {FAILURE};
            }
            LOG.info("ssh-agent: signed for {}", key.identity());
            return new SshWire.Writer().octet(SIGN_RESPONSE).string(key.signatureBlob(signed.signature())).toByteArray();
        } catch (BcmException e) {
            LOG.warn("ssh-agent: signing for {} failed: {}{}", key.identity(), e.getMessage(),
                    e.hint() == null ? "" : " (" + e.hint() + ")");
        } catch (IllegalArgumentException e) {
            LOG.warn("ssh-agent: cannot sign for {}: {}", key.identity(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("ssh-agent: signing for {} failed unexpectedly: {}", key.identity(), e.toString());
            LOG.debug("ssh-agent: the failure", e);
        }
        return new byte[] {FAILURE};
    }

    /**
     * What the device shows while asking to confirm: the user name of an SSH user authentication
     * request (RFC 4252 section 7: {@code string session id, byte 50, string user, string service,
     * string "publickey", boolean TRUE, ...}), else nothing.
     */
    static String visual(byte[] data) {
        try {
            SshWire.Reader in = new SshWire.Reader(data);
            in.string();
            if (in.octet() == 50) {
                String user = in.utf8();
                in.utf8();
                if (in.utf8().equals("publickey")) {
                    return "login as " + user;
                }
            }
        } catch (SshWire.Malformed notUserauth) {
            // something else to sign, e.g. an SSHSIG blob
        }
        return "";
    }
}
