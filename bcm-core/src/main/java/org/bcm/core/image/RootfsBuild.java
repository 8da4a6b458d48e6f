package org.bcm.core.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.bcm.core.BcmException;
import org.bcm.core.Progress;
import org.bcm.core.home.BcmHome;
import org.bcm.core.process.ExternalProgram;

/**
 * The steps every image build shares, LXD base image and Docker images alike: debootstrap a
 * Debian root filesystem from an {@link ImageRecipe}, install packages in a chroot, clean it, pack
 * it into a tarball. Runs on the controller as root (debootstrap, chroot and tar from the host).
 */
final class RootfsBuild {

    /** For debootstrap and apt: no questions, and messages in English (the progress lines are matched). */
    private static final java.util.Map<String, String> NONINTERACTIVE = java.util.Map.of("DEBIAN_FRONTEND", "noninteractive", "LC_ALL", "C");

    private RootfsBuild() {
    }

    /**
     * @param what names the build in the error ("the base image")
     * @throws BcmException HOST_PREREQUISITE when not root or debootstrap, tar or chroot is missing
     */
    static void requireBuildHost(String what) {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new BcmException(BcmException.Kind.HOST_PREREQUISITE,
                    "Building " + what + " needs root privileges (debootstrap and chroot)",
                    "run this once as root (sudo bcm ...); later runs use the cached build");
        }
        for (ExternalProgram program : List.of(ExternalProgram.DEBOOTSTRAP, ExternalProgram.TAR, ExternalProgram.CHROOT)) {
            if (!program.onPath()) {
                throw new BcmException(BcmException.Kind.HOST_PREREQUISITE, "'" + program.name() + "' is not installed",
                        "run scripts/install.sh, or apt-get install " + program.debianPackage());
            }
        }
    }

    /** debootstrap of the recipe's suite, variant and packages into {@code rootfs}, then its files. */
    static void debootstrap(ImageRecipe recipe, Path rootfs, Progress progress) {
        List<String> options = new ArrayList<>(List.of("--variant=" + recipe.variant()));
        if (!recipe.packages().isEmpty()) {
            options.add("--include=" + String.join(",", recipe.packages()));
        }
        operands(ExternalProgram.DEBOOTSTRAP.with(options), recipe.suite(), rootfs.toAbsolutePath().toString(), recipe.mirror())
                .environment(NONINTERACTIVE).stream(line -> {
            if (line.startsWith("I: ")) {
                progress.report("image", line.substring(3));
            }
        });
        for (var file : recipe.files().entrySet()) {
            write(rootfs.resolve(file.getKey().substring(1)), file.getValue());
        }
    }

    /**
     * Installs Debian packages into an unpacked root filesystem with the chroot's own apt, without
     * recommends and without starting any service (a {@code policy-rc.d} that refuses is in place
     * meanwhile). The chroot uses the controller's resolv.conf while it downloads, and has /proc
     * mounted (Java's post-installation scripts run {@code java}, which needs it) until apt is done.
     */
    static void aptInstall(Path rootfs, List<String> packages, String step, Progress progress) {
        if (packages.isEmpty()) {
            return;
        }
        Path policy = rootfs.resolve("usr/sbin/policy-rc.d");
        Path resolvConf = rootfs.resolve("etc/resolv.conf");
        try {
            write(policy, "#!/bin/sh\nexit 101\n");
            Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.deleteIfExists(resolvConf);
            Files.copy(Path.of("/etc/resolv.conf"), resolvConf);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed preparing " + rootfs + " for apt: " + e.getMessage(), null, e);
        }
        Path proc = rootfs.resolve("proc");
        ExternalProgram.MOUNT.with("-t", "proc").operands("proc", proc.toString()).stream(line -> { });
        try {
            ExternalProgram.chroot(rootfs, ExternalProgram.APT_GET.with("update", "-q").environment(NONINTERACTIVE)).stream(line -> { });
            ExternalProgram.chroot(rootfs, operands(ExternalProgram.APT_GET.with("install", "-y", "-q", "--no-install-recommends"),
                    packages.toArray(String[]::new)).environment(NONINTERACTIVE)).stream(line -> {
                        if (line.startsWith("Setting up ")) {
                            progress.report(step, line);
                        }
                    });
        } finally {
            ExternalProgram.UMOUNT.with("-l").operands(proc.toString()).stream(line -> { });
            try {
                Files.deleteIfExists(policy);
                write(resolvConf, "");
            } catch (IOException e) {
                throw new BcmException(BcmException.Kind.INTERNAL, "Failed cleaning " + rootfs, null, e);
            }
        }
    }

    /**
     * Removes the build host's identity and the package caches from a root filesystem: the downloaded
     * {@code .deb} files, the package lists and apt's {@code *.bin} caches.
     */
    static void clean(Path rootfs) {
        for (String leftover : List.of("etc/hostname", "etc/machine-id", "var/lib/dbus/machine-id")) {
            write(rootfs.resolve(leftover), "");
        }
        deleteEntries(rootfs.resolve("var/cache/apt/archives"), name -> name.endsWith(".deb"));
        deleteEntries(rootfs.resolve("var/lib/apt/lists"), name -> true);
        deleteEntries(rootfs.resolve("var/cache/apt"), name -> name.endsWith(".bin"));
    }

    /** Deletes the entries of {@code dir} whose names {@code which} accepts (directories with their content); none when it is missing. */
    private static void deleteEntries(Path dir, java.util.function.Predicate<String> which) {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var entries = Files.list(dir)) {
            for (Path entry : entries.filter(p -> which.test(p.getFileName().toString())).toList()) {
                BcmHome.deleteTree(entry);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed cleaning " + dir + ": " + e.getMessage(), null, e);
        }
    }

    /** Packs {@code rootfs} into an uncompressed tarball, numeric owners, extended attributes kept. */
    static void pack(Path rootfs, Path tarball) {
        tar(rootfs, tarball, "--create", true);
    }

    /** {@code tar} in {@code dir} on {@code tarball}: {@code --create} (of {@code .}) or {@code --extract}; numeric owners, and extended attributes when asked. */
    static void tar(Path dir, Path tarball, String mode, boolean xattrs) {
        List<String> options = new ArrayList<>(List.of("--numeric-owner"));
        if (xattrs) {
            options.addAll(List.of("--xattrs", "--xattrs-include=*"));
        }
        options.addAll(List.of("--directory=" + dir, "--file=" + tarball, mode));
        ExternalProgram.Call call = ExternalProgram.TAR.with(options);
        (mode.equals("--create") ? call.operands(".") : call).stream(line -> { });
    }

    /** {@code call} with operands, an operand a program cannot take (one starting with - where there is no --) being a malformed recipe. */
    private static ExternalProgram.Call operands(ExternalProgram.Call call, String... operands) {
        try {
            return call.operands(operands);
        } catch (IllegalArgumentException e) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "Invalid image recipe: " + e.getMessage(), "fix the recipe");
        }
    }

    /** Unpacks a tarball made by {@link #pack} into {@code rootfs}. */
    static void unpack(Path tarball, Path rootfs) {
        try {
            Files.createDirectories(rootfs);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed creating " + rootfs, null, e);
        }
        tar(rootfs, tarball, "--extract", true);
    }

    /**
     * Deletes {@code build} and the other builds beside it whose names start with {@code prefix}
     * (older recipes), after unmounting anything a killed build left mounted below {@code cacheDir}
     * (a build killed while debootstrap had /proc mounted must not be deleted through the mount).
     */
    static void discardOtherBuilds(Path cacheDir, String prefix, Path build) {
        unmountBelow(cacheDir);
        if (Files.isDirectory(cacheDir)) {
            try (var entries = Files.list(cacheDir)) {
                for (Path other : entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                    BcmHome.deleteTree(other);
                }
            } catch (IOException e) {
                throw new BcmException(BcmException.Kind.INTERNAL, "Failed cleaning " + cacheDir, null, e);
            }
        }
        BcmHome.deleteTree(build);
    }

    private static void unmountBelow(Path dir) {
        Path mounts = Path.of("/proc/mounts");
        if (!Files.isReadable(mounts)) {
            return;
        }
        try {
            String prefix = dir.toAbsolutePath().normalize() + "/";
            List<String> below = Files.readAllLines(mounts).stream()
                    .map(line -> line.split(" ")[1].replace("\\040", " "))
                    .filter(mountPoint -> mountPoint.startsWith(prefix))
                    .sorted(Comparator.reverseOrder())
                    .toList();
            for (String mountPoint : below) {
                ExternalProgram.UMOUNT.with("-l").operands(mountPoint).stream(line -> { });
            }
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed reading /proc/mounts", null, e);
        }
    }

    static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed writing " + file, null, e);
        }
    }
}
