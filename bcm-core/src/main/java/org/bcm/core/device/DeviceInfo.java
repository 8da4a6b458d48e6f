package org.bcm.core.device;

/**
 * What a device says about itself (its Features message), under the names {@code bcm device info
 * --output json} prints.
 *
 * @param path                 the {@code --device} selector it was reached at
 * @param vendor               e.g. {@code trezor.io}
 * @param model                e.g. {@code 1}, {@code T}, {@code Safe 3}; empty when the device sends none
 * @param firmwareVersion      {@code MAJOR.MINOR.PATCH}
 * @param deviceId             its serial; {@code BCM-DEVELOPMENT-...} for the development device
 * @param label                the name its owner gave it
 * @param initialized          whether it holds a seed
 * @param pinProtection        whether a PIN is set
 * @param passphraseProtection whether it asks for a passphrase
 * @param unlocked             whether its PIN was entered in this session, or it has none
 * @param developmentDevice    whether it is bcm's development device, a software device without hardware protection
 */
public record DeviceInfo(String path, String vendor, String model, String firmwareVersion, String deviceId, String label,
                         boolean initialized, boolean pinProtection, boolean passphraseProtection, boolean unlocked,
                         boolean developmentDevice) { }
