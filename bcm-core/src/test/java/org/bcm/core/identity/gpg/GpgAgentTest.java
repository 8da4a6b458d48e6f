package org.bcm.core.identity.gpg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bcm.core.BcmException;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.OpenPgpCertificate;
import org.bcm.core.identity.TestDevice;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PeerKey;
import org.bcm.trezor.PublicKey;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.SignedIdentity;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpgAgentTest {

    static final Identity IDENTITY = Identity.parse("gpg://Satoshi <satoshi@bcm.test>");
    static final X9ECParameters P256 = ECNamedCurveTable.getByName("P-256");

    static TestDevice device;
    static List<AgentKey> nistKeys;
    static List<AgentKey> edKeys;

    @TempDir
    Path dir;
    GpgAgent agent;

    @BeforeAll
    static void certificates() throws IOException {
        device = TestDevice.all();
        Instant created = Instant.ofEpochSecond(1_700_000_000L);
        nistKeys = AgentKey.fromCertificate(OpenPgpCertificate.create(device.keys(), IDENTITY, Curve.NIST256P1, created), IDENTITY);
        edKeys = AgentKey.fromCertificate(OpenPgpCertificate.create(device.keys(), IDENTITY, Curve.ED25519, created), IDENTITY);
    }

    @AfterAll
    static void stopDevice() {
        device.close();
    }

    @AfterEach
    void stopAgent() {
        if (agent != null) {
            agent.close();
        }
    }

    private Client start(List<AgentKey> keys, DeviceKeys deviceKeys) throws IOException {
        List<AgentKey> all = new ArrayList<>(keys);
        agent = GpgAgent.start(dir.resolve("S.gpg-agent"), all, deviceKeys, "2.2.40");
        return new Client(agent.socket());
    }

    private Client start() throws IOException {
        List<AgentKey> both = new ArrayList<>(nistKeys);
        both.addAll(edKeys);
        return start(both, device.keys());
    }

    @Test
    void greetsAndAnswersGetinfo() throws Exception {
        try (Client client = start()) {
            assertThat(client.greeting).startsWith("OK Pleased to meet you, process " + ProcessHandle.current().pid());
            assertThat(client.transact("GETINFO version")).containsExactly("D 2.2.40", "OK");
            assertThat(client.transact("GETINFO pid")).containsExactly("D " + ProcessHandle.current().pid(), "OK");
            assertThat(client.transact("GETINFO socket_name")).containsExactly("D " + agent.socket(), "OK");
            assertThat(client.transact("GETINFO cmd_has_option KEYINFO --list")).containsExactly("OK");
            assertThat(client.transact("GETINFO cmd_has_option PKSIGN foo")).containsExactly("ERR 67109120 False <GPG Agent>");
            assertThat(client.transact("GETINFO nothing")).containsExactly("ERR 67109144 IPC parameter error <GPG Agent> - unknown value for WHAT");
            assertThat(client.transact("OPTION ttytype=xterm")).containsExactly("OK");
            assertThat(client.transact("option allow-pinentry-notify")).containsExactly("OK");
            assertThat(client.transact("RESET")).containsExactly("OK");
            assertThat(client.transact("NOP")).containsExactly("OK");
            assertThat(client.transact("BYE")).containsExactly("OK closing connection");
            assertThat(client.readLine()).isNull();
        }
    }

    @Test
    void haveKeyAnswersOkForOneOfOursAndNoSecretKeyOtherwise() throws Exception {
        String sign = nistKeys.get(0).keygripHex();
        String other = "0000000000000000000000000000000000000000";
        try (Client client = start()) {
            assertThat(client.transact("HAVEKEY " + sign)).containsExactly("OK");
            assertThat(client.transact("HAVEKEY " + other + " " + edKeys.get(1).keygripHex().toLowerCase())).containsExactly("OK");
            assertThat(client.transact("HAVEKEY " + other)).containsExactly("ERR 67108881 No secret key <GPG Agent>");
            assertThat(client.transact("HAVEKEY xyz")).containsExactly("ERR 67109144 IPC parameter error <GPG Agent> - invalid hexstring");
            assertThat(client.transact("HAVEKEY 0011")).containsExactly("ERR 67109144 IPC parameter error <GPG Agent> - invalid length of keygrip");

            List<String> list = client.transact("HAVEKEY --list");
            assertThat(list).hasSize(2).last().isEqualTo("OK");
            byte[] grips = AssuanChannel.unescape(list.get(0).substring(2).getBytes(StandardCharsets.ISO_8859_1));
            assertThat(grips).hasSize(4 * 20).startsWith(nistKeys.get(0).keygrip());
        }
    }

    @Test
    void keyinfoDescribesOurKeysAsGpgAgentDoesAKeyOnDisk() throws Exception {
        String grip = nistKeys.get(0).keygripHex();
        try (Client client = start()) {
            assertThat(client.transact("KEYINFO " + grip)).containsExactly("S KEYINFO " + grip + " D - - - P - - -", "OK");
            assertThat(client.transact("KEYINFO --data " + grip)).containsExactly("D " + grip + " D - - - P - - -%0A", "OK");
            assertThat(client.transact("KEYINFO --list")).hasSize(5).startsWith("S KEYINFO " + grip + " D - - - P - - -").endsWith("OK");
            assertThat(client.transact("KEYINFO 0000000000000000000000000000000000000000")).containsExactly("ERR 67108891 Not found <GPG Agent>");
        }
    }

    @Test
    void readkeyAnswersThePublicKeyAsLibgcryptWritesIt() throws Exception {
        try (Client client = start()) {
            for (AgentKey key : List.of(nistKeys.get(0), nistKeys.get(1), edKeys.get(0), edKeys.get(1))) {
                List<String> answer = client.transact("READKEY " + key.keygripHex());
                assertThat(answer).last().isEqualTo("OK");
                List<Object> sexp = Sexp.parse(client.data(answer));
                assertThat(new String(Sexp.value(sexp, "curve"), StandardCharsets.US_ASCII)).isEqualTo(key.gcryptCurve().gcryptName());
                assertThat(Sexp.value(sexp, "q")).isEqualTo(key.point());
                assertThat(Keygrip.of(key.gcryptCurve(), Sexp.value(sexp, "q"))).isEqualTo(key.keygrip());
            }
            assertThat(new String(client.data(client.transact("READKEY " + edKeys.get(1).keygripHex())), StandardCharsets.ISO_8859_1))
                    .contains("(5:curve10:Curve25519)(5:flags9:djb-tweak)(1:q33:@");
        }
    }

    @Test
    void signsASha256DigestWithTheNistKeyAndTheSignatureVerifies() throws Exception {
        AgentKey key = nistKeys.get(0);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("hello".getBytes(StandardCharsets.UTF_8));
        try (Client client = start()) {
            assertThat(client.transact("SIGKEY " + key.keygripHex())).containsExactly("OK");
            assertThat(client.transact("SETKEYDESC Please+enter+the+passphrase%0A")).containsExactly("OK");
            assertThat(client.transact("SETHASH 8 " + HexFormat.of().formatHex(digest))).containsExactly("OK");
            List<String> answer = client.transact("PKSIGN");

            assertThat(answer).hasSize(2).last().isEqualTo("OK");
            byte[] sexp = client.data(answer);
            assertThat(new String(sexp, StandardCharsets.ISO_8859_1)).startsWith("(7:sig-val(5:ecdsa(1:r32:");
            assertThat(ecdsaVerifies(key, digest, sexp)).isTrue();
            assertThat(device.interaction.confirmations).isNotEmpty();
        }
    }

    @Test
    void signsTheLeftmost32BytesOfALongerDigestAsEcdsaDoes() throws Exception {
        AgentKey key = nistKeys.get(0);
        byte[] digest = MessageDigest.getInstance("SHA-512").digest("hello".getBytes(StandardCharsets.UTF_8));
        try (Client client = start()) {
            client.transact("SIGKEY " + key.keygripHex());
            assertThat(client.transact("SETHASH --hash=sha512 " + HexFormat.of().formatHex(digest))).containsExactly("OK");
            byte[] sexp = client.data(client.transact("PKSIGN"));

            assertThat(ecdsaVerifies(key, digest, sexp)).isTrue();  // BouncyCastle truncates to the order's length too
        }
        assertThat(GpgAgent.ecdsaDigest(new byte[] {1, 2})).hasSize(32).endsWith(1, 2).startsWith(0, 0);
    }

    @Test
    void signsWithTheEd25519KeyAndTheSignatureVerifies() throws Exception {
        AgentKey key = edKeys.get(0);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("hello".getBytes(StandardCharsets.UTF_8));
        try (Client client = start()) {
            client.transact("SIGKEY " + key.keygripHex());
            client.transact("SETHASH 8 " + HexFormat.of().formatHex(digest));
            byte[] sexp = client.data(client.transact("PKSIGN"));

            List<Object> sig = Sexp.parse(sexp);
            assertThat(Sexp.find(sig, "eddsa")).isNotNull();
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, new Ed25519PublicKeyParameters(key.point(), 1));
            verifier.update(digest, 0, digest.length);
            byte[] rs = new byte[64];
            System.arraycopy(Sexp.value(sig, "r"), 0, rs, 0, 32);
            System.arraycopy(Sexp.value(sig, "s"), 0, rs, 32, 32);
            assertThat(verifier.verifySignature(rs)).isTrue();
        }
    }

    @Test
    void decryptsANistCiphertextGivenInPercentEscapedDataLines() throws Exception {
        AgentKey key = nistKeys.get(1);
        BigInteger ephemeral = new BigInteger(255, new SecureRandom()).add(BigInteger.ONE);
        byte[] e = P256.getG().multiply(ephemeral).normalize().getEncoded(false);
        byte[] expected = P256.getCurve().decodePoint(key.point()).multiply(ephemeral).normalize().getEncoded(false);
        byte[] ciphertext = Sexp.encode(List.of("enc-val", List.of("ecdh", List.of("s", new byte[] {'%', '\n', '\r', 0}), List.of("e", e))));
        try (Client client = start()) {
            client.transact("SETKEY " + key.keygripHex());
            client.send("PKDECRYPT");
            assertThat(client.readLine()).isEqualTo("S INQUIRE_MAXLEN 4096");
            assertThat(client.readLine()).isEqualTo("INQUIRE CIPHERTEXT");
            int half = ciphertext.length / 2;  // two D lines, every byte escaped: any %XX is decoded
            client.send("D " + percentAll(Arrays.copyOfRange(ciphertext, 0, half)));
            client.send("D " + percentAll(Arrays.copyOfRange(ciphertext, half, ciphertext.length)));
            List<String> answer = client.transact("END");

            assertThat(answer).last().isEqualTo("OK");
            assertThat(Sexp.value(Sexp.parse(client.data(answer)), "value")).isEqualTo(expected);
        }
    }

    @Test
    void decryptsACurve25519CiphertextAndAnswersTheNativePointForm() throws Exception {
        AgentKey key = edKeys.get(1);
        X25519PrivateKeyParameters ephemeral = new X25519PrivateKeyParameters(new SecureRandom());
        byte[] e = new byte[33];
        e[0] = 0x40;
        ephemeral.generatePublicKey().encode(e, 1);
        X25519Agreement agreement = new X25519Agreement();
        agreement.init(ephemeral);
        byte[] expected = new byte[33];
        expected[0] = 0x40;
        agreement.calculateAgreement(new X25519PublicKeyParameters(key.point(), 1), expected, 1);
        byte[] ciphertext = Sexp.encode(List.of("enc-val", List.of("flags", "djb-tweak"), List.of("ecdh", List.of("s", new byte[49]), List.of("e", e))));
        try (Client client = start()) {
            client.transact("SETKEY " + key.keygripHex());
            List<String> answer = client.decrypt(ciphertext);

            assertThat(answer).last().isEqualTo("OK");
            assertThat(Sexp.value(Sexp.parse(client.data(answer)), "value")).isEqualTo(expected);
        }
    }

    @Test
    void refusesToUseAKeyForWhatItIsNotFor() throws Exception {
        try (Client client = start()) {
            client.transact("SIGKEY " + nistKeys.get(1).keygripHex());
            client.transact("SETHASH 8 " + "00".repeat(32));
            assertThat(client.transact("PKSIGN")).singleElement().asString().startsWith("ERR 67108989 Wrong key usage <GPG Agent>");
            client.transact("RESET");
            assertThat(client.transact("PKSIGN")).containsExactly("ERR 67108881 No secret key <GPG Agent>");
            client.transact("SIGKEY " + nistKeys.get(0).keygripHex());
            assertThat(client.transact("PKSIGN")).singleElement().asString().startsWith("ERR 67108922 No data <GPG Agent>");
            assertThat(client.transact("SETHASH 8 0011")).containsExactly("ERR 67109144 IPC parameter error <GPG Agent> - unsupported length of hash");
            assertThat(client.transact("SETHASH 99 " + "00".repeat(32))).containsExactly("ERR 67108948 Unsupported algorithm <GPG Agent>");
        }
    }

    @Test
    void answersCommandsItDoesNotHaveAsGpgAgentDoes() throws Exception {
        try (Client client = start()) {
            assertThat(client.transact("FOO bar")).containsExactly("ERR 67109139 Unknown IPC command <GPG Agent>");
            assertThat(client.transact("SCD SERIALNO")).containsExactly("ERR 67108983 No SmartCard daemon <GPG Agent>");
            assertThat(client.transact("GET_PASSPHRASE --data X X X X")).singleElement().asString().startsWith("ERR 67108924 Not supported <GPG Agent>");
            assertThat(client.transact(" NOP")).containsExactly("ERR 67109140 IPC syntax error <GPG Agent> - leading white-space");
            client.send("# a comment, then an empty line");
            client.send("");
            assertThat(client.transact("NOP")).containsExactly("OK");
        }
    }

    @Test
    void aLineLongerThan1000BytesEndsTheConnectionButNotTheAgent() throws Exception {
        try (Client client = start()) {
            assertThat(client.transact("NOP " + "x".repeat(996))).containsExactly("OK");  // 1000 bytes
            assertThat(client.transact("NOP " + "x".repeat(997))).containsExactly("ERR 67109127 Line passed to IPC too long <GPG Agent>");
            assertThat(client.readLine()).isNull();
        }
        try (Client again = new Client(agent.socket())) {
            assertThat(again.transact("NOP")).containsExactly("OK");
        }
    }

    @Test
    void dataLinesAreEscapedAndSplitWithinTheLineLimit() throws Exception {
        byte[] data = new byte[1500];
        Arrays.fill(data, (byte) '%');
        data[700] = '\n';
        data[701] = '\r';
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        new AssuanChannel(InputStream.nullInputStream(), wire).data(data);

        List<String> lines = wire.toString(StandardCharsets.ISO_8859_1).lines().toList();
        assertThat(lines).allSatisfy(l -> assertThat(l).startsWith("D ").hasSizeLessThanOrEqualTo(AssuanChannel.MAX_LINE));
        ByteArrayOutputStream decoded = new ByteArrayOutputStream();
        lines.forEach(l -> decoded.writeBytes(AssuanChannel.unescape(l.substring(2).getBytes(StandardCharsets.ISO_8859_1))));
        assertThat(decoded.toByteArray()).isEqualTo(data);
        assertThat(AssuanChannel.unescape("a%2%zz%41".getBytes(StandardCharsets.US_ASCII))).isEqualTo("a%2%zzA".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aRefusalOnTheDeviceAnswersOperationCancelledAndTheAgentKeepsServing() throws Exception {
        DeviceKeys refusing = new Delegating(device.keys()) {
            @Override
            public SignedIdentity signIdentity(Identity identity, Curve curve, Challenge challenge) {
                throw new BcmException(BcmException.Kind.DEVICE_CANCELLED, "the request was cancelled on the Trezor", null);
            }

            @Override
            public SessionKey ecdh(Identity identity, PeerKey peer) {
                throw new BcmException(BcmException.Kind.DEVICE_UNAVAILABLE, "no Trezor found", "plug it in");
            }
        };
        try (Client client = start(nistKeys, refusing)) {
            client.transact("SIGKEY " + nistKeys.get(0).keygripHex());
            client.transact("SETHASH 8 " + "11".repeat(32));
            assertThat(client.transact("PKSIGN")).singleElement().asString().startsWith("ERR 83886179 Operation cancelled <Pinentry>");
            client.transact("SETKEY " + nistKeys.get(1).keygripHex());
            byte[] e = P256.getG().multiply(BigInteger.TEN).normalize().getEncoded(false);
            assertThat(client.decrypt(Sexp.encode(List.of("enc-val", List.of("ecdh", List.of("s", "x"), List.of("e", e))))))
                    .singleElement().asString().isEqualTo("ERR 67108865 General error <GPG Agent> - Trezor: no Trezor found");
            assertThat(client.transact("NOP")).containsExactly("OK");
        }
    }

    @Test
    void refusesToAnswerWhenTheDeviceHoldsAnotherKey() throws Exception {
        Identity other = Identity.parse("gpg://Mallory <mallory@bcm.test>");
        PGPPublicKeyRing satoshis = OpenPgpCertificate.create(device.keys(), IDENTITY, Curve.NIST256P1, Instant.ofEpochSecond(1_700_000_000L));
        List<AgentKey> misattributed = List.of(new AgentKey(satoshis.getPublicKey(), other, AgentKey.Purpose.SIGN));
        try (Client client = start(misattributed, device.keys())) {
            client.transact("SIGKEY " + misattributed.get(0).keygripHex());
            client.transact("SETHASH 8 " + "22".repeat(32));
            assertThat(client.transact("PKSIGN")).singleElement().asString()
                    .startsWith("ERR 67108865 General error <GPG Agent> - the Trezor holds another key for gpg://Mallory");
        }
    }

    @Test
    void killagentStopsTheAgentAndRemovesTheSocket() throws Exception {
        Client client = start();
        assertThat(client.transact("KILLAGENT")).containsExactly("OK closing connection");
        client.close();

        Thread waiter = new Thread(() -> {
            try {
                agent.awaitClose();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        waiter.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(Files.exists(agent.socket())).isFalse();
    }

    @Test
    void aSecondAgentOnTheSameSocketIsRefusedAndAStaleSocketIsReplaced() throws Exception {
        try (Client client = start()) {
            assertThat(client.transact("NOP")).containsExactly("OK");
            assertThatThrownBy(() -> GpgAgent.start(agent.socket(), nistKeys, device.keys(), "2.2.40"))
                    .isInstanceOf(BcmException.class).hasMessageContaining("already listens");
        }
        Path stale = dir.resolve("S.stale");
        ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        old.bind(UnixDomainSocketAddress.of(stale));
        old.close();  // the file stays, nobody answers
        try (GpgAgent replacing = GpgAgent.start(stale, nistKeys, device.keys(), "2.2.40"); Client client = new Client(replacing.socket())) {
            assertThat(client.transact("NOP")).containsExactly("OK");
            assertThat(Files.getPosixFilePermissions(stale)).hasSize(2);  // rw-------
        }
    }

    private static boolean ecdsaVerifies(AgentKey key, byte[] digest, byte[] sexp) {
        List<Object> sig = Sexp.parse(sexp);
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, new ECPublicKeyParameters(P256.getCurve().decodePoint(key.point()),
                new ECDomainParameters(P256.getCurve(), P256.getG(), P256.getN())));
        return verifier.verifySignature(digest, new BigInteger(1, Sexp.value(sig, "r")), new BigInteger(1, Sexp.value(sig, "s")));
    }

    private static String percentAll(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("%%%02x", b));
        }
        return out.toString();
    }

    /** An Assuan client on a unix socket, as gpg talks to its agent. */
    static final class Client implements AutoCloseable {
        final SocketChannel channel;
        final InputStream in;
        final OutputStream out;
        final String greeting;

        Client(Path socket) throws IOException {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            in = Channels.newInputStream(channel);
            out = Channels.newOutputStream(channel);
            greeting = readLine();
        }

        void send(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** One line without LF, or null at the end. */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
                }
                line.write(c);
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        /** Sends a command and reads the lines up to and with its OK or ERR. */
        List<String> transact(String command) throws IOException {
            send(command);
            return answer();
        }

        List<String> answer() throws IOException {
            List<String> lines = new ArrayList<>();
            while (true) {
                String line = readLine();
                if (line == null) {
                    return lines;
                }
                lines.add(line);
                if (line.equals("OK") || line.startsWith("OK ") || line.startsWith("ERR ")) {
                    return lines;
                }
            }
        }

        /** PKDECRYPT with {@code ciphertext} sent as one escaped D line. */
        List<String> decrypt(byte[] ciphertext) throws IOException {
            send("PKDECRYPT");
            List<String> inquiry = List.of(readLine(), readLine());
            assertThat(inquiry).containsExactly("S INQUIRE_MAXLEN 4096", "INQUIRE CIPHERTEXT");
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            line.writeBytes("D ".getBytes(StandardCharsets.US_ASCII));
            for (byte b : ciphertext) {
                line.writeBytes(AssuanChannel.escape(b));
            }
            line.write('\n');
            out.write(line.toByteArray());
            return transact("END");
        }

        /** The unescaped payload of the D lines in {@code answer}. */
        byte[] data(List<String> answer) {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            answer.stream().filter(l -> l.startsWith("D "))
                    .forEach(l -> data.writeBytes(AssuanChannel.unescape(l.substring(2).getBytes(StandardCharsets.ISO_8859_1))));
            return data.toByteArray();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** DeviceKeys that hands every call to another, for tests that replace one call. */
    static class Delegating implements DeviceKeys {
        private final DeviceKeys delegate;

        Delegating(DeviceKeys delegate) {
            this.delegate = delegate;
        }

        @Override
        public SignedIdentity signIdentity(Identity identity, Curve curve, Challenge challenge) {
            return delegate.signIdentity(identity, curve, challenge);
        }

        @Override
        public SessionKey ecdh(Identity identity, PeerKey peer) {
            return delegate.ecdh(identity, peer);
        }

        @Override
        public PublicKey publicKey(DerivationPath path, Curve curve) {
            return delegate.publicKey(path, curve);
        }
    }
}
