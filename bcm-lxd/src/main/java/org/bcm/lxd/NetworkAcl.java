package org.bcm.lxd;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A network ACL (LXD: {@code /1.0/network-acls/NAME}, API extension {@code network_acl}): rules a
 * network applies to its instances' traffic. On a bridge they apply only where traffic crosses the
 * bridge's boundary with the host (to the host and beyond), and need LXD's nftables firewall driver.
 *
 * @param name        at most 63 characters
 * @param description free text
 * @param egress      rules for traffic from the instances, in order
 * @param ingress     rules for traffic to the instances, in order
 * @param config      {@code user.*} keys
 * @param usedBy      the networks and NICs that apply it (API URLs)
 * @param etag        the ETag of the read, {@code ""} when unknown
 */
public record NetworkAcl(String name, String description, List<Rule> egress, List<Rule> ingress, Map<String, String> config,
        List<String> usedBy, String etag) {

    public NetworkAcl {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        egress = List.copyOf(egress);
        ingress = List.copyOf(ingress);
        config = Map.copyOf(config);
        usedBy = List.copyOf(usedBy);
        etag = etag == null ? "" : etag;
    }

    /** An ACL as bcm asks for it (nothing read back). */
    public NetworkAcl(String name, String description, List<Rule> egress, List<Rule> ingress, Map<String, String> config) {
        this(name, description, egress, ingress, config, List.of(), "");
    }

    /**
     * One rule. Empty strings for what it does not match on.
     *
     * @param action      {@code allow}, {@code reject} or {@code drop}
     * @param source      comma-separated CIDRs or ranges ({@code a.b.c.d-a.b.c.e})
     * @param destination likewise
     * @param description free text
     * @param state       {@code enabled}, {@code disabled} or {@code logged}
     */
    public record Rule(String action, String source, String destination, String description, String state) {
        public Rule {
            Objects.requireNonNull(action, "action");
            source = source == null ? "" : source;
            destination = destination == null ? "" : destination;
            description = description == null ? "" : description;
            state = state == null || state.isEmpty() ? "enabled" : state;
        }

        /** An enabled rule. */
        public Rule(String action, String source, String destination, String description) {
            this(action, source, destination, description, "enabled");
        }
    }
}
