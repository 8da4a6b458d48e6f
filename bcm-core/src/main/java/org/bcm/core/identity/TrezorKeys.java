package org.bcm.core.identity;

import org.bcm.core.device.DeviceInteraction;
import org.bcm.core.device.DeviceService;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.Identity;
import org.bcm.trezor.KeyOperations;
import org.bcm.trezor.PeerKey;
import org.bcm.trezor.PublicKey;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.SignedIdentity;

/**
 * {@link DeviceKeys} on the Trezor the operator chose (a real one, the emulator or the development
 * device): one session per call, so an agent that lives for hours never holds the device. The
 * firmware keeps its PIN unlocked between sessions until it locks itself.
 */
public final class TrezorKeys implements DeviceKeys {

    private final DeviceService devices;
    private final String selector;
    private final DeviceInteraction interaction;

    /**
     * @param selector    {@code --device} (udp:HOST:PORT, bridge:PATH, usb:BUS-PORT, hid:PATH), or null for BCM_TREZOR, else the one hardware device connected
     * @param interaction how the device's questions reach the user
     */
    public TrezorKeys(DeviceService devices, String selector, DeviceInteraction interaction) {
        this.devices = devices;
        this.selector = selector;
        this.interaction = interaction;
    }

    @Override
    public SignedIdentity signIdentity(Identity identity, Curve curve, Challenge challenge) {
        return devices.withDevice(selector, interaction, client -> KeyOperations.signIdentity(client, identity, challenge, curve));
    }

    @Override
    public SessionKey ecdh(Identity identity, PeerKey peer) {
        return devices.withDevice(selector, interaction, client -> KeyOperations.getEcdhSessionKey(client, identity, peer));
    }

    @Override
    public PublicKey publicKey(DerivationPath path, Curve curve) {
        return devices.withDevice(selector, interaction, client -> KeyOperations.getPublicKey(client, path, curve, false).publicKey());
    }
}
