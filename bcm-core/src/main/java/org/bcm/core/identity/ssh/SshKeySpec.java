package org.bcm.core.identity.ssh;

import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;

/**
 * The ssh key an operator asks for: an ssh identity, and the curve of its key when one is named.
 *
 * @param identity the SLIP-0013 identity (proto {@code ssh}, its user, host and port from the safe set of
 *                 {@link org.bcm.core.identity.LoginNames}) with its index
 * @param curve    nist256p1 or ed25519; null when none is named
 */
public record SshKeySpec(Identity identity, Curve curve) {

    /**
     * The key the operator names, checked before anything is recorded or run.
     *
     * @param target {@code [ssh://][USER@]HOST[:PORT]}
     * @param index  the SLIP-0013 index (several keys per identity)
     * @param curve  nist256p1 or ed25519, or null for none named
     * @throws org.bcm.core.BcmException INVALID_INPUT as {@link SshPublicKey#identity} and {@link SshPublicKey#curve}
     */
    public static SshKeySpec parse(String target, int index, String curve) {
        Identity identity = SshPublicKey.identity(target, index);
        return new SshKeySpec(identity, curve == null ? null : SshPublicKey.curve(curve));
    }

    /** The identity, as {@code ssh://USER@HOST[:PORT]} with {@code #INDEX} when not 0. */
    @Override
    public String toString() {
        return identity.toString();
    }
}
