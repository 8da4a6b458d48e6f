package org.bcm.core.tor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.bouncycastle.util.encoders.Base32;
import org.junit.jupiter.api.Test;

/** Onion service and client keys in the formats Tor reads and prints. */
class OnionKeysTest {

    /** RFC 8032 section 7.1, test 1. */
    private static final byte[] SEED = HexFormat.of().parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");

    @Test
    void theAddressIsTorsForTheKey() {
        OnionKey key = new OnionKey(SEED);

        assertThat(HexFormat.of().formatHex(key.publicKey())).isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        // Tor's own test of the encoding (src/test/test_hs_common.c, test_build_address), for this public key
        assertThat(key.address()).isEqualTo("25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion");
        assertThat(OnionKey.isAddress(key.address())).isTrue();
        assertThat(OnionKey.isAddress("25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sie.onion")).as("bad checksum").isFalse();
        assertThat(OnionKey.isAddress("not-an-onion")).isFalse();
    }

    @Test
    void theSecretKeyFileIsTorsExpandedKeyAfterItsHeader() throws Exception {
        byte[] file = new OnionKey(SEED).torSecretKeyFile();

        assertThat(file).hasSize(96);
        assertThat(new String(file, 0, 32, StandardCharsets.US_ASCII)).isEqualTo("== ed25519v1-secret: type0 ==\0\0\0");
        byte[] expanded = Arrays.copyOfRange(file, 32, 96);
        byte[] hash = MessageDigest.getInstance("SHA-512").digest(SEED);
        assertThat(Arrays.copyOfRange(expanded, 32, 64)).as("the hash's second half, as is").isEqualTo(Arrays.copyOfRange(hash, 32, 64));
        assertThat(expanded[0] & 7).as("clamped").isZero();
        assertThat(expanded[31] & 0xc0).isEqualTo(0x40);
        byte[] scalar = Arrays.copyOf(hash, 32);
        scalar[0] &= (byte) 248;
        scalar[31] &= 127;
        scalar[31] |= 64;
        assertThat(Arrays.copyOf(expanded, 32)).as("RFC 8032 5.1.5's scalar").isEqualTo(scalar);
        // that Tor derives the same public key from it, the end-to-end test shows: clients reach bcm's address
    }

    @Test
    void aClientKeyGivesTheLinesOfBothSides() {
        ClientAuthKey key = ClientAuthKey.generate();
        String publicBase32 = key.publicKeyBase32();

        assertThat(publicBase32).matches("[A-Z2-7]{52}");
        assertThat(key.authLine()).isEqualTo("descriptor:x25519:" + publicBase32);
        assertThat(ClientAuthKey.isAuthLine(key.authLine())).isTrue();
        assertThat(ClientAuthKey.isAuthLine("descriptor:x25519:short")).isFalse();
        String address = new OnionKey(SEED).address();
        String line = key.authPrivateLine(address);
        assertThat(line).startsWith(address.replace(".onion", "") + ":descriptor:x25519:");
        byte[] privateKey = Base32.decode(line.substring(line.lastIndexOf(':') + 1) + "====");
        assertThat(privateKey).isEqualTo(key.privateKey());
        byte[] derivedPublic = new X25519PrivateKeyParameters(privateKey, 0).generatePublicKey().getEncoded();
        assertThat(new X25519PublicKeyParameters(Base32.decode(publicBase32 + "====")).getEncoded()).isEqualTo(derivedPublic);
    }
}
