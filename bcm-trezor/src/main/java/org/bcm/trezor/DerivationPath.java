package org.bcm.trezor;

import java.util.ArrayList;
import java.util.List;

/**
 * A BIP-32 / SLIP-0010 derivation path: the {@code address_n} list of the device messages.
 * Each index is an unsigned 32-bit number held in an {@code int}; hardened indices have bit 31 set
 * ({@link #HARDENED}). Written {@code m/44'/0'/0'} (also accepted: {@code h} or {@code H} for
 * {@code '}, and no {@code m/} prefix).
 *
 * @param indices the indices from the master node down, unmodifiable
 */
public record DerivationPath(List<Integer> indices) {

    /** The hardened bit of an index (BIP-32). */
    public static final int HARDENED = 0x8000_0000;
    /** The master node itself. */
    public static final DerivationPath MASTER = new DerivationPath(List.of());

    public DerivationPath {
        indices = List.copyOf(indices);
    }

    /** A path of the given indices. */
    public static DerivationPath of(int... indices) {
        List<Integer> list = new ArrayList<>(indices.length);
        for (int index : indices) {
            list.add(index);
        }
        return new DerivationPath(list);
    }

    /** Index {@code i} with the hardened bit set; {@code i} must be below 2^31. */
    public static int hardened(int i) {
        if (i < 0) {
            throw new IllegalArgumentException("index " + Integer.toUnsignedString(i) + " is already 2^31 or more");
        }
        return i | HARDENED;
    }

    /**
     * Parses {@code m/44'/0'/0'/0/1}.
     *
     * @throws IllegalArgumentException naming the part that is not an index below 2^31
     */
    public static DerivationPath parse(String text) {
        String path = text.strip();
        if (path.equals("m") || path.isEmpty()) {
            return MASTER;
        }
        if (path.startsWith("m/")) {
            path = path.substring(2);
        }
        List<Integer> list = new ArrayList<>();
        for (String part : path.split("/", -1)) {
            boolean hardened = part.endsWith("'") || part.endsWith("h") || part.endsWith("H");
            String digits = hardened ? part.substring(0, part.length() - 1) : part;
            long value;
            try {
                value = digits.matches("[0-9]{1,10}") ? Long.parseLong(digits) : -1;
            } catch (NumberFormatException e) {
                value = -1;
            }
            if (value < 0 || value >= HARDENED_LIMIT) {
                throw new IllegalArgumentException("bad derivation path '" + text + "': '" + part
                        + "' is not an index below 2^31 (optionally followed by ' for hardened)");
            }
            list.add(hardened ? ((int) value) | HARDENED : (int) value);
        }
        return new DerivationPath(list);
    }

    private static final long HARDENED_LIMIT = 1L << 31;

    /** This path with one more index. */
    public DerivationPath child(int index) {
        List<Integer> list = new ArrayList<>(indices);
        list.add(index);
        return new DerivationPath(list);
    }

    /** Number of indices; 0 for the master node. */
    public int depth() {
        return indices.size();
    }

    /** True when every index is hardened (required on ed25519 and curve25519). */
    public boolean allHardened() {
        return indices.stream().allMatch(i -> (i & HARDENED) != 0);
    }

    /** {@code m/13'/...} with {@code '} for hardened indices. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("m");
        for (int index : indices) {
            out.append('/').append(index & ~HARDENED);
            if ((index & HARDENED) != 0) {
                out.append('\'');
            }
        }
        return out.toString();
    }
}
