package org.bcm.cli;

import java.io.Console;
import java.io.PrintWriter;
import org.bcm.core.device.DeviceInteraction;

/**
 * The device's questions on the terminal: confirmation prompts and warnings on standard error, the
 * PIN against the scrambled matrix and the passphrase read from the console without echo. Without a
 * console (a script, a pipe) PIN and passphrase entry are cancelled with a message.
 */
final class TerminalInteraction implements DeviceInteraction {

    private final PrintWriter err;
    private final Console console;
    /** Each warning once per command, however many device sessions it opens. */
    private final java.util.Set<String> warned = new java.util.HashSet<>();

    TerminalInteraction(PrintWriter err) {
        this.err = err;
        this.console = System.console();
    }

    @Override
    public void confirmOnDevice(String what) {
        err.println("bcm: confirm on your Trezor (" + what + ")");
        err.flush();
    }

    @Override
    public char[] pin(PinRequest request) {
        if (console == null) {
            err.println("bcm: the Trezor asks for its PIN, but there is no terminal to type it on");
            err.flush();
            return null;
        }
        err.println("The Trezor shows a scrambled number grid. Type, for each digit of your PIN, its position on this grid:");
        err.println("    7 8 9");
        err.println("    4 5 6");
        err.println("    1 2 3");
        err.flush();
        String label = switch (request) {
            case CURRENT -> "PIN positions: ";
            case NEW_FIRST -> "new PIN positions: ";
            case NEW_SECOND -> "new PIN positions again: ";
        };
        return console.readPassword(label);
    }

    @Override
    public Passphrase passphrase() {
        if (console == null) {
            err.println("bcm: the Trezor asks for a passphrase, but there is no terminal to type it on");
            err.flush();
            return null;
        }
        char[] typed = console.readPassword("Passphrase (empty for the standard wallet): ");
        return typed == null ? null : new Passphrase(new String(typed), false);
    }

    @Override
    public void warning(String message) {
        if (!warned.add(message)) {
            return;
        }
        err.println("bcm: WARNING: " + message);
        err.flush();
    }
}
