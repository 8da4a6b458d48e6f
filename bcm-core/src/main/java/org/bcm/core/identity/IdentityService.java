package org.bcm.core.identity;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.core.process.ExternalProgram;
import org.bouncycastle.openpgp.PGPPublicKeyRing;

/**
 * The operator's identity in the bcm home: {@code bcm init} derives the OpenPGP certificate on the
 * device, records it, and sets up the GnuPG home and the password store directory; every other
 * identity command loads it from here.
 *
 * <pre>
 * identity.yml        name, username, hostname, curve, creation time, fingerprint
 * identity.asc        the certificate, armored (public)
 * gnupg/              GNUPGHOME: the certificate imported and trusted, gpg.conf, the agent's socket
 * password_store/     the password store (pass's format)
 * ssh/                the ssh identities and the ssh-agent's socket
 * clusters/ projects/
 * </pre>
 * Directories are 0700. The device work comes first and the files are written only after it
 * succeeded, so a refused or absent device leaves the home as it was; the identity is recorded
 * before gpg imports it, so when gpg fails a rerun finishes with the same fingerprint.
 */
public final class IdentityService {

    private static final String IDENTITY_FILE = "identity.yml";
    private static final String CERTIFICATE_FILE = "identity.asc";

    private final BcmHome home;
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public IdentityService(BcmHome home) {
        this.home = home;
    }

    public BcmHome home() {
        return home;
    }

    /** {@code <home>/gnupg}: the GNUPGHOME bcm's gpg, pass and git use. */
    public Path gnupgHome() {
        return home.root().resolve("gnupg");
    }

    /** {@code <home>/password_store}: PASSWORD_STORE_DIR. */
    public Path passwordStore() {
        return home.root().resolve("password_store");
    }

    /** The gpg-agent socket gpg looks for for the GnuPG home (what {@code gpgconf --list-dirs agent-socket} says). */
    public Path gpgAgentSocket() {
        return org.bcm.core.identity.gpg.GpgAgentDaemon.agentSocket(gnupgHome());
    }

    /** The socket {@code bcm ssh agent} listens on. */
    public Path sshAgentSocket() {
        return home.sshDir().resolve("S.ssh-agent");
    }

    /**
     * Creates or checks the operator's identity.
     * <ul>
     *   <li>No identity yet: derives the certificate on the device with the creation time now, then
     *       writes the home layout, {@code identity.yml}, {@code identity.asc} and the GnuPG home.</li>
     *   <li>An identity with the same name, user, host and curve: derives the certificate again with
     *       the recorded creation time; the same fingerprint means the same device, and the files are
     *       brought up to date (harmless to repeat).</li>
     * </ul>
     *
     * @param agentProgram the program gpg starts as its agent ({@code agent-program} in gpg.conf), or null to leave gpg's default
     * @throws BcmException INVALID_INPUT for a bad name, user, host or curve; CONFLICT when the home
     *                      holds another identity, or the device derives another fingerprint (another
     *                      device, seed or passphrase); a device error kind when the device fails
     */
    public OperatorIdentity init(DeviceKeys keys, String name, String username, String hostname, String curve, Path agentProgram) {
        validate(name, username, hostname, curve);
        Optional<OperatorIdentity> existing = load();
        Instant created = existing.map(OperatorIdentity::created).orElse(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        OperatorIdentity wanted = new OperatorIdentity(name, username, hostname, curve, created, "");
        if (existing.isPresent()) {
            OperatorIdentity had = existing.get();
            if (!had.userId().equals(wanted.userId()) || !had.curve().equals(curve)) {
                throw new BcmException(Kind.CONFLICT, "this bcm home belongs to '" + had.userId() + "' (" + had.curve() + ", " + had.fingerprint() + ")",
                        "run init with the same --name, --username, --hostname and --curve, or use another BCM_HOME");
            }
        }
        PGPPublicKeyRing certificate = OpenPgpCertificate.create(keys, wanted.gpgIdentity(), wanted.signingCurve(), created);
        String fingerprint = OpenPgpCertificate.fingerprint(certificate);
        if (existing.isPresent() && !existing.get().fingerprint().equals(fingerprint)) {
            throw new BcmException(Kind.CONFLICT, "the device derives the key " + fingerprint + ", but this bcm home belongs to "
                    + existing.get().fingerprint() + ": a different device, seed or passphrase",
                    "connect the Trezor you ran `bcm init` with (same seed, same passphrase), or use another BCM_HOME");
        }
        OperatorIdentity identity = new OperatorIdentity(name, username, hostname, curve, created, fingerprint);
        createLayout();
        String armored = OpenPgpCertificate.armored(certificate);
        BcmHome.writeAtomically(home.root().resolve(CERTIFICATE_FILE), armored.getBytes(StandardCharsets.US_ASCII), false);
        try {
            BcmHome.writeAtomically(home.root().resolve(IDENTITY_FILE), yaml.writeValueAsBytes(identity), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeGpgConf(fingerprint, agentProgram);
        Map<String, String> env = gpgEnvironment();
        String homedir = gnupgHome().toString();
        ExternalProgram.GPG.with("--homedir", homedir, "--batch", "--no-tty", "--no-autostart", "--import").environment(env)
                .input(armored.getBytes(StandardCharsets.US_ASCII)).check("importing the certificate into " + gnupgHome());
        ExternalProgram.GPG.with("--homedir", homedir, "--batch", "--no-tty", "--no-autostart", "--import-ownertrust").environment(env)
                .input((fingerprint + ":6:\n").getBytes(StandardCharsets.US_ASCII)).check("trusting the certificate");
        return identity;
    }

    /**
     * Checks what an operator typed for {@code bcm init} (see {@link OperatorIdentity#validate}).
     *
     * @throws BcmException INVALID_INPUT naming the first part that is not valid
     */
    public static void validate(String name, String username, String hostname, String curve) {
        try {
            OperatorIdentity.validate(name, username, hostname, curve);
        } catch (IllegalArgumentException e) {
            throw new BcmException(Kind.INVALID_INPUT, e.getMessage(), "e.g. bcm init --name='Satoshi' --username=satoshi --hostname=example.net");
        }
    }

    /**
     * The recorded identity, or empty before {@code bcm init}.
     *
     * @throws BcmException INVALID_INPUT when {@code identity.yml} is malformed
     */
    public Optional<OperatorIdentity> load() {
        Path file = home.root().resolve(IDENTITY_FILE);
        return BcmHome.read(file).map(bytes -> {
            try {
                return yaml.readValue(bytes, OperatorIdentity.class);
            } catch (IOException | IllegalArgumentException e) {
                throw new BcmException(Kind.INVALID_INPUT, "malformed " + file + ": " + e.getMessage(),
                        "restore it from a backup, or move the bcm home away and run `bcm init` again with the same device");
            }
        });
    }

    /**
     * The recorded identity.
     *
     * @throws BcmException NOT_FOUND before {@code bcm init}
     */
    public OperatorIdentity require() {
        return load().orElseThrow(() -> new BcmException(Kind.NOT_FOUND, "no bcm identity in " + home.root(),
                "run `bcm init --name=NAME --username=USER --hostname=HOST` with the Trezor connected"));
    }

    /**
     * The recorded certificate.
     *
     * @throws BcmException NOT_FOUND before {@code bcm init}, INVALID_INPUT when the file is malformed
     *                      or is not the recorded identity's
     */
    public PGPPublicKeyRing certificate() {
        OperatorIdentity identity = require();
        Path file = home.root().resolve(CERTIFICATE_FILE);
        byte[] bytes = BcmHome.read(file).orElseThrow(() -> new BcmException(Kind.NOT_FOUND, "the certificate " + file + " is missing",
                "run `bcm init` again with the same arguments and device"));
        try {
            PGPPublicKeyRing certificate = OpenPgpCertificate.read(new ByteArrayInputStream(bytes));
            if (!OpenPgpCertificate.fingerprint(certificate).equals(identity.fingerprint())) {
                throw new IOException("its fingerprint is not " + identity.fingerprint());
            }
            return certificate;
        } catch (IOException e) {
            throw new BcmException(Kind.INVALID_INPUT, "bad certificate " + file + ": " + e.getMessage(),
                    "run `bcm init` again with the same arguments and device");
        }
    }

    /** The environment for gpg, pass and git working on bcm's GnuPG home and password store. */
    public Map<String, String> gpgEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("GNUPGHOME", gnupgHome().toString());
        env.put("PASSWORD_STORE_DIR", passwordStore().toString());
        return env;
    }

    /**
     * The variables that point the operator's shell at bcm: GNUPGHOME, PASSWORD_STORE_DIR, and
     * SSH_AUTH_SOCK when {@code bcm ssh agent} answers. With {@code BCM_ACTIVE=0} in
     * {@code environment} the same names map to null (SSH_AUTH_SOCK only when it is bcm's), to be
     * unset: the shell's gpg, pass, git and ssh use the
     * operator's own {@code ~/.gnupg}, {@code ~/.password-store} and {@code ~/.ssh} (BCM's
     * convention); bcm's own commands still use the device.
     */
    public Map<String, String> shellEnvironment(Map<String, String> environment) {
        boolean active = !"0".equals(environment.get("BCM_ACTIVE"));
        Map<String, String> env = new java.util.TreeMap<>();
        gpgEnvironment().forEach((k, v) -> env.put(k, active ? v : null));
        Path sshAgent = sshAgentSocket();
        if (active && socketAnswers(sshAgent)) {
            env.put("SSH_AUTH_SOCK", sshAgent.toString());
        } else if (!active && sshAgent.toString().equals(environment.get("SSH_AUTH_SOCK"))) {
            env.put("SSH_AUTH_SOCK", null);
        }
        return env;
    }

    /** Whether something accepts connections on the unix socket {@code socket} (an agent is live). */
    public static boolean socketAnswers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.connect(java.net.UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void createLayout() {
        for (Path dir : List.of(home.root(), gnupgHome(), passwordStore(), home.clustersDir(), home.projectsDir(), home.root().resolve("ssh"))) {
            try {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException e) {
                throw new BcmException(Kind.INTERNAL, "cannot create " + dir + ": " + e.getMessage(), "check the permissions of " + home.root());
            }
        }
    }

    private void writeGpgConf(String fingerprint, Path agentProgram) {
        StringBuilder conf = new StringBuilder("# Written by bcm init: the key of this GnuPG home lives on the Trezor.\n")
                .append("default-key ").append(fingerprint).append('\n')
                .append("personal-digest-preferences SHA256\n");
        if (agentProgram != null) {
            conf.append("# gpg starts bcm's gpg-agent, which asks the Trezor for every private-key operation.\n")
                    .append("agent-program ").append(agentProgram.toAbsolutePath()).append('\n');
        }
        BcmHome.writeAtomically(gnupgHome().resolve("gpg.conf"), conf.toString().getBytes(StandardCharsets.UTF_8), false);
    }
}
