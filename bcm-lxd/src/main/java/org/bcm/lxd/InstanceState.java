package org.bcm.lxd;

import java.util.List;
import java.util.Optional;

/**
 * Run-time state of an instance (LXD: GET /1.0/instances/NAME/state).
 *
 * @param status e.g. {@code "Running"}, {@code "Stopped"}
 * @param statusCode LXD's numeric status (103 running, 102 stopped)
 * @param pid process id of the instance's init on the host, 0 when stopped
 * @param processes number of processes, or -1 when unknown
 * @param addresses addresses of every interface, in the order LXD reports them
 */
public record InstanceState(String status, int statusCode, long pid, long processes, List<InstanceAddress> addresses) {
    public InstanceState {
        addresses = List.copyOf(addresses);
    }

    /** True when the status is {@code "Running"}. */
    public boolean running() {
        return "Running".equals(status);
    }

    /** Addresses of one interface. */
    public List<InstanceAddress> addresses(String interfaceName) {
        return addresses.stream().filter(a -> a.interfaceName().equals(interfaceName)).toList();
    }

    /** The first global IPv4 address of an interface, e.g. {@code ipv4("eth0")}. */
    public Optional<String> ipv4(String interfaceName) {
        return addresses(interfaceName).stream()
                .filter(a -> a.ipv4() && "global".equals(a.scope()))
                .map(InstanceAddress::address)
                .findFirst();
    }

    /** The first global IPv6 address of an interface. */
    public Optional<String> ipv6(String interfaceName) {
        return addresses(interfaceName).stream()
                .filter(a -> a.ipv6() && "global".equals(a.scope()))
                .map(InstanceAddress::address)
                .findFirst();
    }
}
