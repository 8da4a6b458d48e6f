package org.bcm.lxd;

/**
 * One address of one network interface inside a running instance.
 *
 * @param interfaceName interface name inside the instance, e.g. {@code "eth0"}
 * @param family {@code "inet"} (IPv4) or {@code "inet6"} (IPv6)
 * @param address the address without prefix length, e.g. {@code "172.27.5.10"}
 * @param netmask prefix length as a string, e.g. {@code "24"}
 * @param scope {@code "global"}, {@code "link"} or {@code "local"}
 */
public record InstanceAddress(String interfaceName, String family, String address, String netmask, String scope) {
    /** True for an IPv4 address. */
    public boolean ipv4() {
        return "inet".equals(family);
    }

    /** True for an IPv6 address. */
    public boolean ipv6() {
        return "inet6".equals(family);
    }
}
