package org.bcm.core.identity.gpg;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bcm.core.device.DeviceService;
import org.bcm.core.identity.OpenPgpCertificate;
import org.bcm.core.identity.TestDevice;
import org.bcm.core.identity.TrezorKeys;
import org.bcm.trezor.Identity;
import org.bouncycastle.openpgp.PGPPublicKeyRing;

/**
 * What an {@code agent-program} runs in the background, for {@link GpgAgentIT}: takes gpg's argv
 * {@code --homedir HOME --use-standard-socket --daemon} and serves {@link GpgAgentDaemon#run} with the
 * certificate in {@code HOME/agent-cert.asc}, the identity in {@code HOME/agent-identity} and the
 * device at the selector in {@code HOME/agent-device}; exits when the agent stops.
 */
public final class AutostartedAgent {

    private AutostartedAgent() {
    }

    /**
     * Makes {@code gnupgHome} one whose gpg starts this agent: writes the certificate, identity and
     * device files it reads, and the {@code agent-program} script (returned) that starts it in the
     * background and waits for its socket, as bcm's launcher {@code bin/bcm-gpg-agent} does.
     */
    public static Path install(Path gnupgHome, PGPPublicKeyRing certificate, Identity identity, String device) throws java.io.IOException {
        Path socket = GpgAgentDaemon.agentSocket(gnupgHome);
        Files.writeString(gnupgHome.resolve("agent-cert.asc"), OpenPgpCertificate.armored(certificate));
        Files.writeString(gnupgHome.resolve("agent-identity"), identity.toString());
        Files.writeString(gnupgHome.resolve("agent-device"), device);
        Path program = gnupgHome.resolve("bcm-gpg-agent");
        Files.writeString(program, String.join("\n",
                "#!/bin/sh",
                "# gpg runs PROGRAM --homedir HOME --use-standard-socket --daemon and waits for it to exit",
                "echo \"$@\" > \"$2/agent-argv\"",
                "setsid '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -cp '"
                        + System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")) + "' "
                        + AutostartedAgent.class.getName() + " \"$@\" </dev/null >\"$2/agent.log\" 2>&1 &",
                "i=0",
                "while [ $i -lt 40 ] && [ ! -S '" + socket + "' ]; do sleep 0.1; i=$((i+1)); done",
                ""));
        Files.setPosixFilePermissions(program, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return program;
    }

    public static void main(String[] args) throws Exception {
        List<String> argv = List.of(args);
        if (!argv.equals(List.of("--homedir", argv.get(1), "--use-standard-socket", "--daemon"))) {
            System.exit(2);
        }
        Path home = Path.of(argv.get(1));
        PGPPublicKeyRing certificate;
        try (InputStream in = Files.newInputStream(home.resolve("agent-cert.asc"))) {
            certificate = OpenPgpCertificate.read(in);
        }
        TrezorKeys keys = new TrezorKeys(new DeviceService(Map.of()),
                Files.readString(home.resolve("agent-device")).strip(), TestDevice.answeredBy(new TestDevice.Recorder()));
        GpgAgentDaemon.run(home, keys, certificate, Identity.parse(Files.readString(home.resolve("agent-identity")).strip()));
        System.exit(0);
    }
}
