package org.bcm.rpcproxy;

/**
 * Text a client sent (a user name, a method name), made safe for a log line: printable ASCII only,
 * every other character (line breaks, terminal escapes, bidirectional controls, anything non-ASCII)
 * shown as {@code ?}, and at most {@link #MAX_LENGTH} characters, so a client can neither forge log
 * lines nor flood one. Core logs method names through {@code SanitizeString} for the same reason
 * (src/rpc/request.cpp).
 */
final class LogText {

    static final int MAX_LENGTH = 64;

    private LogText() {}

    /** {@code text} printable and short; {@code null} stays {@code "null"}. */
    static String safe(String text) {
        if (text == null) {
            return "null";
        }
        int n = Math.min(text.length(), MAX_LENGTH);
        StringBuilder b = new StringBuilder(n + 3);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (text.length() > MAX_LENGTH) {
            b.append("...");
        }
        return b.toString();
    }
}
