package org.bcm.swarm;

import static org.bcm.swarm.ComposeErrors.quote;

import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compose's variable substitution in a stack file's strings: {@code $VAR}, {@code ${VAR}}, {@code
 * ${VAR:-default}} (default when unset or empty), {@code ${VAR-default}} (when unset), {@code
 * ${VAR:?message}} and {@code ${VAR?message}} (an error with the message when unset or empty, resp.
 * unset), and {@code $$} for a literal {@code $}. A variable that is not set and has no default is
 * an error (docker substitutes an empty string with a warning).
 */
final class Interpolation {

    /** Groups: 1 {@code $$}; 2 {@code $NAME}; 3 to 5 {@code ${NAME}} with its operator and word; none: a stray {@code $}. */
    private static final Pattern VARIABLE = Pattern.compile(
            "\\$(?:(\\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?])([^}]*))?}|)");

    private final Map<String, String> variables;
    private final ComposeErrors errors;

    Interpolation(Map<String, String> variables, ComposeErrors errors) {
        this.variables = variables;
        this.errors = errors;
    }

    /**
     * {@code text} with every variable substituted.
     *
     * @param path where the text stands in the file, for messages
     */
    String interpolate(String text, String path) {
        Matcher variable = VARIABLE.matcher(text);
        StringBuilder result = new StringBuilder();
        int copied = 0;
        while (variable.find()) {
            result.append(text, copied, variable.start()).append(substitute(variable, text, path));
            copied = variable.end();
        }
        return result.append(text, copied, text.length()).toString();
    }

    private String substitute(MatchResult variable, String text, String path) {
        if (variable.group(1) != null) {
            return "$";
        }
        String name = variable.group(2) != null ? variable.group(2) : variable.group(3);
        if (name == null) {
            throw errors.fail(path, "invalid variable reference in " + quote(text) + " (write $$ for a literal $)");
        }
        String value = variables.get(name);
        String operator = variable.group(4);
        if (operator == null) {
            if (value == null) {
                throw errors.fail(path, "variable " + name + " is not set");
            }
            return value;
        }
        boolean orEmpty = operator.startsWith(":");
        if (value != null && !(orEmpty && value.isEmpty())) {
            return value;
        }
        String word = variable.group(5);
        if (operator.endsWith("-")) {
            return word;
        }
        throw errors.fail(path, "variable " + name + " is not set" + (orEmpty ? " or empty" : "")
                + (word.isEmpty() ? "" : ": " + word));
    }
}
