package org.bcm.core.device;

import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;

/**
 * The key of a SLIP-0013 identity on a curve, as the operator asks for it.
 *
 * @param identity the identity and its index
 * @param curve    the curve of its key
 */
public record IdentityKeySpec(Identity identity, Curve curve) {

    /**
     * The key the operator names.
     *
     * @param uri   e.g. {@code ssh://user@host}, {@code gpg://Name <user@host>}
     * @param index the SLIP-0013 index (several keys per identity)
     * @param curve secp256k1, nist256p1, ed25519 or curve25519
     * @throws org.bcm.core.BcmException INVALID_INPUT when {@code uri} is no identity or {@code curve} no curve the device knows
     */
    public static IdentityKeySpec parse(String uri, int index, String curve) {
        Identity identity = DeviceService.input(() -> Identity.parse(uri, index));
        return new IdentityKeySpec(identity, DeviceService.input(() -> Curve.fromFirmwareName(curve)));
    }
}
