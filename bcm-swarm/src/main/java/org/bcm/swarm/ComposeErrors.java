package org.bcm.swarm;

import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The one place where messages about a stack file are made: the file's origin, where in it ({@code
 * ""} for the whole file), what is wrong.
 *
 * @param origin names the file, e.g. {@code "stacks/gateway/stack.yml"}
 */
record ComposeErrors(String origin) {

    ComposeFileException fail(String where, String problem) {
        return new ComposeFileException(origin + ": " + (where.isEmpty() ? "" : where + ": ") + problem);
    }

    /** The text as a JSON string: in double quotes, with escapes. */
    static String quote(String text) {
        return TextNode.valueOf(text).toString();
    }
}
