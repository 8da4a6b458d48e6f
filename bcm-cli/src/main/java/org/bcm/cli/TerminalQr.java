package org.bcm.cli;

import io.nayuki.qrcodegen.QrCode;
import java.io.PrintWriter;

/**
 * A QR code drawn in the terminal with Unicode half blocks, two modules per character cell, with the
 * quiet zone of 4 modules the standard asks for (ISO/IEC 18004). The light modules are the drawn
 * blocks, as {@code qrencode -t UTF8} does: dark on light on a terminal with a dark background; on a
 * light background it shows inverted, which not every scanner reads. The code is Project Nayuki's qrcodegen.
 */
final class TerminalQr {

    private static final int QUIET = 4;

    private TerminalQr() {
    }

    /** Draws {@code text} (error correction level M) to {@code out}. */
    static void print(PrintWriter out, String text) {
        QrCode qr = QrCode.encodeText(text, QrCode.Ecc.MEDIUM);
        int size = qr.size + 2 * QUIET;
        for (int y = 0; y < size; y += 2) {
            StringBuilder line = new StringBuilder();
            for (int x = 0; x < size; x++) {
                boolean top = dark(qr, x - QUIET, y - QUIET);
                boolean bottom = dark(qr, x - QUIET, y + 1 - QUIET);
                // light cells are drawn, dark ones left blank: the block characters are the light modules
                line.append(!top && !bottom ? '\u2588' : !top ? '\u2580' : !bottom ? '\u2584' : ' ');
            }
            out.println(line);
        }
        out.flush();
    }

    private static boolean dark(QrCode qr, int x, int y) {
        return x >= 0 && y >= 0 && x < qr.size && y < qr.size && qr.getModule(x, y);
    }
}
