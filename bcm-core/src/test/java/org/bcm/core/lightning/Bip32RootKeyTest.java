package org.bcm.core.lightning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** BIP-32's master key serialization, against BIP-32's own test vectors. */
class Bip32RootKeyTest {

    @Test
    void bip32TestVectorOne() {
        // BIP-32, "Test vector 1", chain m, ext prv
        assertThat(Bip32RootKey.fromSeed(HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f"), true))
                .isEqualTo("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi");
    }

    @Test
    void bip32TestVectorTwo() {
        // BIP-32, "Test vector 2", chain m, ext prv
        assertThat(Bip32RootKey.fromSeed(HexFormat.of().parseHex("fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542"), true))
                .isEqualTo("xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U");
    }

    @Test
    void theTestChainsGetTprvAndEveryKeyIsNew() {
        String regtest = Bip32RootKey.generate("regtest");
        assertThat(regtest).startsWith("tprv").hasSize(111);
        assertThat(Bip32RootKey.generate("mainnet")).startsWith("xprv").hasSize(111);
        assertThat(Bip32RootKey.generate("regtest")).isNotEqualTo(regtest);
        assertThatThrownBy(() -> Bip32RootKey.fromSeed(new byte[15], false)).isInstanceOf(IllegalArgumentException.class);
    }
}
