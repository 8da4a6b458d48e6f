package org.bcm.core.identity.gpg;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.process.ExternalProgram;
import org.bcm.trezor.Identity;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link GpgAgent} as the long-running process gpg talks to in place of gpg-agent: it serves
 * the keys of one device-derived certificate on the agent socket of a GNUPGHOME until gpg (or
 * {@code gpgconf --kill gpg-agent}) sends KILLAGENT, or the JVM is stopped.
 *
 * <p>How gpg 2.2 starts it (gnupg {@code common/asshelp.c}, {@code start_new_gpg_agent}, checked
 * against gpg 2.2.40): when nothing answers on the agent socket and {@code gpg.conf} does not say
 * {@code no-autostart}, gpg runs {@code agent-program} (from {@code gpg.conf}, default gpg-agent) as
 * {@code PROGRAM --homedir ABSOLUTE_GNUPGHOME --use-standard-socket --daemon}, with stdin, stdout and
 * stderr on /dev/null, <em>waits for that process to exit</em>, and then tries to connect for
 * 5 seconds (SECS_TO_WAIT_FOR_AGENT) before it gives up with "No agent running". The program
 * therefore has to start the agent in the background (detached, e.g. {@code setsid}) and exit,
 * best once the socket answers. An {@code agent-program} of the form {@code PROGRAM|--option}
 * inserts {@code --option} before {@code --daemon}.
 */
public final class GpgAgentDaemon {

    /** The version answered when gpgconf cannot tell the installed one: Debian 12's gpg. */
    public static final String FALLBACK_VERSION = "2.2.40";

    private static final Logger LOG = LoggerFactory.getLogger(GpgAgentDaemon.class);
    private static final Pattern VERSION = Pattern.compile("\\(GnuPG\\)\\s+([0-9]+(?:\\.[0-9]+)*)");

    private GpgAgentDaemon() {
    }

    /**
     * Serves the certificate's keys on GNUPGHOME's agent socket ({@link #agentSocket}) and blocks until
     * KILLAGENT, an interrupt, or JVM shutdown; the socket file is removed in every case.
     * {@code GETINFO version} answers the installed gpg's version ({@link #installedVersion}).
     *
     * @param gnupgHome   the GNUPGHOME gpg passes as {@code --homedir}; must exist
     * @param keys        the device
     * @param certificate the certificate derived from {@code gpgIdentity} ({@code OpenPgpCertificate})
     * @param gpgIdentity {@code gpg://NAME <USER@HOST>}
     * @throws BcmException INVALID_INPUT when GNUPGHOME is not a directory or its socket directory is
     *                      open to others, CONFLICT when an agent already answers there, INTERNAL for I/O failures
     * @throws IllegalArgumentException when the certificate's keys are not keys the device can hold
     */
    public static void run(Path gnupgHome, DeviceKeys keys, PGPPublicKeyRing certificate, Identity gpgIdentity) {
        if (!Files.isDirectory(gnupgHome)) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "GNUPGHOME " + gnupgHome + " is not a directory",
                    "create it with mode 0700, or pass the --homedir gpg uses");
        }
        List<AgentKey> agentKeys = AgentKey.fromCertificate(certificate, gpgIdentity);
        GpgAgent agent = GpgAgent.start(agentSocket(gnupgHome), agentKeys, keys, installedVersion());
        Thread shutdown = new Thread(agent::close, "gpg-agent-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            agent.awaitClose();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            agent.close();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdown);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs or ran already
            }
        }
    }

    /**
     * {@link #run(Path, DeviceKeys, PGPPublicKeyRing, Identity)} for the operator's identity in
     * {@code identities}: its certificate and its gpg identity.
     *
     * @throws BcmException NOT_FOUND before {@code bcm init}, INVALID_INPUT for a bad certificate file; else as the other {@code run}
     */
    public static void run(Path gnupgHome, DeviceKeys keys, IdentityService identities) {
        PGPPublicKeyRing certificate = identities.certificate();
        run(gnupgHome, keys, certificate, identities.require().gpgIdentity());
    }

    /**
     * Where gpg looks for the agent of {@code gnupgHome}: what {@code gpgconf --homedir HOME
     * --list-dirs agent-socket} says (with {@code /run/user/UID} present gpg 2.2 uses
     * {@code /run/user/UID/gnupg[/d.HASH]/S.gpg-agent}), else {@code HOME/S.gpg-agent}.
     */
    public static Path agentSocket(Path gnupgHome) {
        Path home = gnupgHome.toAbsolutePath();
        String listed = gpgconf(ExternalProgram.GPGCONF.with("--homedir", home.toString(), "--list-dirs").operands("agent-socket"));
        if (listed != null && !listed.isBlank()) {
            return Path.of(percentDecode(listed.lines().findFirst().orElseThrow().strip()));
        }
        return home.resolve("S.gpg-agent");
    }

    /**
     * The installed GnuPG version from {@code gpgconf --version} (e.g. {@code 2.2.40}), else
     * {@link #FALLBACK_VERSION}. gpg warns "server 'gpg-agent' is older than us" when the agent
     * answers a lower version than its own.
     */
    public static String installedVersion() {
        String out = gpgconf(ExternalProgram.GPGCONF.with("--version"));
        Matcher m = VERSION.matcher(out == null ? "" : out);
        return m.find() ? m.group(1) : FALLBACK_VERSION;
    }

    /** gpgconf's standard output, or null when it is missing, fails or hangs (10 s). */
    private static String gpgconf(ExternalProgram.Call call) {
        ExternalProgram.Result result = call.captureWithin(Duration.ofSeconds(10));
        if (result == null || result.exit() != 0) {
            LOG.debug("gpg-agent: gpgconf gave no answer");
            return null;
        }
        return result.out();
    }

    /** gpgconf percent-escapes {@code %} and {@code :} in paths. */
    private static String percentDecode(String text) {
        return new String(AssuanChannel.unescape(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }
}
