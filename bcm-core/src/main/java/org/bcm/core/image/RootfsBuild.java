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

/**
 * The steps every image build shares, LXD base image and Docker images alike: debootstrap a
 * Debian root filesystem from an {@link ImageRecipe}, install packages in a chroot, clean it, pack
 * it into a tarball. Runs on the controller as root (debootstrap, chroot and tar from the host).
 */
final class RootfsBuild {

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
        for (String program : List.of("debootstrap", "tar", "chroot")) {
            if (!HostCommand.onPath(program)) {
                throw new BcmException(BcmException.Kind.HOST_PREREQUISITE, "'" + program + "' is not installed",
                        "run scripts/install.sh, or apt-get install " + program);
            }
        }
    }

    /** debootstrap of the recipe's suite, variant and packages into {@code rootfs}, then its files. */
    static void debootstrap(ImageRecipe recipe, Path rootfs, Progress progress) {
        List<String> command = new ArrayList<>(List.of("debootstrap", "--variant=" + recipe.variant()));
        if (!recipe.packages().isEmpty()) {
            command.add("--include=" + String.join(",", recipe.packages()));
        }
        command.addAll(List.of(recipe.suite(), rootfs.toString(), recipe.mirror()));
        HostCommand.run(command, line -> {
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
        HostCommand.run(List.of("mount", "-t", "proc", "proc", proc.toString()), line -> { });
        try {
            HostCommand.run(List.of("chroot", rootfs.toString(), "apt-get", "update", "-q"), line -> { });
            List<String> install = new ArrayList<>(List.of("chroot", rootfs.toString(), "apt-get", "install", "-y", "-q",
                    "--no-install-recommends"));
            install.addAll(packages);
            HostCommand.run(install, line -> {
                if (line.startsWith("Setting up ")) {
                    progress.report(step, line);
                }
            });
        } finally {
            HostCommand.run(List.of("umount", "-l", proc.toString()), line -> { });
            try {
                Files.deleteIfExists(policy);
                write(resolvConf, "");
            } catch (IOException e) {
                throw new BcmException(BcmException.Kind.INTERNAL, "Failed cleaning " + rootfs, null, e);
            }
        }
    }

    /** Removes the build host's identity and the package caches from a root filesystem. */
    static void clean(Path rootfs) {
        for (String leftover : List.of("etc/hostname", "etc/machine-id", "var/lib/dbus/machine-id")) {
            write(rootfs.resolve(leftover), "");
        }
        HostCommand.run(List.of("sh", "-c", "rm -rf '" + rootfs + "'/var/cache/apt/archives/*.deb '" + rootfs
                + "'/var/lib/apt/lists/* '" + rootfs + "'/var/cache/apt/*.bin"), line -> { });
    }

    /** Packs {@code rootfs} into an uncompressed tarball, numeric owners, extended attributes kept. */
    static void pack(Path rootfs, Path tarball) {
        HostCommand.run(List.of("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", rootfs.toString(),
                "-cf", tarball.toString(), "."), line -> { });
    }

    /** Unpacks a tarball made by {@link #pack} into {@code rootfs}. */
    static void unpack(Path tarball, Path rootfs) {
        try {
            Files.createDirectories(rootfs);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed creating " + rootfs, null, e);
        }
        HostCommand.run(List.of("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", rootfs.toString(),
                "-xf", tarball.toString()), line -> { });
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
                HostCommand.run(List.of("umount", "-l", mountPoint), line -> { });
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
