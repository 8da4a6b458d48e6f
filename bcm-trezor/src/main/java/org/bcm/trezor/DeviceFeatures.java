package org.bcm.trezor;

/**
 * What a device says about itself (Features, message 17).
 *
 * @param path                 where the device was reached, as {@code --device} takes it
 * @param vendor               e.g. {@code trezor.io}
 * @param model                e.g. {@code 1}, {@code T}, {@code Safe 3}; empty when not sent
 * @param firmwareVersion      {@code major.minor.patch}
 * @param deviceId             the device's serial
 * @param label                the name the owner gave it
 * @param initialized          true when it holds a seed
 * @param pinProtection        true when a PIN is set
 * @param passphraseProtection true when it asks for a passphrase
 * @param unlocked             true when the PIN was entered in this session (or there is none)
 * @param developmentDevice    true for bcm's software development device (no hardware protection)
 */
public record DeviceFeatures(String path, String vendor, String model, String firmwareVersion, String deviceId, String label,
                             boolean initialized, boolean pinProtection, boolean passphraseProtection, boolean unlocked,
                             boolean developmentDevice) {

    /** The device id prefix by which bcm's development device announces itself. */
    public static final String DEVELOPMENT_DEVICE_ID_PREFIX = "BCM-DEVELOPMENT-";

    /** The warning shown on every use of the development device. */
    public static final String DEVELOPMENT_WARNING =
            "using the bcm DEVELOPMENT DEVICE: a software device whose mnemonic is in a file, not a Trezor; "
                    + "its keys have no hardware protection. Use it only for tests and demos.";
}
