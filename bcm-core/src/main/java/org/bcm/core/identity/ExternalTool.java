package org.bcm.core.identity;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * Runs one of the operator's standard tools (gpg, git, ssh) on the controller with bcm's
 * environment: input given as bytes (never secrets in arguments), output captured.
 *
 * @param program the program name, found on PATH
 * @param package_ the Debian package that installs it, for the hint when it is missing
 */
public record ExternalTool(String program, String package_) {

    /** Debian's gpg. */
    public static final ExternalTool GPG = new ExternalTool("gpg", "gnupg");
    /** Debian's git. */
    public static final ExternalTool GIT = new ExternalTool("git", "git");

    /**
     * What a run gave back.
     *
     * @param exit   the exit code
     * @param stdout standard output, bytes
     * @param stderr standard error, text
     */
    public record Result(int exit, byte[] stdout, String stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    /**
     * Runs the program to completion.
     *
     * @param args        arguments after the program name
     * @param environment variables to set (or, with a null value, to remove)
     * @param workdir     working directory, or null for the current one
     * @param stdin       bytes written to standard input, or null for none
     * @throws BcmException HOST_PREREQUISITE when the program cannot be started
     */
    public Result run(List<String> args, Map<String, String> environment, Path workdir, byte[] stdin) {
        List<String> command = new ArrayList<>();
        command.add(program);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        environment.forEach((k, v) -> {
            if (v == null) {
                builder.environment().remove(k);
            } else {
                builder.environment().put(k, v);
            }
        });
        if (workdir != null) {
            builder.directory(workdir.toFile());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new BcmException(Kind.HOST_PREREQUISITE, "cannot run " + program + ": " + e.getMessage(),
                    "install it: apt-get install " + package_, e);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = new Thread(() -> copy(process.getErrorStream(), err), program + "-stderr");
        errReader.start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        } catch (IOException e) {
            // the program exited without reading its input; its exit code tells why
        }
        try {
            byte[] out = process.getInputStream().readAllBytes();
            int exit = process.waitFor();
            errReader.join();
            return new Result(exit, out, err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new BcmException(Kind.INTERNAL, "interrupted while " + program + " ran", null, e);
        }
    }

    /**
     * {@link #run} that fails unless the program exits 0.
     *
     * @param what what the run was for, e.g. "importing the certificate"
     * @throws BcmException INTERNAL with the program's standard error when it exits non-zero
     */
    public Result check(String what, List<String> args, Map<String, String> environment, Path workdir, byte[] stdin) {
        Result result = run(args, environment, workdir, stdin);
        if (result.exit() != 0) {
            throw new BcmException(Kind.INTERNAL, what + " failed: " + program + " exited with " + result.exit() + ": " + result.stderr().strip(),
                    "rerun with the same arguments; nothing bcm keeps is half-written");
        }
        return result;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // the process ended
        }
    }
}
