package org.bcm.core.home;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A second process for the home's tests: {@code lock HOME} holds the home's lock until its standard
 * input closes; {@code write FILE} writes FILE atomically, {@code create FILE} creates it new.
 */
public final class HomeProcess {

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "lock" -> {
                try (HomeLock lock = HomeLock.acquire(new BcmHome(Path.of(args[1])), "the test's holder", m -> { })) {
                    System.out.println("locked");
                    System.out.flush();
                    System.in.read();
                }
            }
            case "write" -> BcmHome.writeAtomically(Path.of(args[1]), "written\n".getBytes(StandardCharsets.UTF_8), true);
            case "create" -> BcmHome.createNew(Path.of(args[1]), true, out -> out.write("created\n".getBytes(StandardCharsets.UTF_8)));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** A child JVM running this class with the test's class path. */
    static ProcessBuilder java(String... args) {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HomeProcess.class.getName()));
        command.addAll(java.util.List.of(args));
        return new ProcessBuilder(command);
    }
}
