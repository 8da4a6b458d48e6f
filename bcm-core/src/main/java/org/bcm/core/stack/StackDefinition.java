package org.bcm.core.stack;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.bcm.core.image.DockerImageRecipe;

/**
 * A stack bcm knows: the directory {@code stacks/NAME/} holding {@code stack.yml} (Compose file
 * format 3) and the image recipes {@code images/*.yml}, with what bcm reads from the file's
 * {@code x-bcm} extension.
 *
 * @param name        the directory name, {@code [a-z][a-z0-9-]{0,19}}
 * @param dir         the directory (inside the bcm jar for built-in stacks)
 * @param origin      where it comes from, for messages: {@code built-in} or the operator's directory
 * @param compose     the text of {@code stack.yml}
 * @param description one line
 * @param requires    stacks that must be deployed before this one
 * @param registry    the service that is the cluster's image registry, or null
 * @param settings    setting name to its declaration, in file order
 * @param images      image recipes of this stack, by image name
 * @param problem     why the stack cannot be used (malformed {@code x-bcm}, bad recipe), or null
 * @param meta        the whole {@code x-bcm} section, for the keys a stack family reads itself (e.g.
 *                    {@code bitcoin-rpc-client}); an empty object when there is none
 */
public record StackDefinition(
        String name,
        Path dir,
        String origin,
        String compose,
        String description,
        List<String> requires,
        String registry,
        Map<String, Setting> settings,
        Map<String, DockerImageRecipe> images,
        String problem,
        com.fasterxml.jackson.databind.JsonNode meta) {

    /**
     * One setting of a stack ({@code x-bcm.settings.NAME}), a variable of its {@code stack.yml}.
     *
     * @param name         upper-case variable name
     * @param description  one line
     * @param values       allowed values; empty for any (unless a range is given)
     * @param min          a whole number at least this is allowed too (besides {@code values}), or null
     * @param max          a whole number at most this, or null
     * @param defaultValue the value a new project gets
     * @param byChain      chain to a default that replaces {@code defaultValue} for projects on that chain
     */
    public record Setting(String name, String description, List<String> values, Long min, Long max, String defaultValue,
            Map<String, String> byChain) {

        /** The default for a project on {@code chain}. */
        public String defaultFor(String chain) {
            return byChain.getOrDefault(chain, defaultValue);
        }

        /** Whether the setting takes whole numbers in a range. */
        public boolean ranged() {
            return min != null || max != null;
        }

        /**
         * @throws BcmException INVALID_INPUT when {@code value} is neither one of {@link #values()} nor a whole
         *     number in the range
         */
        public void validate(String stack, String value) {
            if (values.contains(value) || values.isEmpty() && !ranged()) {
                return;
            }
            if (ranged() && value != null && value.matches("0|[1-9][0-9]{0,17}")) {
                long number = Long.parseLong(value);
                if ((min == null || number >= min) && (max == null || number <= max)) {
                    return;
                }
            }
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "Setting " + stack + "." + name + " cannot be '" + value + "'",
                    "use " + allowed() + (description.isEmpty() ? "" : " (" + description + ")"));
        }

        /** What the setting takes, in words: "one of a, b", "a whole number from 4 to 16384", "0, or a whole number from 550". */
        public String allowed() {
            String range = !ranged() ? null : "a whole number" + (min != null && max != null ? " from " + min + " to " + max
                    : min != null ? " from " + min : " up to " + max);
            if (values.isEmpty()) {
                return range;
            }
            String listed = values.size() == 1 ? values.get(0) : "one of " + String.join(", ", values);
            return range == null ? listed : listed + ", or " + range;
        }
    }

    /**
     * This stack when it is usable.
     *
     * @throws BcmException INVALID_INPUT naming the problem when it is not
     */
    public StackDefinition requireUsable() {
        if (problem != null) {
            throw new BcmException(BcmException.Kind.INVALID_INPUT, "Stack " + name + " (" + origin + ") is malformed: "
                    + problem, "fix " + dir.resolve("stack.yml"));
        }
        return this;
    }
}
