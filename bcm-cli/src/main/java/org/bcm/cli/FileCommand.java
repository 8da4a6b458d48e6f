package org.bcm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.core.identity.OpenPgpFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bcm file}: OpenPGP files for the operator's certificate, readable by gpg and reading gpg's.
 * Encryption and verification need only the certificate; decryption and signatures ask the Trezor.
 */
@Command(name = "file", mixinStandardHelpOptions = true,
        description = "Encrypt, decrypt, sign and verify files with the bcm identity (OpenPGP, interoperable with gpg).",
        subcommands = {FileCommand.Encrypt.class, FileCommand.Decrypt.class, FileCommand.CreateSignature.class, FileCommand.VerifySignature.class})
final class FileCommand {

    /** Options every file command has. */
    static final class FileOptions {
        @Option(names = "--file-path", required = true, paramLabel = "PATH", description = "The file to work on.")
        Path file;

        @Option(names = "--output", paramLabel = "PATH", description = "Where to write the result (default: beside the file, see the command).")
        Path output;

        Path input() {
            return readable(file, "--file-path");
        }

        /**
         * Streams the input file through {@code transform} into {@code out}, created new (never over a
         * file, even one that appears meanwhile) and only when the transform succeeded, then prints
         * {@code out}.
         */
        void transform(Context context, Path out, boolean privateFile, Transform transform) {
            try {
                BcmHome.createNew(out, privateFile, stream -> {
                    try (InputStream data = Files.newInputStream(input())) {
                        transform.apply(data, stream);
                    }
                });
            } catch (FileAlreadyExistsException e) {
                throw exists(out);
            } catch (NoSuchFileException e) {
                throw missingFolder(out);
            } catch (IOException e) {
                throw new BcmException(Kind.INVALID_INPUT, "cannot write " + out + ": " + e.getMessage(), "check the folder's permissions", e);
            }
            context.out().println(out);
            context.out().flush();
        }

        /** The output, checked before any work: its folder exists, and it does not. */
        Path output(Path defaultOutput) {
            Path out = output != null ? output : defaultOutput;
            if (!Files.isDirectory(out.toAbsolutePath().getParent())) {
                throw missingFolder(out);
            }
            if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
                throw exists(out);
            }
            return out;
        }

        private static BcmException missingFolder(Path out) {
            return new BcmException(Kind.INVALID_INPUT, "cannot write " + out + ": the folder " + out.toAbsolutePath().getParent()
                    + " does not exist", "create the folder first, or choose another --output");
        }

        private static BcmException exists(Path out) {
            return new BcmException(Kind.CONFLICT, out + " exists already", "remove it, or choose another --output");
        }
    }

    /**
     * {@code path}, when it is a readable file.
     *
     * @param option the option that named it, for the hint
     * @throws BcmException NOT_FOUND when there is no such file, INVALID_INPUT when it is a folder or unreadable
     */
    static Path readable(Path path, String option) {
        if (!Files.exists(path)) {
            throw new BcmException(Kind.NOT_FOUND, path + ": not found", "give an existing file with " + option);
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new BcmException(Kind.INVALID_INPUT, "cannot read " + path + (Files.isDirectory(path) ? ": it is a folder" : ": permission denied"),
                    "give a readable file with " + option);
        }
        return path;
    }

    /** Reads one stream and writes another: an OpenPGP operation on a file. */
    interface Transform {
        void apply(InputStream in, OutputStream out) throws IOException;
    }

    @Command(name = "encrypt", mixinStandardHelpOptions = true,
            description = "Encrypt a file to the bcm certificate (no device needed). Writes PATH.gpg (PATH.asc with --armor).")
    static final class Encrypt implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FileOptions files;

        @Option(names = "--armor", description = "ASCII armor instead of binary.")
        boolean armor;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Path in = files.input();
            Path out = files.output(Path.of(in + (armor ? ".asc" : ".gpg")));
            OpenPgpFiles openPgp = OpenPgpFiles.of(context.identities());
            files.transform(context, out, false, (data, stream) -> openPgp.encrypt(data, stream, in.getFileName().toString(), armor));
            return 0;
        }
    }

    @Command(name = "decrypt", mixinStandardHelpOptions = true,
            description = "Decrypt a file encrypted to the bcm certificate; the Trezor computes the key (confirm on it). Writes PATH without .gpg/.asc, mode 0600.")
    static final class Decrypt implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FileOptions files;
        @Mixin DeviceOption device;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Path in = files.input();
            String name = in.toString();
            Path out = files.output(Path.of(name.endsWith(".gpg") || name.endsWith(".asc") || name.endsWith(".pgp")
                    ? name.substring(0, name.length() - 4) : name + ".decrypted"));
            OpenPgpFiles openPgp = OpenPgpFiles.of(context.identities());
            DeviceKeys keys = context.deviceKeys(device);
            files.transform(context, out, true, (message, stream) -> openPgp.decrypt(message, stream, keys));
            return 0;
        }
    }

    @Command(name = "createsignature", mixinStandardHelpOptions = true,
            description = "Make a detached signature with the Trezor (confirm on it). Writes PATH.sig (PATH.asc with --armor).")
    static final class CreateSignature implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FileOptions files;
        @Mixin DeviceOption device;

        @Option(names = "--armor", description = "ASCII armor instead of binary.")
        boolean armor;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            Path in = files.input();
            Path out = files.output(Path.of(in + (armor ? ".asc" : ".sig")));
            OpenPgpFiles openPgp = OpenPgpFiles.of(context.identities());
            DeviceKeys keys = context.deviceKeys(device);
            files.transform(context, out, false, (data, stream) -> openPgp.signDetached(data, stream, keys, armor));
            return 0;
        }
    }

    @Command(name = "verifysignature", mixinStandardHelpOptions = true,
            description = "Check a detached signature (bcm's or gpg's) against the bcm certificate. Exit 0 for a good signature, 7 for a bad one.")
    static final class VerifySignature implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FileOptions files;

        @Option(names = "--signature", paramLabel = "PATH", description = "The signature. Default: PATH.sig, else PATH.asc.")
        Path signature;

        @Override
        public Integer call() throws IOException {
            Context context = new Context(spec);
            Path in = files.input();
            Path sig = signature != null ? signature
                    : Files.exists(Path.of(in + ".sig")) ? Path.of(in + ".sig") : Path.of(in + ".asc");
            readable(sig, "--signature");
            OpenPgpFiles openPgp = OpenPgpFiles.of(context.identities());
            OpenPgpFiles.GoodSignature good;
            try (InputStream data = Files.newInputStream(in); InputStream s = Files.newInputStream(sig)) {
                good = openPgp.verifyDetached(data, s);
            }
            context.out().println("Good signature from \"" + good.userId() + "\" (" + good.fingerprint() + "), made " + good.created());
            context.out().flush();
            return 0;
        }
    }
}
