package org.bcm.core.identity.gpg;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The server side of one Assuan connection (the GnuPG IPC protocol, "Developing with Assuan",
 * chapter "Client requests" / "Server responses"): LF-terminated lines of at most
 * {@value #MAX_LINE} bytes each way; answers {@code OK}, {@code ERR}, status lines {@code S},
 * data lines {@code D} and {@code INQUIRE}. In {@code D} lines {@code %}, CR and LF travel
 * percent-escaped ({@code %25 %0D %0A}) in both directions.
 */
final class AssuanChannel {

    /** The longest line, in bytes, without its LF. */
    static final int MAX_LINE = 1000;

    /** A line longer than {@link #MAX_LINE} bytes arrived; the connection cannot be resynchronised. */
    static final class LineTooLong extends IOException {
        private static final long serialVersionUID = 1L;

        LineTooLong() {
            super("a line longer than " + MAX_LINE + " bytes");
        }
    }

    private final InputStream in;
    private final OutputStream out;

    AssuanChannel(InputStream in, OutputStream out) {
        this.in = new BufferedInputStream(in);
        this.out = new BufferedOutputStream(out);
    }

    /**
     * The next line without its LF (and without a CR before it), or null at the end of the stream.
     *
     * @throws LineTooLong when more than {@link #MAX_LINE} bytes come before the LF
     */
    byte[] readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return null;
            }
            if (line.size() == MAX_LINE) {
                throw new LineTooLong();
            }
            line.write(c);
        }
        byte[] bytes = line.toByteArray();
        return bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? Arrays.copyOf(bytes, bytes.length - 1) : bytes;
    }

    /** {@code OK} or {@code OK <text>}. */
    void ok(String text) throws IOException {
        line(text == null ? "OK" : "OK " + text);
    }

    void error(AssuanError error) throws IOException {
        line(error.line());
    }

    /** A status line {@code S <keyword> <text>}. */
    void status(String keyword, String text) throws IOException {
        line("S " + keyword + " " + text);
    }

    /** {@code data} as D lines, escaped, each at most {@link #MAX_LINE} bytes. */
    void data(byte[] data) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (byte b : data) {
            byte[] escaped = escape(b);
            if (2 + line.size() + escaped.length > MAX_LINE) {
                dataLine(line);
            }
            line.writeBytes(escaped);
        }
        if (line.size() > 0) {
            dataLine(line);
        }
    }

    private void dataLine(ByteArrayOutputStream line) throws IOException {
        out.write('D');
        out.write(' ');
        line.writeTo(out);
        out.write('\n');
        out.flush();
        line.reset();
    }

    /**
     * {@code INQUIRE <keyword>}, then the client's D lines (unescaped) until {@code END}.
     *
     * @throws AssuanError IPC_CANCELED when the client answers {@code CAN}, TOO_MUCH_DATA beyond
     *                     {@code maxLength} bytes (read up to END first), UNEXPECTED_COMMAND for
     *                     another command in between
     * @throws EOFException when the client hangs up
     */
    byte[] inquire(String keyword, int maxLength) throws IOException, AssuanError {
        line("INQUIRE " + keyword);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        boolean tooMuch = false;
        while (true) {
            byte[] line = readLine();
            if (line == null) {
                throw new EOFException("the client hung up during INQUIRE " + keyword);
            }
            String text = new String(line, StandardCharsets.ISO_8859_1);
            if (text.equals("END")) {
                if (tooMuch) {
                    throw new AssuanError(AssuanError.Code.TOO_MUCH_DATA, "more than " + maxLength + " bytes for " + keyword);
                }
                return data.toByteArray();
            } else if (text.equals("CAN")) {
                throw new AssuanError(AssuanError.Code.IPC_CANCELED, null);
            } else if (text.startsWith("D ")) {
                byte[] chunk = unescape(Arrays.copyOfRange(line, 2, line.length));
                tooMuch |= data.size() + chunk.length > maxLength;
                if (!tooMuch) {
                    data.writeBytes(chunk);
                }
            } else if (!text.isEmpty() && !text.startsWith("#")) {
                throw new AssuanError(AssuanError.Code.UNEXPECTED_COMMAND, "expected D lines and END for " + keyword);
            }
        }
    }

    private void line(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
        out.flush();
    }

    /** One data byte as it travels in a D line: {@code %25}, {@code %0D}, {@code %0A} or itself. */
    static byte[] escape(byte b) {
        return b == '%' || b == '\r' || b == '\n'
                ? String.format("%%%02X", b).getBytes(StandardCharsets.US_ASCII)
                : new byte[] {b};
    }

    /** Decodes every {@code %XX} (any two hex digits) of a D line's payload; a stray {@code %} stays. */
    static byte[] unescape(byte[] escaped) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(escaped.length);
        for (int i = 0; i < escaped.length; i++) {
            if (escaped[i] == '%' && hex(escaped, i + 1) >= 0) {
                out.write(hex(escaped, i + 1));
                i += 2;
            } else {
                out.write(escaped[i]);
            }
        }
        return out.toByteArray();
    }

    /** The byte the two hex digits at {@code at} denote, or -1. */
    private static int hex(byte[] bytes, int at) {
        if (at + 1 >= bytes.length) {
            return -1;
        }
        int high = Character.digit(bytes[at], 16);
        int low = Character.digit(bytes[at + 1], 16);
        return high < 0 || low < 0 ? -1 : high << 4 | low;
    }
}
