package org.bcm.core.process;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * A program bcm runs on the controller (gpg, git, ssh, debootstrap, chroot, apt, tar, mount), and
 * the one place bcm starts processes: never through a shell, and with every value that may come from
 * input (a path, a name, an identity, a package) as an <em>operand</em>, which {@link #argv} puts after
 * {@code --} so that no program reads it as an option ({@code -oProxyCommand=...} stays a host name).
 * A program without {@code --} (debootstrap) gets operands only when none starts with {@code -}.
 *
 * <pre>{@code
 * ExternalProgram.GIT.with("commit", "-q", "-S", "-m", message).operands(path).in(store).check("committing");
 * // runs: git commit -q -S -m MESSAGE -- PATH
 * }</pre>
 *
 * <p>Options are the tokens bcm chooses itself (and values attached to them, {@code --include=a,b},
 * or given as an option's argument, {@code -l USER}), and arguments the operator typed for that very
 * program ({@code bcm git commit -- -m msg}).
 *
 * @param name          the program, found on PATH
 * @param debianPackage the Debian package that installs it, for the hint when it is missing
 * @param endOfOptions  whether the program takes {@code --} as the end of its options (POSIX
 *                      utility syntax guideline 10; getopt, git's parse-options, apt, GnuPG do)
 */
public record ExternalProgram(String name, String debianPackage, boolean endOfOptions) {

    public static final ExternalProgram GPG = new ExternalProgram("gpg", "gnupg", true);
    public static final ExternalProgram GPGCONF = new ExternalProgram("gpgconf", "gnupg", true);
    public static final ExternalProgram GIT = new ExternalProgram("git", "git", true);
    public static final ExternalProgram SSH = new ExternalProgram("ssh", "openssh-client", true);
    /** debootstrap's own option parser has no {@code --}: its operands must not start with {@code -}. */
    public static final ExternalProgram DEBOOTSTRAP = new ExternalProgram("debootstrap", "debootstrap", false);
    public static final ExternalProgram CHROOT = new ExternalProgram("chroot", "coreutils", true);
    public static final ExternalProgram APT_GET = new ExternalProgram("apt-get", "apt", true);
    public static final ExternalProgram SYSTEMCTL = new ExternalProgram("systemctl", "systemd", true);
    public static final ExternalProgram TAR = new ExternalProgram("tar", "tar", true);
    public static final ExternalProgram MOUNT = new ExternalProgram("mount", "mount", true);
    public static final ExternalProgram UMOUNT = new ExternalProgram("umount", "mount", true);

    private static final int TAIL_LINES = 15;

    public ExternalProgram {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(debianPackage, "debianPackage");
    }

    /** An invocation with these options (tokens bcm chose, see the class comment) and no operands yet. */
    public Call with(String... options) {
        return new Call(this, List.of(options), List.of(), Map.of(), null, null);
    }

    /** {@link #with(String...)} from a list. */
    public Call with(List<String> options) {
        return new Call(this, List.copyOf(options), List.of(), Map.of(), null, null);
    }

    /**
     * A program run in a new root: {@code chroot -- ROOT} and then the whole command line of
     * {@code inner} (its own options, {@code --} and operands), with its environment.
     */
    public static Call chroot(Path root, Call inner) {
        List<String> operands = new ArrayList<>();
        operands.add(root.toString());
        operands.addAll(inner.argv());
        return CHROOT.with().operands(operands).environment(inner.environment());
    }

    /** Whether the program is an executable on {@code PATH} (of this process). */
    public boolean onPath() {
        return find(System.getenv()) != null;
    }

    /** The executable on {@code PATH} in {@code environment}, or null. */
    public Path find(Map<String, String> environment) {
        String path = environment.getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        return null;
    }

    /**
     * What a captured run gave back.
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
     * One invocation: the program, its options, its operands, and how it runs. Immutable: each
     * method returns a changed copy.
     *
     * @param environment variables to set, or with a null value to remove, on top of bcm's own
     * @param workdir     the working directory, or null for bcm's
     * @param stdin       bytes written to standard input, or null for none
     */
    public record Call(ExternalProgram program, List<String> options, List<String> operands,
                       Map<String, String> environment, Path workdir, byte[] stdin) {

        /**
         * These operands, after the options (and after {@code --}).
         *
         * @throws IllegalArgumentException for an operand holding a NUL character, or starting with
         *     {@code -} for a program without {@code --}
         */
        public Call operands(String... values) {
            return operands(List.of(values));
        }

        /** {@link #operands(String...)} from a list. */
        public Call operands(List<String> values) {
            for (String value : values) {
                if (value.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("an argument of " + program.name() + " holds a NUL character");
                }
                if (!program.endOfOptions() && value.startsWith("-")) {
                    throw new IllegalArgumentException(program.name() + " cannot be given '" + value
                            + "': it would read it as an option, and it has no --");
                }
            }
            return new Call(program, options, List.copyOf(values), environment, workdir, stdin);
        }

        /** These environment variables too (a null value removes one). */
        public Call environment(Map<String, String> variables) {
            Map<String, String> all = new LinkedHashMap<>(environment);
            all.putAll(variables);
            return new Call(program, options, operands, java.util.Collections.unmodifiableMap(all), workdir, stdin);
        }

        /** Run in {@code directory}. */
        public Call in(Path directory) {
            return new Call(program, options, operands, environment, directory, stdin);
        }

        /** With {@code bytes} on standard input (never secrets in arguments). */
        public Call input(byte[] bytes) {
            return new Call(program, options, operands, environment, workdir, bytes);
        }

        /** The command line: the program, the options, {@code --} when there are operands and the program takes it, the operands. */
        public List<String> argv() {
            List<String> argv = new ArrayList<>();
            argv.add(program.name());
            argv.addAll(options);
            if (!operands.isEmpty() && program.endOfOptions()) {
                argv.add("--");
            }
            argv.addAll(operands);
            return argv;
        }

        /**
         * Runs the program to completion, its output captured.
         *
         * @throws BcmException HOST_PREREQUISITE when the program cannot be started, INTERNAL when interrupted
         */
        public Result capture() {
            Process process = start(false);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errReader = new Thread(() -> copy(process.getErrorStream(), err), program.name() + "-stderr");
            errReader.start();
            writeInput(process);
            try {
                byte[] out = process.getInputStream().readAllBytes();
                int exit = process.waitFor();
                errReader.join();
                return new Result(exit, out, err.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new BcmException(Kind.INTERNAL, "cannot read the output of " + program.name() + ": " + e.getMessage(), null, e);
            } catch (InterruptedException e) {
                throw interrupted(process, e);
            }
        }

        /**
         * {@link #capture()} that fails unless the program exits 0.
         *
         * @param what what the run was for, e.g. "importing the certificate"
         * @throws BcmException INTERNAL with the program's standard error when it exits non-zero
         */
        public Result check(String what) {
            Result result = capture();
            if (result.exit() != 0) {
                throw new BcmException(Kind.INTERNAL, what + " failed: " + program.name() + " exited with " + result.exit() + ": "
                        + result.stderr().strip(), "rerun with the same arguments; nothing bcm keeps is half-written");
            }
            return result;
        }

        /**
         * {@link #capture()} bounded in time: the program is killed after {@code timeout}.
         *
         * @return the result, or null when the program could not run or did not end in time
         */
        public Result captureWithin(Duration timeout) {
            Process process;
            try {
                process = builder().redirectError(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                return null;
            }
            writeInput(process);
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {  // its few lines fit in the pipe
                    process.destroyForcibly();
                    return null;
                }
                return new Result(process.exitValue(), process.getInputStream().readAllBytes(), "");
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                return null;
            }
        }

        /**
         * Runs the program to completion, passing each line it writes (standard output and error
         * merged) to {@code lines}.
         *
         * @throws BcmException HOST_PREREQUISITE when the program is missing, INTERNAL when it exits
         *     non-zero (its last lines are in the message)
         */
        public void stream(Consumer<String> lines) {
            Process process = start(true);
            writeInput(process);
            Deque<String> tail = new ArrayDeque<>();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.accept(line);
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
                int exit = process.waitFor();
                if (exit != 0) {
                    List<String> argv = argv();
                    throw new BcmException(Kind.INTERNAL, "'" + String.join(" ", argv.subList(0, Math.min(3, argv.size())))
                            + " ...' failed with exit code " + exit + ":\n  " + String.join("\n  ", tail),
                            "check the output above; a rerun starts this step again from scratch");
                }
            } catch (IOException e) {
                throw new BcmException(Kind.INTERNAL, "Failed reading the output of " + program.name(), null, e);
            } catch (InterruptedException e) {
                throw interrupted(process, e);
            }
        }

        /**
         * Runs the program on bcm's own terminal (standard input, output and error inherited), for
         * programs the operator talks to (ssh, git with its editor).
         *
         * @return the program's exit code
         * @throws BcmException HOST_PREREQUISITE when it cannot be started
         */
        public int interactive() throws InterruptedException {
            Process process = null;
            try {
                process = builder().inheritIO().start();
                return process.waitFor();
            } catch (IOException e) {
                throw missing(e);
            } finally {
                if (process != null && process.isAlive()) {
                    process.destroy();
                }
            }
        }

        private ProcessBuilder builder() {
            ProcessBuilder builder = new ProcessBuilder(argv());
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
            return builder;
        }

        private Process start(boolean mergeErrors) {
            try {
                return builder().redirectErrorStream(mergeErrors).start();
            } catch (IOException e) {
                throw missing(e);
            }
        }

        private BcmException missing(IOException e) {
            return new BcmException(Kind.HOST_PREREQUISITE, "cannot run " + program.name() + ": " + e.getMessage(),
                    "install it: apt-get install " + program.debianPackage() + " (scripts/install.sh installs every host prerequisite)", e);
        }

        private void writeInput(Process process) {
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException e) {
                // the program exited without reading its input; its exit code tells why
            }
        }

        private BcmException interrupted(Process process, InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            return new BcmException(Kind.INTERNAL, "interrupted while " + program.name() + " ran", null, e);
        }

        private static void copy(InputStream in, ByteArrayOutputStream out) {
            try {
                in.transferTo(out);
            } catch (IOException e) {
                // the process ended
            }
        }
    }
}
