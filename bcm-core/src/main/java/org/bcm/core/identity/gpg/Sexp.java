package org.bcm.core.identity.gpg;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Canonical S-expressions (Rivest's draft, as libgcrypt writes them with {@code GCRYSEXP_FMT_CANON}):
 * a list is {@code ( element* )}, an atom is {@code LENGTH ":" BYTES} with a decimal length. This is
 * what gpg-agent sends and receives in D lines: {@code (7:sig-val(5:ecdsa(1:r32:..)(1:s32:..)))}.
 *
 * <p>In the Java form a list is a {@link List}, an atom a {@code byte[]} (or, when encoding, a
 * {@link String} written as its UTF-8 bytes).
 */
final class Sexp {

    private Sexp() {
    }

    /**
     * The canonical encoding of {@code list}, whose elements are {@code String}, {@code byte[]} or
     * such lists.
     */
    static byte[] encode(List<?> list) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, list);
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, Object element) {
        if (element instanceof List<?> list) {
            out.write('(');
            list.forEach(e -> write(out, e));
            out.write(')');
            return;
        }
        byte[] atom = element instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : (byte[]) element;
        out.writeBytes((atom.length + ":").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(atom);
    }

    /**
     * Parses one canonical S-expression that is a list; white space between elements is tolerated.
     *
     * @throws IllegalArgumentException when {@code bytes} is not exactly one such list
     */
    static List<Object> parse(byte[] bytes) {
        int[] at = {skipSpace(bytes, 0)};
        if (at[0] >= bytes.length || bytes[at[0]] != '(') {
            throw new IllegalArgumentException("an S-expression starts with '('");
        }
        List<Object> list = parseList(bytes, at);
        if (skipSpace(bytes, at[0]) != bytes.length) {
            throw new IllegalArgumentException("trailing bytes after the S-expression");
        }
        return list;
    }

    private static List<Object> parseList(byte[] bytes, int[] at) {
        at[0]++;  // '('
        List<Object> list = new ArrayList<>();
        while (true) {
            at[0] = skipSpace(bytes, at[0]);
            if (at[0] >= bytes.length) {
                throw new IllegalArgumentException("unterminated list");
            }
            byte c = bytes[at[0]];
            if (c == ')') {
                at[0]++;
                return list;
            } else if (c == '(') {
                list.add(parseList(bytes, at));
            } else {
                list.add(parseAtom(bytes, at));
            }
        }
    }

    private static byte[] parseAtom(byte[] bytes, int[] at) {
        int start = at[0];
        long length = 0;
        while (at[0] < bytes.length && bytes[at[0]] >= '0' && bytes[at[0]] <= '9') {
            length = length * 10 + (bytes[at[0]++] - '0');
            if (length > bytes.length) {
                throw new IllegalArgumentException("atom length beyond the input");
            }
        }
        if (at[0] == start || at[0] >= bytes.length || bytes[at[0]] != ':') {
            throw new IllegalArgumentException("expected LENGTH:BYTES at offset " + start);
        }
        int from = at[0] + 1;
        if (from + length > bytes.length) {
            throw new IllegalArgumentException("atom of " + length + " bytes runs past the end");
        }
        at[0] = from + (int) length;
        return Arrays.copyOfRange(bytes, from, at[0]);
    }

    private static int skipSpace(byte[] bytes, int at) {
        while (at < bytes.length && (bytes[at] == ' ' || bytes[at] == '\t' || bytes[at] == '\n' || bytes[at] == '\r')) {
            at++;
        }
        return at;
    }

    /**
     * The first sublist, depth first, whose first element is the atom {@code name}, e.g. {@code ecdh}
     * in {@code (enc-val (flags ...) (ecdh (s ..) (e ..)))}; null when there is none.
     */
    static List<Object> find(List<Object> tree, String name) {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        if (!tree.isEmpty() && tree.get(0) instanceof byte[] head && Arrays.equals(head, wanted)) {
            return tree;
        }
        for (Object element : tree) {
            if (element instanceof List<?> sub) {
                @SuppressWarnings("unchecked")
                List<Object> found = find((List<Object>) sub, name);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** The atom after {@code name} in the first {@code (name VALUE)} sublist, or null. */
    static byte[] value(List<Object> tree, String name) {
        List<Object> found = find(tree, name);
        return found != null && found.size() >= 2 && found.get(1) instanceof byte[] atom ? atom : null;
    }
}
