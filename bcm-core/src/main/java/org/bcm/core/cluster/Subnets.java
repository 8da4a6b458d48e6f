package org.bcm.core.cluster;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IPv4 subnet arithmetic and the choice of a cluster bridge subnet that clashes with nothing the
 * controller already routes.
 *
 * <p>Candidates are the /24s of 172.27.0.0/16 to 172.31.0.0/16: outside Docker's swarm overlay
 * pool (10.0.0.0/8), so overlay networks inside the tier hosts never shadow the bridge, and the
 * Docker daemons inside the tier hosts skip them for their own bridges because they see them as
 * routes.
 */
public final class Subnets {

    private static final Pattern CIDR = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    private Subnets() {
    }

    /** An IPv4 network: {@code address} is the network address as an unsigned 32-bit value. */
    public record Cidr(long address, int prefix) {

        public Cidr {
            if (prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("prefix out of range: " + prefix);
            }
            address = address & mask(prefix);
        }

        /**
         * Parses {@code a.b.c.d/n}; host bits are cleared, so {@code 172.27.1.1/24} (LXD's
         * {@code ipv4.address} form) gives {@code 172.27.1.0/24}.
         *
         * @throws IllegalArgumentException when {@code text} is not of that form
         */
        public static Cidr parse(String text) {
            Matcher m = CIDR.matcher(text.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("not an IPv4 CIDR: " + text);
            }
            long address = 0;
            for (int i = 1; i <= 4; i++) {
                int octet = Integer.parseInt(m.group(i));
                if (octet > 255) {
                    throw new IllegalArgumentException("not an IPv4 CIDR: " + text);
                }
                address = (address << 8) | octet;
            }
            return new Cidr(address, Integer.parseInt(m.group(5)));
        }

        public boolean overlaps(Cidr other) {
            int shorter = Math.min(prefix, other.prefix);
            return (address & mask(shorter)) == (other.address & mask(shorter));
        }

        /** How many addresses the network has, its network and broadcast addresses included. */
        public int size() {
            return (int) (1L << (32 - prefix));
        }

        /** The {@code n}-th address in the network (1 is the first host), dotted. */
        public String host(int n) {
            return dotted(address + n);
        }

        @Override
        public String toString() {
            return dotted(address) + "/" + prefix;
        }

        private static long mask(int prefix) {
            return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        }

        private static String dotted(long a) {
            return ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
        }
    }

    /** The first candidate /24 that overlaps none of {@code used}, or empty when all are taken. */
    public static Optional<Cidr> firstFree(Collection<Cidr> used) {
        for (int second = 27; second <= 31; second++) {
            for (int third = 1; third <= 254; third++) {
                Cidr candidate = new Cidr((172L << 24) | ((long) second << 16) | ((long) third << 8), 24);
                if (used.stream().noneMatch(candidate::overlaps)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The IPv4 networks this machine routes or has addresses in: every non-default route of
     * {@code /proc/net/route} (when readable) and the network of every interface address.
     * The default route and loopback are left out.
     */
    public static List<Cidr> hostNetworks() {
        List<Cidr> used = new ArrayList<>();
        Path routes = Path.of("/proc/net/route");
        if (Files.isReadable(routes)) {
            try {
                used.addAll(parseProcNetRoute(Files.readAllLines(routes)));
            } catch (IOException e) {
                // fall back to the interface addresses alone
            }
        }
        try {
            for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InterfaceAddress ia : nic.getInterfaceAddresses()) {
                    if (ia.getAddress() instanceof Inet4Address v4 && !v4.isLoopbackAddress()) {
                        byte[] b = v4.getAddress();
                        long a = ((b[0] & 255L) << 24) | ((b[1] & 255L) << 16) | ((b[2] & 255L) << 8) | (b[3] & 255L);
                        used.add(new Cidr(a, ia.getNetworkPrefixLength()));
                    }
                }
            }
        } catch (SocketException e) {
            // no interface list: routes alone
        }
        return used;
    }

    /**
     * Parses the kernel's IPv4 routing table ({@code /proc/net/route}: hex, little-endian
     * destination and mask). The header line and default routes are skipped.
     */
    static List<Cidr> parseProcNetRoute(List<String> lines) {
        List<Cidr> routes = new ArrayList<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8) {
                continue;
            }
            long destination = Long.reverseBytes(Long.parseLong(f[1], 16) << 32) & 0xFFFFFFFFL;
            long mask = Long.reverseBytes(Long.parseLong(f[7], 16) << 32) & 0xFFFFFFFFL;
            int prefix = Long.bitCount(mask);
            if (prefix > 0) {
                routes.add(new Cidr(destination, prefix));
            }
        }
        return routes;
    }
}
