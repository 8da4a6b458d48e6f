package org.bcm.trezor.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class Bip39Test {

    private static final HexFormat HEX = HexFormat.of();
    private static final String ABOUT = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    @Test
    void wordlistResourceIsTheOnePublishedByBip39() throws Exception {
        byte[] file;
        try (InputStream in = Bip39.class.getResourceAsStream(Bip39.WORDLIST_RESOURCE)) {
            assertThat(in).as("resource " + Bip39.WORDLIST_RESOURCE).isNotNull();
            file = in.readAllBytes();
        }
        assertThat(HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(file))).isEqualTo(Bip39.WORDLIST_SHA256)
                .isEqualTo("2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
        List<String> words = Bip39.englishWordlist();
        assertThat(words).hasSize(2048);
        assertThat(new HashSet<>(words)).hasSize(2048);
        assertThat(words.get(0)).isEqualTo("abandon");
        assertThat(words.get(2047)).isEqualTo("zoo");
    }

    @Test
    void officialVectorAbandonAboutWithPassphraseTrezor() {
        Bip39.check(ABOUT);
        assertThat(HEX.formatHex(Bip39.seed(ABOUT, "TREZOR"))).isEqualTo(
                "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04");
    }

    /** English vectors of trezor/python-mnemonic {@code vectors.json} (the BIP-39 reference vectors, passphrase "TREZOR"). */
    @ParameterizedTest
    @CsvSource({
        "00000000000000000000000000000000, abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about, "
                + "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
        "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f, legal winner thank year wave sausage worth useful legal winner thank yellow, "
                + "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
        "ffffffffffffffffffffffffffffffffffffffffffffffff, zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo when, "
                + "0cd6e5d827bb62eb8fc1e262254223817fd068a74b5b449cc2f667c3f1f985a76379b43348d952e2265b4cd129090758b3e3c2c49103b5051aac2eaeb890a528",
        "6610b25967cdcca9d59875f5cb50b0ea75433311869e930b, gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog, "
                + "628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac",
        "68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c, hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length, "
                + "64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440",
        "066dca1a2bb7e8a1db2832148ce9933eea0f3ac9548d793112d9a95c9407efad, all hour make first leader extend hole alien behind guard gospel lava path output census museum junior mass reopen famous sing advance salt reform, "
                + "26e975ec644423f4a4c4f4215ef09b4bd7ef924e85d1d17c4cf3f136c2863cf6df0a475045652c57eb5fb41513ca2a2d67722b77e954b4b3fc11f7590449191d",
    })
    void referenceVectors(String entropy, String mnemonic, String seed) {
        assertThat(Bip39.fromEntropy(HEX.parseHex(entropy))).isEqualTo(mnemonic);
        Bip39.check(mnemonic);
        assertThat(HEX.formatHex(Bip39.seed(mnemonic, "TREZOR"))).isEqualTo(seed);
    }

    @Test
    void fixtureMnemonicIsValid() {
        Bip39.check("all all all all all all all all all all all all");
    }

    @Test
    void rejectsBadChecksum() {
        assertThatThrownBy(() -> Bip39.check("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");
        assertThatThrownBy(() -> Bip39.check("all all all all all all all all all all all about"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");
    }

    @Test
    void rejectsUnknownWordByPosition() {
        assertThatThrownBy(() -> Bip39.check("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandonn about"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("word 11").hasMessageContaining("abandonn");
        assertThatThrownBy(() -> Bip39.check(ABOUT.replace("about", "About")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("word 12");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 11, 13, 15, 21, 25})
    void rejectsWrongWordCount(int count) {
        String mnemonic = String.join(" ", java.util.Collections.nCopies(count, "abandon"));
        assertThatThrownBy(() -> Bip39.check(mnemonic))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(count + " words")
                .hasMessageContaining("12, 18 or 24");
    }

    @Test
    void rejectsSloppySpacing() {
        assertThatThrownBy(() -> Bip39.check(ABOUT.replace("abandon about", "abandon  about")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("single spaces");
        assertThatThrownBy(() -> Bip39.check(" " + ABOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("single spaces");
        assertThatThrownBy(() -> Bip39.check(ABOUT + "\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("single spaces");
    }

    @ParameterizedTest
    @ValueSource(ints = {12, 18, 24})
    void generatesValidMnemonics(int words) {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 20; i++) {
            String mnemonic = Bip39.generate(random, words);
            assertThat(mnemonic.split(" ")).hasSize(words);
            Bip39.check(mnemonic);
        }
    }

    @Test
    void generateRejectsOtherWordCounts() {
        assertThatThrownBy(() -> Bip39.generate(new SecureRandom(), 15)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void seedNormalizesToNfkdAndTreatsNullPassphraseAsEmpty() throws IOException {
        assertThat(Bip39.seed(ABOUT, null)).isEqualTo(Bip39.seed(ABOUT, ""));
        // U+00E9 (composed) and e + U+0301 (decomposed) are the same passphrase after NFKD
        assertThat(Bip39.seed(ABOUT, "caf\u00e9")).isEqualTo(Bip39.seed(ABOUT, "cafe\u0301"));
        assertThat(Bip39.seed(ABOUT, "")).hasSize(64);
    }
}
