package org.bcm.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.identity.PasswordStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bcm pass}: the password store in pass's format, encrypted to the bcm identity, every change
 * a commit signed by the Trezor. Debian's {@code pass} with {@code PASSWORD_STORE_DIR} and
 * {@code GNUPGHOME} set as {@code bcm env} prints reads and writes the same store.
 */
@Command(name = "pass", mixinStandardHelpOptions = true,
        description = "The password store (pass's format) in the bcm home; the Trezor decrypts and signs.",
        subcommands = {PassCommand.New.class, PassCommand.Insert.class, PassCommand.Get.class, PassCommand.ListEntries.class,
            PassCommand.Remove.class})
final class PassCommand {

    static final class NameOption {
        @Option(names = "--name", required = true, paramLabel = "PATH", description = "The entry, e.g. bitcoin/rpc-password.")
        String name;
    }

    private static PasswordStore store(Context context, DeviceOption device) {
        return new PasswordStore(context.identities(), device == null ? null : context.deviceKeys(device));
    }

    @Command(name = "new", mixinStandardHelpOptions = true,
            description = "Generate a password of 32 random characters and store it (shown only with --show).")
    static final class New implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin NameOption entry;

        @Option(names = "--show", description = "Print the generated password on standard output.")
        boolean show;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            char[] password = store(context, null).generate(entry.name);
            if (show) {
                context.out().println(password);
            }
            Arrays.fill(password, '\0');
            context.err().println("bcm: stored a new " + PasswordStore.GENERATED_LENGTH + "-character password as " + entry.name);
            context.out().flush();
            context.err().flush();
            return 0;
        }
    }

    @Command(name = "insert", mixinStandardHelpOptions = true,
            description = "Store a secret typed on the terminal (twice, not echoed) or, without a terminal, read from standard input.")
    static final class Insert implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin NameOption entry;

        @Override
        public Integer call() throws IOException {
            Context context = new Context(spec);
            byte[] content;
            Console console = System.console();
            if (console != null) {
                char[] first = console.readPassword("Enter the secret for %s: ", entry.name);
                char[] second = console.readPassword("Retype the secret for %s: ", entry.name);
                if (first == null || second == null || !Arrays.equals(first, second)) {
                    throw new BcmException(Kind.INVALID_INPUT, "the two entries differ", "run the command again");
                }
                content = (new String(first) + "\n").getBytes(StandardCharsets.UTF_8);
                Arrays.fill(first, '\0');
                Arrays.fill(second, '\0');
            } else {
                content = System.in.readNBytes(1 << 20);
                if (content.length == 0) {
                    throw new BcmException(Kind.INVALID_INPUT, "nothing on standard input", "pipe the secret in: ... | bcm pass insert --name=" + entry.name);
                }
            }
            store(context, null).insert(entry.name, content);
            Arrays.fill(content, (byte) 0);
            context.err().println("bcm: stored " + entry.name);
            context.err().flush();
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Decrypt an entry with the Trezor (confirm on it) and print it.")
    static final class Get implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin NameOption entry;
        @Mixin DeviceOption device;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            byte[] content = store(context, device).get(entry.name);
            context.out().print(new String(content, StandardCharsets.UTF_8));
            context.out().flush();
            Arrays.fill(content, (byte) 0);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the entries.")
    static final class ListEntries implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            var names = store(context, null).list();
            if (output.json()) {
                OutputOption.printJson(context.out(), names);
            } else {
                names.forEach(context.out()::println);
                context.out().flush();
            }
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove an entry (a signed commit records it).")
    static final class Remove implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Mixin NameOption entry;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            store(context, null).remove(entry.name);
            context.err().println("bcm: removed " + entry.name);
            context.err().flush();
            return 0;
        }
    }
}
