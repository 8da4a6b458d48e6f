package org.bcm.core.identity;

import java.io.IOException;
import java.util.Map;
import org.bcm.core.device.DeviceInteraction;
import org.bcm.core.device.DeviceService;
import org.bcm.trezor.Interaction;
import org.bcm.trezor.dev.DevelopmentDevice;

/**
 * bcm-trezor-dev's {@link org.bcm.trezor.dev.TestDevice} (from its test-jar) with {@link DeviceKeys} on it: what
 * the identity tests use in place of a Trezor.
 */
public final class TestDevice extends org.bcm.trezor.dev.TestDevice {

    public TestDevice(DevelopmentDevice.Settings settings) throws IOException {
        super(settings);
    }

    /** The device with mnemonic {@code all} x 12, no PIN, automatic confirmation. */
    public static TestDevice all() throws IOException {
        return new TestDevice(DevelopmentDevice.Settings.of(MNEMONIC_ALL));
    }

    /** {@link DeviceKeys} on this device, through the same DeviceService the CLI uses. */
    public DeviceKeys keys() {
        return new TrezorKeys(new DeviceService(Map.of()), path(), answeredBy(interaction));
    }

    /** The operator's side of a session, answered as {@code recorder} says (and recorded there). */
    public static DeviceInteraction answeredBy(Interaction recorder) {
        return new DeviceInteraction() {
            @Override
            public void confirmOnDevice(String what) {
                recorder.confirmOnDevice(what);
            }

            @Override
            public char[] pin(PinRequest request) {
                return recorder.pin(Interaction.PinRequest.valueOf(request.name()));
            }

            @Override
            public Passphrase passphrase() {
                Interaction.Passphrase answer = recorder.passphrase();
                return answer == null ? null : new Passphrase(answer.value(), answer.onDevice());
            }

            @Override
            public void warning(String message) {
                recorder.warning(message);
            }
        };
    }
}
