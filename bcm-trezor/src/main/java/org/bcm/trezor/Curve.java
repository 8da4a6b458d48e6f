package org.bcm.trezor;

import java.util.Locale;

/**
 * An elliptic curve the device derives keys on, by the name the firmware uses in
 * {@code ecdsa_curve_name} (trezor-crypto {@code SECP256K1_NAME}, {@code NIST256P1_NAME},
 * {@code ED25519_NAME}, {@code CURVE25519_NAME}). Derivation on every curve follows SLIP-0010.
 */
public enum Curve {
    /** Bitcoin's curve; the firmware's default when no curve is named. */
    SECP256K1("secp256k1"),
    /** NIST P-256 (prime256v1): ECDSA for SSH and OpenPGP identities, ECDH for OpenPGP encryption. */
    NIST256P1("nist256p1"),
    /** Ed25519 signatures for SSH and OpenPGP identities; hardened derivation only. */
    ED25519("ed25519"),
    /** X25519 key agreement (GetECDHSessionKey only); hardened derivation only. */
    CURVE25519("curve25519");

    private final String firmwareName;

    Curve(String firmwareName) {
        this.firmwareName = firmwareName;
    }

    /** The name sent as {@code ecdsa_curve_name}, e.g. {@code nist256p1}. */
    public String firmwareName() {
        return firmwareName;
    }

    /** True for the Edwards/Montgomery curves, which SLIP-0010 derives with hardened indices only. */
    public boolean hardenedOnly() {
        return this == ED25519 || this == CURVE25519;
    }

    /**
     * The curve a firmware name denotes.
     *
     * @throws IllegalArgumentException for a name no supported curve has
     */
    public static Curve fromFirmwareName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (Curve curve : values()) {
            if (curve.firmwareName.equals(wanted)) {
                return curve;
            }
        }
        throw new IllegalArgumentException("unknown curve '" + name + "': expected secp256k1, nist256p1, ed25519 or curve25519");
    }

    @Override
    public String toString() {
        return firmwareName;
    }
}
