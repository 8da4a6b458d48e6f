package org.bcm.core.device;

/**
 * The operator's side of a device session: what the device shows and asks for while a call runs. The
 * CLI answers on the terminal (or, for an agent, in its log); {@link DeviceService} hands it to the
 * Trezor client, so that no front end needs bcm-trezor.
 */
public interface DeviceInteraction {

    /**
     * The device waits for its button: tell the operator to look at it. Called before the request is
     * acknowledged; the call then waits for the decision.
     *
     * @param what the firmware's name for what it asks, e.g. {@code ProtectCall}, {@code PublicKey}
     */
    void confirmOnDevice(String what);

    /** Something the operator must know, e.g. that the device is the development device, without hardware protection. */
    void warning(String message);

    /** Which PIN the device asks for: the current one, or a new one (first, then second entry). */
    enum PinRequest { CURRENT, NEW_FIRST, NEW_SECOND }

    /**
     * The PIN as positions on the scrambled matrix the device shows ({@code 7 8 9} the top row): for
     * each digit, its position, e.g. {@code "7381"}.
     *
     * @return the positions, or null to cancel (the call then ends with DEVICE_CANCELLED)
     */
    char[] pin(PinRequest request);

    /**
     * What the operator answers to a passphrase request.
     *
     * @param value    the passphrase typed on the computer ({@code ""}: the standard wallet); ignored when {@code onDevice}
     * @param onDevice true to type it on the device instead (models with a keyboard)
     */
    record Passphrase(String value, boolean onDevice) { }

    /** @return the passphrase, or null to cancel (the call then ends with DEVICE_CANCELLED) */
    Passphrase passphrase();
}
