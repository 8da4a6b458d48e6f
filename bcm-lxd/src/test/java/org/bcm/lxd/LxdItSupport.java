package org.bcm.lxd;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shared helpers of the integration tests: finding and removing what an earlier run left behind
 * (by name prefix), picking a free subnet, and building a tiny busybox image.
 */
final class LxdItSupport {

    static final Duration OP = Duration.ofSeconds(60);

    private LxdItSupport() {
    }

    /** A busybox image on disk: the two tarballs LXD imports. */
    record BusyboxImage(Path metadataTarball, Path rootfsTarball) {
        long totalBytes() throws IOException {
            return Files.size(metadataTarball) + Files.size(rootfsTarball);
        }
    }

    /**
     * Removes every project, network and storage pool whose name starts with {@code prefix},
     * including what the projects hold (instances, images, profiles).
     */
    static void removeLeftovers(LxdClient root, String prefix) {
        for (Project p : root.projects()) {
            if (p.name().startsWith(prefix)) {
                removeProject(root, p.name());
            }
        }
        for (Network n : root.networks()) {
            if (n.managed() && n.name().startsWith(prefix)) {
                root.deleteNetwork(n.name());
            }
        }
        for (StoragePool sp : root.storagePools()) {
            if (sp.name().startsWith(prefix)) {
                root.deleteStoragePool(sp.name());
            }
        }
    }

    /** Empties and deletes a project; does nothing when it does not exist. */
    static void removeProject(LxdClient root, String project) {
        if (root.project(project).isEmpty()) {
            return;
        }
        LxdClient c = root.useProject(project);
        for (Instance i : c.instances()) {
            if (!"Stopped".equals(i.status())) {
                c.changeState(i.name(), InstanceAction.STOP, Duration.ZERO, true).await(OP);
            }
            c.deleteInstance(i.name()).await(OP);
        }
        boolean ownImages = "true".equals(root.project(project).orElseThrow().config().get("features.images"));
        if (ownImages) {
            for (Image img : c.images()) {
                c.deleteImage(img.fingerprint()).await(OP);
            }
        }
        boolean ownProfiles = "true".equals(root.project(project).orElseThrow().config().get("features.profiles"));
        if (ownProfiles) {
            for (Profile p : c.profiles()) {
                if (!p.name().equals("default")) {
                    c.deleteProfile(p.name());
                }
            }
        }
        root.deleteProject(project);
    }

    /**
     * A /24 prefix "172.27.X" that no LXD network and no host interface uses, searching X upwards
     * from {@code from}.
     */
    static String freeSubnet(LxdClient root, int from) throws SocketException {
        Set<String> used = new HashSet<>();
        Pattern p = Pattern.compile("^(\\d+\\.\\d+\\.\\d+)\\.\\d+/\\d+$");
        for (Network n : root.networks()) {
            String addr = n.config().getOrDefault("ipv4.address", "");
            Matcher m = p.matcher(addr);
            if (m.matches()) {
                used.add(m.group(1));
            }
        }
        for (NetworkInterface nif : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address) {
                    String s = a.getHostAddress();
                    used.add(s.substring(0, s.lastIndexOf('.')));
                }
            }
        }
        for (int x = from; x < 255; x++) {
            String candidate = "172.27." + x;
            if (!used.contains(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free 172.27.X.0/24 subnet from " + from);
    }

    /**
     * Builds a container image from the host's static busybox: every applet as a symlink, busybox
     * init as /sbin/init with an inittab that keeps one process respawning, so the container stays
     * Running until stopped.
     */
    static BusyboxImage buildBusyboxImage(Path dir) throws IOException, InterruptedException {
        Path rootfs = dir.resolve("rootfs");
        for (String d : List.of("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root", "run", "var/log")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        Process list = new ProcessBuilder("/bin/busybox", "--list").redirectErrorStream(true).start();
        String applets = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (list.waitFor() != 0) {
            throw new IOException("busybox --list failed: " + applets);
        }
        for (String applet : applets.split("\\s+")) {
            if (!applet.isBlank() && !applet.equals("busybox") && !applet.contains("/")) {
                Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
            }
        }
        Files.createSymbolicLink(rootfs.resolve("sbin/init"), Path.of("../bin/busybox"));
        Files.writeString(rootfs.resolve("etc/inittab"), String.join("\n",
                "::sysinit:/bin/mount -t proc proc /proc",
                "::sysinit:/bin/ip link set lo up",
                "::respawn:/bin/sh -c 'exec sleep 3600'",
                "::shutdown:/bin/echo shutting down",
                "") );
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(dir.resolve("metadata.yaml"), String.join("\n",
                "architecture: x86_64",
                "creation_date: " + Instant.now().getEpochSecond(),
                "properties:",
                "  os: busybox",
                "  description: bcm-lxd integration test image",
                ""));
        Path meta = dir.resolve("metadata.tar.gz");
        Path root = dir.resolve("rootfs.tar.gz");
        run(dir, "tar", "--numeric-owner", "--owner=0", "--group=0", "-czf", meta.toString(), "metadata.yaml");
        run(dir, "tar", "--numeric-owner", "--owner=0", "--group=0", "-czf", root.toString(), "-C", "rootfs", ".");
        return new BusyboxImage(meta, root);
    }

    static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    /** A root disk on {@code pool} and eth0 on {@code network}. */
    static Map<String, Map<String, String>> rootAndNic(String pool, String network) {
        Map<String, Map<String, String>> devices = new HashMap<>();
        devices.put("root", Map.of("type", "disk", "path", "/", "pool", pool));
        if (network != null) {
            devices.put("eth0", Map.of("type", "nic", "network", network, "name", "eth0"));
        }
        return devices;
    }
}
