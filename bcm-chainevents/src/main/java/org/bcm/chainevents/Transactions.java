package org.bcm.chainevents;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The ids of a serialized Bitcoin transaction (BIP 141, "Transaction ID"): the txid is the double
 * SHA-256 of the serialization without witness data (version, inputs, outputs, locktime), the wtxid
 * that of the whole serialization; both shown byte-reversed in hex, as bitcoind's RPC shows them.
 */
final class Transactions {

    private static final HexFormat HEX = HexFormat.of();

    private Transactions() {
    }

    /** The txid of {@code raw}, a transaction as bitcoind's {@code rawtx} notification carries it. */
    static String txid(byte[] raw) {
        return display(sha256d(withoutWitness(raw)));
    }

    /** The wtxid of {@code raw} (equal to the txid for a transaction without witness). */
    static String wtxid(byte[] raw) {
        return display(sha256d(raw));
    }

    /**
     * The transaction without its marker, flag and witnesses (BIP 144 serialization: version, 0x00 marker,
     * 0x01 flag, inputs, outputs, one witness stack per input, locktime).
     *
     * @throws IllegalArgumentException when {@code raw} is not a whole transaction
     */
    static byte[] withoutWitness(byte[] raw) {
        Reader r = new Reader(raw);
        r.skip(4);
        boolean segwit = raw.length > 6 && raw[4] == 0 && raw[5] == 1;
        if (!segwit) {
            r.skip(raw.length - 4);
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        out.write(raw, 0, 4);
        r.skip(2);
        int start = r.position;
        long inputs = r.varint();
        for (long i = 0; i < inputs; i++) {
            r.skip(36);
            r.skip(r.varint());
            r.skip(4);
        }
        long outputs = r.varint();
        for (long i = 0; i < outputs; i++) {
            r.skip(8);
            r.skip(r.varint());
        }
        out.write(raw, start, r.position - start);
        for (long i = 0; i < inputs; i++) {
            long items = r.varint();
            for (long j = 0; j < items; j++) {
                r.skip(r.varint());
            }
        }
        int locktime = r.position;
        r.skip(4);
        if (r.position != raw.length) {
            throw new IllegalArgumentException("transaction has " + (raw.length - r.position) + " bytes after its locktime");
        }
        out.write(raw, locktime, 4);
        return out.toByteArray();
    }

    static byte[] sha256d(byte[] data) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return sha.digest(sha.digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A hash as the RPC shows it: byte-reversed hex. */
    static String display(byte[] hash) {
        byte[] reversed = new byte[hash.length];
        for (int i = 0; i < hash.length; i++) {
            reversed[i] = hash[hash.length - 1 - i];
        }
        return HEX.formatHex(reversed);
    }

    private static final class Reader {
        private final byte[] data;
        private int position;

        Reader(byte[] data) {
            this.data = data;
        }

        void skip(long n) {
            if (n < 0 || position + n > data.length) {
                throw new IllegalArgumentException("transaction ends early (at byte " + position + " of " + data.length + ")");
            }
            position += (int) n;
        }

        /** Bitcoin's CompactSize. */
        long varint() {
            skip(1);
            int first = data[position - 1] & 0xff;
            int size = first < 0xfd ? 0 : first == 0xfd ? 2 : first == 0xfe ? 4 : 8;
            if (size == 0) {
                return first;
            }
            skip(size);
            long value = 0;
            for (int i = size - 1; i >= 0; i--) {
                value = value << 8 | (data[position - size + i] & 0xff);
            }
            return value;
        }
    }
}
