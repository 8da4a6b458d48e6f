package org.bcm.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bcm.core.device.DeviceInteraction;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.identity.OperatorIdentity;
import org.bcm.core.identity.TrezorKeys;
import org.bcm.core.identity.gpg.GpgAgentDaemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code bcm agent}: the agents gpg and ssh reach the Trezor through. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "The agents that let gpg, pass, git and ssh use the keys on the Trezor (the ssh-agent is `bcm ssh agent`).",
        subcommands = {AgentCommand.Gpg.class})
final class AgentCommand {

    @Command(name = "gpg", mixinStandardHelpOptions = true,
            description = {"Run bcm's gpg-agent in the foreground on the agent socket of a bcm GnuPG home, until `gpgconf --kill gpg-agent` or SIGTERM.",
                "gpg starts it by itself through bin/bcm-gpg-agent (agent-program in gpg.conf); the bcm home is the GnuPG home's parent directory."})
    static final class Gpg implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--homedir", paramLabel = "DIR", description = "The GnuPG home. Default: <bcm home>/gnupg.")
        Path homedir;

        @Option(names = "--device", paramLabel = "DEVICE", description = "The Trezor (see bcm device list). Default: $BCM_TREZOR, else the one hardware Trezor connected"
                + " (the emulator and the development device only when chosen: udp).")
        String device;

        @Unmatched
        String[] gpgArguments;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Context.agentLogging();
            IdentityService identities = homedir == null ? context.identities()
                    : new IdentityService(new BcmHome(homedir.toAbsolutePath().getParent(), context.home().cacheDir()));
            OperatorIdentity identity = identities.require();
            Path gnupgHome = homedir == null ? identities.gnupgHome() : homedir;
            context.err().println("bcm: gpg-agent for " + identity.userId() + " (" + identity.fingerprint() + ") on "
                    + GpgAgentDaemon.agentSocket(gnupgHome));
            context.err().flush();
            GpgAgentDaemon.run(gnupgHome, new TrezorKeys(context.deviceService(), device, new Unattended(context.err())), identities);
            return 0;
        }
    }

    /**
     * The device's questions while no one sits at a terminal of ours: confirmations are logged (the
     * user presses the device's button), PIN and passphrase entry are cancelled with what to do.
     */
    static final class Unattended implements DeviceInteraction {
        private final PrintWriter log;

        Unattended(PrintWriter log) {
            this.log = log;
        }

        @Override
        public void confirmOnDevice(String what) {
            say("confirm on your Trezor (" + what + ")");
        }

        @Override
        public char[] pin(PinRequest request) {
            say("the Trezor is locked and the agent has no terminal to ask for its PIN: unlock it with `bcm device info`, then retry");
            return null;
        }

        @Override
        public Passphrase passphrase() {
            say("the Trezor asks for a passphrase and the agent has no terminal: enter it on the device, or use a device without passphrase protection");
            return null;
        }

        @Override
        public void warning(String message) {
            say("WARNING: " + message);
        }

        private void say(String message) {
            log.println("bcm: " + message);
            log.flush();
        }
    }
}
