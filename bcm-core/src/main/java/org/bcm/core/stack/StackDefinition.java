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
        String problem) {

    /**
     * One setting of a stack ({@code x-bcm.settings.NAME}), a variable of its {@code stack.yml}.
     *
     * @param name         upper-case variable name
     * @param description  one line
     * @param values       the allowed values; empty for any
     * @param defaultValue the value a new project gets
     * @param byChain      chain to a default that replaces {@code defaultValue} for projects on that chain
     */
    public record Setting(String name, String description, List<String> values, String defaultValue,
            Map<String, String> byChain) {

        /** The default for a project on {@code chain}. */
        public String defaultFor(String chain) {
            return byChain.getOrDefault(chain, defaultValue);
        }

        /**
         * @throws BcmException INVALID_INPUT when {@code value} is not one of {@link #values()}
         */
        public void validate(String stack, String value) {
            if (!values.isEmpty() && !values.contains(value)) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT, "Setting " + stack + "." + name
                        + " cannot be '" + value + "'", "use one of " + String.join(", ", values));
            }
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
