package org.bcm.core.identity.ssh;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The SSH data types of RFC 4251 section 5 that keys, signatures and agent messages are made of:
 * {@code byte}, {@code boolean}, {@code uint32} (big-endian), {@code string} (uint32 length, then the
 * bytes) and {@code mpint} (a string holding the two's complement big-endian number, minimal, with a
 * leading zero byte when a positive number's high bit is set; zero is the empty string).
 */
final class SshWire {

    private SshWire() {
    }

    /** Builds a byte sequence of SSH data types. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer octet(int value) {
            out.write(value);
            return this;
        }

        Writer uint32(long value) {
            out.write((int) (value >>> 24));
            out.write((int) (value >>> 16));
            out.write((int) (value >>> 8));
            out.write((int) value);
            return this;
        }

        Writer string(byte[] value) {
            uint32(value.length);
            out.writeBytes(value);
            return this;
        }

        Writer string(String value) {
            return string(value.getBytes(StandardCharsets.UTF_8));
        }

        /** {@code unsigned} read as an unsigned big-endian number, written as an mpint. */
        Writer mpint(byte[] unsigned) {
            BigInteger value = new BigInteger(1, unsigned);
            return string(value.signum() == 0 ? new byte[0] : value.toByteArray());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    /** Reads SSH data types; every read past the end, or a string longer than what is left, throws {@link Malformed}. */
    static final class Reader {
        private final ByteBuffer in;

        Reader(byte[] bytes) {
            this.in = ByteBuffer.wrap(bytes);
        }

        int octet() {
            try {
                return in.get() & 0xff;
            } catch (BufferUnderflowException e) {
                throw new Malformed("a byte is missing");
            }
        }

        long uint32() {
            try {
                return Integer.toUnsignedLong(in.getInt());
            } catch (BufferUnderflowException e) {
                throw new Malformed("a uint32 is missing");
            }
        }

        byte[] string() {
            long length = uint32();
            if (length > in.remaining()) {
                throw new Malformed("a string of " + length + " bytes where only " + in.remaining() + " are left");
            }
            byte[] value = new byte[(int) length];
            in.get(value);
            return value;
        }

        String utf8() {
            return new String(string(), StandardCharsets.UTF_8);
        }

        boolean atEnd() {
            return !in.hasRemaining();
        }
    }

    /** A byte sequence that is not the SSH structure it should be. */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }
}
