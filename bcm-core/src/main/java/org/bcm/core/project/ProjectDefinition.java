package org.bcm.core.project;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;

/**
 * A project as stored in {@code projects/NAME/project.yml}: the chain its services run on and the
 * stacks it includes, each with its settings (every setting the stack declares, defaults filled
 * in when the project was created).
 *
 * @param name      {@code [a-z][a-z0-9-]{0,19}}
 * @param chain     {@code regtest}, {@code signet}, {@code testnet} or {@code mainnet}
 * @param stacks    stack name to setting name to value, in the order given at creation
 * @param createdAt when the definition was first written
 */
public record ProjectDefinition(String name, String chain, Map<String, Map<String, String>> stacks, Instant createdAt) {

    /** The chains a project can be on. */
    public static final List<String> CHAINS = List.of("regtest", "signet", "testnet", "mainnet");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,19}");

    public ProjectDefinition {
        validateName(name);
        validateChain(chain);
        Map<String, Map<String, String>> copy = new LinkedHashMap<>();
        (stacks == null ? Map.<String, Map<String, String>>of() : stacks).forEach((stack, settings) ->
                copy.put(stack, settings == null ? Map.of() : new LinkedHashMap<>(settings)));
        stacks = copy;
    }

    /**
     * @throws BcmException INVALID_INPUT when the name is not {@code [a-z][a-z0-9-]{0,19}}
     */
    public static void validateName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new BcmException(Kind.INVALID_INPUT, "Invalid project name '" + name + "'",
                    "use 1 to 20 characters: a lower-case letter, then lower-case letters, digits or '-'");
        }
    }

    /**
     * @throws BcmException INVALID_INPUT for a chain not in {@link #CHAINS}
     */
    public static void validateChain(String chain) {
        if (chain == null || !CHAINS.contains(chain)) {
            throw new BcmException(Kind.INVALID_INPUT, "Unknown chain '" + chain + "'",
                    "use one of " + String.join(", ", CHAINS));
        }
    }

    /** This project with one setting changed. */
    public ProjectDefinition withSetting(String stack, String setting, String value) {
        Map<String, Map<String, String>> changed = new LinkedHashMap<>(stacks);
        Map<String, String> settings = new LinkedHashMap<>(changed.get(stack));
        settings.put(setting, value);
        changed.put(stack, settings);
        return new ProjectDefinition(name, chain, changed, createdAt);
    }
}
