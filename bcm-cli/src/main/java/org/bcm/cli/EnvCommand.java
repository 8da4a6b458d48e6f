package org.bcm.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bcm env}: the shell lines that point gpg, pass, git and ssh at bcm's identity, or away from it with BCM_ACTIVE=0. */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = {"Print shell lines that point gpg, pass, git and ssh at the bcm GnuPG home, password store and ssh-agent:"
                + " eval \"$(bcm env)\".",
            "With BCM_ACTIVE=0 it prints the lines that undo this, so the shell's tools use your own ~/.gnupg, ~/.password-store and ~/.ssh."})
final class EnvCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        Context context = new Context(spec);
        context.identities().shellEnvironment(System.getenv()).forEach((name, value) -> context.out().println(value == null
                ? "unset " + name + ";"
                : "export " + name + "='" + value.replace("'", "'\\''") + "';"));
        context.out().flush();
        return 0;
    }
}
