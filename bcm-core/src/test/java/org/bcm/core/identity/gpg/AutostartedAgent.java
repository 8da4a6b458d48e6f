package org.bcm.core.identity.gpg;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bcm.core.device.DeviceService;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.OpenPgpCertificate;
import org.bcm.core.identity.TestDevice;
import org.bcm.core.identity.TrezorKeys;
import org.bcm.trezor.Identity;
import org.bcm.trezor.TrezorDevices;
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
        TrezorKeys keys = new TrezorKeys(new DeviceService(new BcmHome(Path.of("/nonexistent")), Map.of(), new TrezorDevices()),
                Files.readString(home.resolve("agent-device")).strip(), new TestDevice.Recorder());
        GpgAgentDaemon.run(home, keys, certificate, Identity.parse(Files.readString(home.resolve("agent-identity")).strip()));
        System.exit(0);
    }
}
