package org.bcm.core.identity.gpg;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away GNUPGHOME (mode 0700, under /tmp so that socket paths stay short) and the real
 * {@code gpg} run in it. {@link #close()} stops whatever gpg-agent runs for it
 * ({@code gpgconf --kill gpg-agent}) and deletes it.
 */
final class GpgHome implements AutoCloseable {

    /** What a gpg run printed and how it ended. */
    record Result(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    final Path dir;

    GpgHome() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "bcm-gpg-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** True when {@code gpg} and {@code gpgconf} are installed. */
    static boolean installed() {
        return Files.isExecutable(Path.of("/usr/bin/gpg")) && Files.isExecutable(Path.of("/usr/bin/gpgconf"));
    }

    /** Runs {@code gpg --homedir DIR --batch ARGS} with {@code stdin}. */
    Result gpg(byte[] stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("gpg", "--homedir", dir.toString(), "--batch"));
        command.addAll(List.of(args));
        return run(command, stdin);
    }

    /** Runs {@code gpg} and fails with its error output unless it exits 0. */
    Result gpgOk(byte[] stdin, String... args) {
        Result result = gpg(stdin, args);
        if (result.exit() != 0) {
            throw new AssertionError("gpg " + String.join(" ", args) + " exited " + result.exit() + ":\n" + result.stderr());
        }
        return result;
    }

    /** Runs {@code gpgconf --homedir DIR ARGS}. */
    Result gpgconf(String... args) {
        List<String> command = new ArrayList<>(List.of("gpgconf", "--homedir", dir.toString()));
        command.addAll(List.of(args));
        return run(command, new byte[0]);
    }

    /** The 40-hex keygrips gpg lists for the public key {@code user}, in order (primary first). */
    List<String> keygrips(String user) {
        return gpgOk(null, "--with-keygrip", "--with-colons", "--list-keys", user).out().lines()
                .filter(l -> l.startsWith("grp:")).map(l -> l.split(":")[9]).toList();
    }

    static Result run(List<String> command, byte[] stdin) {
        try {
            Process process = new ProcessBuilder(command).start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            try (var in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end within 120 s");
            }
            return new Result(process.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        gpgconf("--kill", "gpg-agent");
        for (int attempt = 1; ; attempt++) {  // the agent may still be removing its sockets
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
                return;
            } catch (IOException | UncheckedIOException e) {
                if (attempt == 5) {
                    throw e;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
