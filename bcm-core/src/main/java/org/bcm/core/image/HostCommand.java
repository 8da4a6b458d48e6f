package org.bcm.core.image;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.bcm.core.BcmException;

/**
 * Runs a program on the controller (debootstrap, chroot, tar), streaming its merged output line by
 * line to a sink, and failing with the program's last lines when it exits non-zero.
 */
final class HostCommand {

    private static final int TAIL_LINES = 15;

    private HostCommand() {
    }

    /**
     * Runs {@code command} to completion.
     *
     * @param lines receives every output line (stdout and stderr merged)
     * @throws BcmException HOST_PREREQUISITE when the program is missing, INTERNAL when it fails
     */
    static void run(List<String> command, Consumer<String> lines) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        pb.environment().put("LC_ALL", "C");
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.HOST_PREREQUISITE,
                    "Cannot run '" + command.get(0) + "': " + e.getMessage(),
                    "install it (scripts/install.sh installs every host prerequisite)", e);
        }
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
                throw new BcmException(BcmException.Kind.INTERNAL,
                        "'" + String.join(" ", command.subList(0, Math.min(3, command.size()))) + " ...' failed with exit code "
                                + exit + ":\n  " + String.join("\n  ", tail),
                        "check the output above; a rerun starts this step again from scratch");
            }
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed reading the output of " + command.get(0), null, e);
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new BcmException(BcmException.Kind.INTERNAL, "Interrupted while running " + command.get(0), null, e);
        }
    }

    /** Whether {@code program} is an executable on the PATH. */
    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
