package org.bcm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.ssh.SshAgent;
import org.bcm.core.identity.ssh.SshClient;
import org.bcm.core.identity.ssh.SshIdentities;
import org.bcm.core.identity.ssh.SshKeySpec;
import org.bcm.core.identity.ssh.SshPublicKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bcm ssh}: ssh keys that live on the Trezor, an ssh-agent for them, and logins through it. */
@Command(name = "ssh", mixinStandardHelpOptions = true,
        description = "SSH logins with keys that never leave the Trezor (SLIP-0013 identities ssh://USER@HOST).",
        subcommands = {SshCommand.NewKey.class, SshCommand.ListKeys.class, SshCommand.Connect.class, SshCommand.Agent.class})
final class SshCommand {

    @Command(name = "newkey", mixinStandardHelpOptions = true,
            description = "Ask the device for the key of USER@HOST, record it, and print its authorized_keys line.")
    static final class NewKey implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin DeviceOption device;

        @Parameters(index = "0", paramLabel = "USER@HOST", description = "The identity, e.g. root@lexx or bob@example.org:2222.")
        String target;

        @Option(names = "--curve", defaultValue = "nist256p1", description = "nist256p1 or ed25519. Default: ${DEFAULT-VALUE}.")
        String curve;

        @Option(names = "--index", defaultValue = "0", description = "SLIP-0013 index, for several keys per identity. Default: ${DEFAULT-VALUE}.")
        int index;

        @Option(names = "--authorized-keys", paramLabel = "FILE",
                description = "Also append the line to this authorized_keys file (created with mode 0600; no duplicate line).")
        Path authorizedKeys;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            SshKeySpec wanted = SshKeySpec.parse(target, index, curve);
            SshPublicKey key = new SshIdentities(context.home()).create(wanted, context.deviceKeys(device));
            if (authorizedKeys != null) {
                boolean added = appendOnce(authorizedKeys, key);
                context.err().println("bcm: " + (added ? "added to " : "already in ") + authorizedKeys);
            }
            context.out().println(key.authorizedKeysLine());
            context.out().flush();
            context.err().flush();
            return 0;
        }

        /**
         * Adds the key's line unless the file already holds the key (false then): the whole file is
         * rewritten atomically and durably with mode 0600, so sshd never reads half of it.
         */
        private static boolean appendOnce(Path file, SshPublicKey key) {
            String line = key.authorizedKeysLine();
            String typeAndKey = line.substring(0, line.lastIndexOf(' '));
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "cannot add the key to " + file + ": the folder " + dir + " does not exist",
                        "create it (mode 0700), or leave out --authorized-keys and copy the printed line");
            }
            try {
                return BcmHome.appendLineOnce(file, line, l -> l.contains(typeAndKey), true);
            } catch (java.io.UncheckedIOException e) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "cannot add the key to " + file + ": " + e.getMessage(),
                        "check that its folder is writable, or leave out --authorized-keys and copy the printed line");
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the recorded ssh identities (no device needed).")
    static final class ListKeys implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            List<SshPublicKey> keys = new SshIdentities(context.home()).list();
            if (output.json()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (SshPublicKey key : keys) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("identity", key.identityUri());
                    row.put("index", key.index());
                    row.put("curve", key.curveName());
                    row.put("fingerprint", key.fingerprint());
                    row.put("publicKey", key.authorizedKeysLine());
                    rows.add(row);
                }
                OutputOption.printJson(context.out(), rows);
                return 0;
            }
            if (keys.isEmpty()) {
                context.out().println("no ssh identities recorded (`bcm ssh newkey USER@HOST` makes one)");
            } else {
                Table table = new Table("IDENTITY", "INDEX", "CURVE", "FINGERPRINT");
                keys.forEach(k -> table.row(k.identityUri(), Long.toString(k.index()), k.curveName(), k.fingerprint()));
                table.print(context.out());
            }
            context.out().flush();
            return 0;
        }
    }

    @Command(name = "connect", mixinStandardHelpOptions = true,
            description = "Log in with ssh through an agent that serves only this identity's device key, for as long as ssh runs."
                    + " Arguments after -- are the remote command.")
    static final class Connect implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin DeviceOption device;

        @Parameters(index = "0", paramLabel = "USER@HOST", description = "The identity, e.g. root@lexx; also where ssh logs in.")
        String target;

        @Parameters(index = "1..*", paramLabel = "COMMAND", description = "The remote command and its arguments (after --).")
        List<String> command = new ArrayList<>();

        @Option(names = {"-o", "--ssh-option"}, paramLabel = "KEYWORD=VALUE",
                description = "An ssh_config option for ssh's -o, e.g. -o BatchMode=yes; repeatable.")
        List<String> options = new ArrayList<>();

        @Option(names = "--port", description = "The server's port. Default: the identity's port, else ssh's.")
        Integer port;

        @Option(names = "--curve", description = "nist256p1 or ed25519. Default: the recorded one, else nist256p1.")
        String curve;

        @Option(names = "--index", defaultValue = "0", description = "SLIP-0013 index. Default: ${DEFAULT-VALUE}.")
        int index;

        @Override
        public Integer call() throws InterruptedException {
            Context context = new Context(spec);
            SshKeySpec wanted = SshKeySpec.parse(target, index, curve);
            SshClient.findSsh(System.getenv());
            DeviceKeys keys = context.deviceKeys(device);
            SshPublicKey key = new SshIdentities(context.home()).keyFor(wanted, keys);
            context.err().println("bcm: ssh as " + wanted + " with " + key.keyType() + " " + key.fingerprint());
            context.err().flush();
            return SshClient.connect(key, keys, port, options, command, SshClient.ON_TERMINAL);
        }
    }

    @Command(name = "agent", mixinStandardHelpOptions = true,
            description = "Run the ssh-agent for every recorded identity in the foreground on <bcm home>/ssh/S.ssh-agent, until Ctrl-C or SIGTERM.")
    static final class Agent implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin DeviceOption device;

        @Override
        public Integer call() throws InterruptedException {
            Context context = new Context(spec);
            Context.agentLogging();
            List<SshPublicKey> recorded = new SshIdentities(context.home()).list();
            if (recorded.isEmpty()) {
                throw new BcmException(BcmException.Kind.NOT_FOUND, "no ssh identities recorded in " + context.home().sshDir(),
                        "`bcm ssh newkey USER@HOST` makes one");
            }
            SshAgent agent = SshAgent.start(context.home().sshDir().resolve("S.ssh-agent"), recorded, context.deviceKeys(device));
            Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "ssh-agent-stop"));
            context.out().println("SSH_AUTH_SOCK=" + agent.socket() + "; export SSH_AUTH_SOCK;");
            context.out().flush();
            context.err().println("bcm: ssh-agent serving " + recorded.size() + " identities; stop with Ctrl-C");
            context.err().flush();
            agent.awaitClose();
            return 0;
        }
    }
}
