package org.bcm.core.tor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.swarm.StackSpec;

/**
 * A v3 onion service a stack declares for one of its services, which the gateway's Tor publishes: a
 * service's {@code x-bcm-onion} in its {@code stack.yml}, a list of
 * {@code {name, port, target, client-auth, chains, uri}}.
 *
 * @param name       {@code [a-z][a-z0-9-]{0,31}}, unique in the project; names the key and the directory
 * @param stack      the declaring stack
 * @param service    the service (its name in the stack file)
 * @param port       the virtual port clients connect to at the .onion address
 * @param target     the port of the service it forwards to: one the service lists in {@code expose} or {@code ports}
 * @param clientAuth whether only authorized clients may connect (Tor's v3 client authorization)
 * @param uri        how clients connect, with {@code {address}} and {@code {port}} to fill in, or null
 */
public record OnionService(String name, String stack, String service, int port, int target, boolean clientAuth, String uri) {

    /** The stack whose Tor publishes the onion services, and that Tor's service. */
    public static final String GATEWAY_STACK = "gateway";
    public static final String TOR_SERVICE = "tor";
    /** The gateway's Tor's network: a service must join it for Tor to reach its port. */
    public static final String TOR_NETWORK = "gateway_tor";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Pattern CLIENT = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

    /** The target service's name on the tor network (Swarm's DNS name for it). */
    public String host() {
        return stack + "_" + service;
    }

    /** The connection URI for a client at {@code address}, or null when the service has none. */
    public String uriFor(String address) {
        return uri == null ? null : uri.replace("{address}", address).replace("{port}", Integer.toString(port));
    }

    /**
     * The onion services {@code spec} declares for {@code chain}.
     *
     * @param chain the project's chain ({@code regtest}, ...): an entry with {@code chains} applies only to those
     * @throws BcmException INVALID_INPUT for a malformed entry, a bad name, a target port the service does
     *     not list in {@code expose} or {@code ports}, or a service not on the gateway's tor network
     */
    public static List<OnionService> declared(String stack, StackSpec spec, String chain) {
        List<OnionService> onions = new ArrayList<>();
        for (StackSpec.Service service : spec.services().values()) {
            JsonNode list = service.extensions().get("x-bcm-onion");
            if (list == null) {
                continue;
            }
            String where = "Stack " + stack + ": service " + service.name() + ": x-bcm-onion";
            if (!list.isArray()) {
                throw invalid(where + " is not a list", stack);
            }
            for (JsonNode entry : list) {
                OnionService onion = entry(stack, spec, service, entry, where);
                if (onion != null && applies(entry, chain, where, stack)) {
                    onions.add(onion);
                }
            }
        }
        return onions;
    }

    /**
     * Checks that no two onion services of a project share a name.
     *
     * @throws BcmException INVALID_INPUT naming both declarations
     */
    public static Map<String, OnionService> byName(List<OnionService> onions) {
        Map<String, OnionService> byName = new LinkedHashMap<>();
        for (OnionService onion : onions) {
            OnionService other = byName.putIfAbsent(onion.name(), onion);
            if (other != null) {
                throw new BcmException(Kind.INVALID_INPUT, "The onion service name '" + onion.name() + "' is declared twice: by "
                        + other.stack() + "/" + other.service() + " and by " + onion.stack() + "/" + onion.service(),
                        "give each x-bcm-onion entry of the project's stacks its own name");
            }
        }
        return byName;
    }

    /**
     * @throws BcmException INVALID_INPUT unless {@code client} is {@code [a-z][a-z0-9_-]{0,31}}
     */
    public static void validateClientName(String client) {
        if (client == null || !CLIENT.matcher(client).matches()) {
            throw new BcmException(Kind.INVALID_INPUT, "Invalid client name '" + client + "'",
                    "use 1 to 32 characters: a lower-case letter, then lower-case letters, digits, '-' or '_'");
        }
    }

    private static OnionService entry(String stack, StackSpec spec, StackSpec.Service service, JsonNode entry, String where) {
        if (!entry.isObject()) {
            throw invalid(where + ": an entry is not a mapping", stack);
        }
        Set<String> known = Set.of("name", "port", "target", "client-auth", "chains", "uri");
        for (Iterator<String> keys = entry.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!known.contains(key)) {
                throw invalid(where + ": unknown key '" + key + "' (name, port, target, client-auth, chains, uri)", stack);
            }
        }
        String name = entry.path("name").asText("");
        if (!NAME.matcher(name).matches()) {
            throw invalid(where + ": invalid name '" + name + "' (1 to 32 characters: a lower-case letter, then lower-case"
                    + " letters, digits or '-')", stack);
        }
        int port = port(entry.path("port"), where + " " + name + ": port", stack);
        int target = entry.has("target") ? port(entry.path("target"), where + " " + name + ": target", stack) : port;
        Set<Integer> listened = new HashSet<>(service.expose());
        service.ports().forEach(p -> listened.add(p.target()));
        if (!listened.contains(target)) {
            throw invalid(where + " " + name + ": the target port " + target + " is not published by the service (it lists "
                    + (listened.isEmpty() ? "no port" : listened) + " in expose and ports)", stack);
        }
        boolean onTor = service.networks().stream().map(a -> spec.networks().get(a.network())).anyMatch(n -> n != null
                && TOR_NETWORK.equals(n.external() ? (n.externalName() == null ? n.name() : n.externalName()) : stack + "_" + n.name()));
        if (!onTor) {
            throw invalid(where + " " + name + ": the service is not on the network 'tor' (" + TOR_NETWORK
                    + "), where the gateway's Tor reaches it", stack);
        }
        JsonNode auth = entry.path("client-auth");
        if (!auth.isMissingNode() && !auth.isBoolean()) {
            throw invalid(where + " " + name + ": client-auth must be true or false", stack);
        }
        String uri = entry.hasNonNull("uri") ? entry.path("uri").asText() : null;
        return new OnionService(name, stack, service.name(), port, target, auth.asBoolean(false), uri);
    }

    private static boolean applies(JsonNode entry, String chain, String where, String stack) {
        JsonNode chains = entry.path("chains");
        if (chains.isMissingNode()) {
            return true;
        }
        if (!chains.isArray()) {
            throw invalid(where + ": chains must be a list of chains", stack);
        }
        for (JsonNode c : chains) {
            if (c.asText().equals(chain)) {
                return true;
            }
        }
        return false;
    }

    private static int port(JsonNode value, String what, String stack) {
        if (!value.canConvertToInt() || value.asInt() < 1 || value.asInt() > 65535) {
            throw invalid(what + " must be a port from 1 to 65535, not '" + value.asText() + "'", stack);
        }
        return value.asInt();
    }

    private static BcmException invalid(String message, String stack) {
        return new BcmException(Kind.INVALID_INPUT, message, "fix the x-bcm-onion of " + stack + "/stack.yml (docs/tor.md)");
    }
}
