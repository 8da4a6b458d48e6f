package org.bcm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.identity.OperatorIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bcm init}: the bcm home and the operator's OpenPGP identity, derived on the Trezor. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create the bcm home (~/.bcm or $BCM_HOME) and the operator's OpenPGP certificate, derived on the Trezor"
                + " from the identity gpg://NAME <USER@HOST>, and import it into the bcm GnuPG home.",
            "Running it again with the same device is harmless; another device is refused."})
final class InitCommand implements Callable<Integer>, ChangesHome {

    @Spec CommandSpec spec;
    @Mixin DeviceOption device;

    @Option(names = "--name", required = true, description = "Your name in the OpenPGP user id, e.g. 'Satoshi Nakamoto'.")
    String name;

    @Option(names = "--username", required = true, description = "The user part of the user id's e-mail address and of your ssh identity.")
    String username;

    @Option(names = "--hostname", required = true, description = "The host part of both.")
    String hostname;

    @Option(names = "--curve", defaultValue = "nist256p1", description = "nist256p1 (ECDSA, ECDH P-256) or ed25519 (EdDSA, ECDH Curve25519). Default: ${DEFAULT-VALUE}.")
    String curve;

    @Override
    public Integer call() {
        Context context = new Context(spec);
        IdentityService identities = context.identities();
        IdentityService.validate(name, username, hostname, curve);
        context.err().println("bcm: deriving the OpenPGP certificate of gpg://" + name + " <" + username + "@" + hostname + "> on the device");
        context.err().flush();
        OperatorIdentity identity = identities.init(context.deviceKeys(device), name, username, hostname, curve, agentProgram());
        context.out().println("home:        " + identities.home().root());
        context.out().println("user id:     " + identity.userId());
        context.out().println("fingerprint: " + identity.fingerprint());
        context.out().println("curve:       " + identity.curve());
        context.out().println("GNUPGHOME:   " + identities.gnupgHome());
        context.out().flush();
        return 0;
    }

    /** {@code bin/bcm-gpg-agent} of this installation (the launcher passes its directory as {@code bcm.dist}), when there is one. */
    static Path agentProgram() {
        String dist = System.getProperty("bcm.dist");
        if (dist == null) {
            return null;
        }
        Path program = Path.of(dist, "bin", "bcm-gpg-agent").toAbsolutePath().normalize();
        return Files.isExecutable(program) ? program : null;
    }
}
