package org.bcm.trezor;

/**
 * What the device needs from the person at the computer while a call runs. The CLI implements it on
 * the terminal; tests implement it with fixed answers.
 */
public interface Interaction {

    /** Why the device asks for a PIN (PinMatrixRequest.type). */
    enum PinRequest { CURRENT, NEW_FIRST, NEW_SECOND }

    /**
     * A passphrase answer (PassphraseAck).
     *
     * @param value    the passphrase typed on the host; ignored when {@code onDevice}
     * @param onDevice true to type it on the device instead (models with a keyboard)
     */
    record Passphrase(String value, boolean onDevice) { }

    /**
     * The device shows something to confirm (ButtonRequest): tell the user to look at it and press
     * the button. Called before bcm acknowledges; the call then waits for the decision.
     *
     * @param what what the firmware asks about, e.g. {@code ProtectCall}, {@code Other}, {@code PublicKey}
     */
    void confirmOnDevice(String what);

    /**
     * The PIN, encoded against the scrambled matrix the device shows: for each digit, its position
     * on a numeric keypad ({@code 7 8 9} top row, {@code 1 2 3} bottom row), e.g. {@code "7381"}.
     *
     * @return the encoded PIN, or null to cancel
     */
    char[] pin(PinRequest request);

    /** The passphrase for the hidden wallet; {@code new Passphrase("", false)} for the standard one; null to cancel. */
    Passphrase passphrase();

    /** Something the user must know, e.g. that the device is a development device without hardware protection. */
    void warning(String message);
}
