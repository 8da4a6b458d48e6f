package org.bcm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.identity.OperatorIdentity;
import org.bcm.core.identity.ssh.SshAgent;
import org.bcm.core.identity.ssh.SshPublicKey;
import org.bcm.core.process.ExternalProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bcm git commit|tag}: the real git, in the current directory, signing with the Trezor:
 * OpenPGP through bcm's gpg-agent (GNUPGHOME = the bcm GnuPG home, the certificate as
 * {@code user.signingkey}), or with {@code --ssh} git's SSH signature format (git >= 2.34,
 * {@code gpg.format=ssh}) through an ssh-agent of bcm that serves {@code ssh://USER@HOST}.
 */
@Command(name = "git", mixinStandardHelpOptions = true,
        description = "Signed git commits and tags, the key on the Trezor. Arguments after -- go to git.")
final class GitCommand {

    @Spec CommandSpec spec;

    static final class SigningOptions {
        @Option(names = "--ssh", description = "Sign in git's SSH signature format with ssh://USER@HOST instead of OpenPGP."
                + " Verifiers need gpg.ssh.allowedSignersFile=<bcm home>/ssh/allowed_signers.")
        boolean ssh;

        @Option(names = "--repo", paramLabel = "DIR", description = "The repository to work in. Default: the current directory.")
        Path repository;

        @Mixin DeviceOption device;
    }

    @Command(name = "commit", mixinStandardHelpOptions = true, description = "git commit -S ARGS..., signed by the Trezor (confirm on it).")
    int commit(@Mixin SigningOptions signing,
               @Parameters(paramLabel = "GIT-ARGS", arity = "0..*", description = "Passed to git commit, e.g. -- -m 'message'.") List<String> args)
            throws IOException, InterruptedException {
        return run(new Context(spec), signing, "commit", "-S", args);
    }

    @Command(name = "tag", mixinStandardHelpOptions = true, description = "git tag -s ARGS..., signed by the Trezor (confirm on it).")
    int tag(@Mixin SigningOptions signing,
            @Parameters(paramLabel = "GIT-ARGS", arity = "0..*", description = "Passed to git tag, e.g. -- -m 'release' v1.0.") List<String> args)
            throws IOException, InterruptedException {
        return run(new Context(spec), signing, "tag", "-s", args);
    }

    private static int run(Context context, SigningOptions signing, String subcommand, String signFlag, List<String> args)
            throws IOException, InterruptedException {
        List<String> gitArgs = new ArrayList<>(List.of(subcommand, signFlag));
        if (args != null) {
            gitArgs.addAll(args);
        }
        if (signing.repository != null && !Files.isDirectory(signing.repository)) {
            throw new BcmException(Kind.NOT_FOUND, "the folder " + signing.repository + " does not exist", "give a git working tree with --repo");
        }
        IdentityService identities = context.identities();
        OperatorIdentity identity = identities.require();
        List<String> command = new ArrayList<>();
        Map<String, String> env = new java.util.HashMap<>(identities.gpgEnvironment());
        if (signing.device.selector != null) {
            env.put("BCM_TREZOR", signing.device.selector);
        }
        SshAgent agent = null;
        Path agentDir = null;
        try {
            if (signing.ssh) {
                DeviceKeys keys = context.deviceKeys(signing.device);
                SshPublicKey key = SshPublicKey.of(keys, identity);
                Path allowedSigners = context.home().sshDir().resolve("allowed_signers");
                String line = identity.username() + "@" + identity.hostname() + " " + key.authorizedKeysLine();
                BcmHome.appendLineOnce(allowedSigners, line, line::equals, false);
                agentDir = Files.createTempDirectory("bcm-git-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                agent = SshAgent.start(agentDir.resolve("agent.sock"), List.of(key), keys);
                env.put("SSH_AUTH_SOCK", agent.socket().toString());
                command.addAll(List.of("-c", "gpg.format=ssh", "-c", "user.signingkey=key::" + key.authorizedKeysLine(),
                        "-c", "gpg.ssh.allowedSignersFile=" + allowedSigners));
            } else {
                command.addAll(List.of("-c", "gpg.format=openpgp", "-c", "user.signingkey=" + identity.fingerprint()));
            }
            command.addAll(gitArgs);
            return ExternalProgram.GIT.with(command).environment(env).in(signing.repository).interactive();
        } finally {
            if (agent != null) {
                agent.close();
            }
            if (agentDir != null) {
                BcmHome.deleteTree(agentDir);
            }
        }
    }
}
