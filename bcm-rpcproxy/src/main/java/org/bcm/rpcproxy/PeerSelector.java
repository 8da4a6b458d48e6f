package org.bcm.rpcproxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Chooses the peers to ask for a pruned block from bitcoind's {@code getpeerinfo}.
 *
 * <p>Parsed leniently: only {@code id}, {@code inbound}, {@code connection_type}, {@code servicesnames}
 * (or the {@code services} hex bits before Core 0.19), {@code pingtime} and {@code addr} are read, and
 * a missing or odd field never fails the list (Core 22 removed {@code addnode}/{@code banscore}/{@code
 * whitelisted}, Core 31 hid {@code startingheight}). A peer qualifies when it is outbound, relays fully
 * ({@code outbound-full-relay}, or {@code manual} which is an outbound full-relay connection made with
 * {@code addnode}/{@code -connect}; no {@code connection_type} before Core 0.21) and offers {@code
 * NETWORK} (a {@code NETWORK_LIMITED}-only peer keeps only the last 288 blocks). Core does not check
 * this itself before {@code getblockfrompeer}. Lowest {@code pingtime} first; peers without one last.
 */
final class PeerSelector {

    /** NODE_NETWORK (Core src/protocol.h). */
    private static final long NODE_NETWORK = 1;

    /**
     * One peer that can serve full blocks.
     *
     * @param id Core's peer id
     * @param addr its address, for logs ("?" when absent)
     * @param pingSeconds last ping, or {@link Double#POSITIVE_INFINITY} when unknown
     */
    record Candidate(long id, String addr, double pingSeconds) {}

    private PeerSelector() {}

    /** The qualifying peers of a {@code getpeerinfo} result, best first, without {@code exclude}. */
    static List<Candidate> candidates(JsonNode peers, Set<Long> exclude) {
        List<Candidate> out = new ArrayList<>();
        if (peers == null || !peers.isArray()) {
            return out;
        }
        for (JsonNode p : peers) {
            if (!p.isObject()) continue;
            JsonNode id = p.get("id");
            if (id == null || !id.canConvertToLong()) continue;
            if (exclude.contains(id.asLong())) continue;
            if (p.path("inbound").asBoolean(false)) continue;
            JsonNode type = p.get("connection_type");
            if (type != null && type.isTextual()) {
                String t = type.textValue();
                if (!t.equals("outbound-full-relay") && !t.equals("manual")) continue;
            }
            if (!servesFullBlocks(p)) continue;
            JsonNode ping = p.get("pingtime");
            double pingSeconds = ping != null && ping.isNumber() ? ping.doubleValue() : Double.POSITIVE_INFINITY;
            JsonNode addr = p.get("addr");
            out.add(new Candidate(id.asLong(), addr != null && addr.isTextual() ? addr.textValue() : "?", pingSeconds));
        }
        out.sort(Comparator.comparingDouble(Candidate::pingSeconds).thenComparingLong(Candidate::id));
        return out;
    }

    private static boolean servesFullBlocks(JsonNode p) {
        JsonNode names = p.get("servicesnames");
        if (names != null && names.isArray()) {
            for (JsonNode n : names) {
                if ("NETWORK".equals(n.asText())) return true;
            }
            return false;
        }
        JsonNode services = p.get("services");
        if (services != null && services.isTextual()) {
            try {
                return (Long.parseUnsignedLong(services.textValue(), 16) & NODE_NETWORK) != 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return false;
    }
}
