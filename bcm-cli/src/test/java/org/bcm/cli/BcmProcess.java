package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** Runs the built {@code bcm} launcher ({@code bcm-cli/target/bcm/bin/bcm}) as a separate process. */
final class BcmProcess {

    /** The outcome of one run: exit code, standard output, standard error, wall time. */
    record Result(int exitCode, String out, String err, Duration took) {
        @Override
        public String toString() {
            return "exit " + exitCode + " after " + took.toMillis() + " ms\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Path launcher;
    private final Path home;
    private final Map<String, String> environment;

    BcmProcess(Path home) {
        this(home, Map.of());
    }

    /** @param environment variables set for every run besides BCM_HOME */
    BcmProcess(Path home, Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        this.launcher = Path.of(System.getProperty("bcm.launcher", "target/bcm/bin/bcm"));
        this.home = home;
        if (!Files.exists(launcher)) {
            throw new IllegalStateException("bcm launcher not built: " + launcher + " (run mvn package)");
        }
        launcher.toFile().setExecutable(true);
    }

    /** Starts bcm with {@code args}; output goes to files next to the bcm home. */
    Process start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /** Starts bcm with {@code args} and extra environment variables. */
    Process start(Map<String, String> environment, String... args) throws IOException {
        return start(environment, null, args);
    }

    /** Starts bcm with {@code args}, extra environment variables, and standard input read from {@code input} (null: none). */
    Process start(Map<String, String> environment, Path input, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(home.resolveSibling(home.getFileName() + ".out").toFile())
                .redirectError(home.resolveSibling(home.getFileName() + ".err").toFile());
        pb.environment().put("BCM_HOME", home.toString());
        pb.environment().putAll(this.environment);
        pb.environment().putAll(environment);
        if (input != null) {
            pb.redirectInput(input.toFile());
        }
        return pb.start();
    }

    /** Starts bcm with {@code args}, its standard output a pipe the caller reads ({@link Process#getInputStream()}). */
    Process startPiped(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(home.resolveSibling(home.getFileName() + ".err").toFile());
        pb.environment().put("BCM_HOME", home.toString());
        pb.environment().putAll(this.environment);
        return pb.start();
    }

    /**
     * Waits until {@code process}, started by {@link #start}, has printed {@code printed} on standard output. Fails with its
     * standard error as soon as it exits without having printed it, or when {@code atMost} has passed.
     */
    void awaitOutput(Process process, String printed, Duration atMost) {
        Path out = home.resolveSibling(home.getFileName() + ".out");
        Path err = home.resolveSibling(home.getFileName() + ".err");
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(100))
                .failFast(() -> {
                    if (!process.isAlive() && !read(out).contains(printed)) {
                        throw new AssertionError("bcm (BCM_HOME=" + home + ") exited with " + process.exitValue()
                                + " before printing \"" + printed + "\"; its stderr:\n" + read(err));
                    }
                })
                .untilAsserted(() -> assertThat(read(out))
                        .as("bcm (BCM_HOME=" + home + ") has not printed \"" + printed + "\"; its stderr:\n" + read(err))
                        .contains(printed));
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    /** Runs bcm with {@code args} to completion (at most 20 minutes). */
    Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    /** Runs bcm with {@code args} and extra environment variables to completion. */
    Result run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        return run(environment, null, args);
    }

    /** Runs bcm with {@code args}, extra environment variables and standard input from {@code input} to completion. */
    Result run(Map<String, String> environment, Path input, String... args) throws IOException, InterruptedException {
        long started = System.nanoTime();
        Process process = start(environment, input, args);
        if (!process.waitFor(20, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("bcm " + String.join(" ", args) + " did not finish in 20 minutes");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        String out = Files.readString(new File(home + ".out").toPath(), StandardCharsets.UTF_8);
        String err = Files.readString(new File(home + ".err").toPath(), StandardCharsets.UTF_8);
        System.out.println("$ bcm " + String.join(" ", args) + "\n" + new Result(process.exitValue(), out, err, took));
        return new Result(process.exitValue(), out, err, took);
    }
}
