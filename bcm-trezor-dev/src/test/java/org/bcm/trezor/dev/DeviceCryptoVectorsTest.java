package org.bcm.trezor.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PublicNode;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.SignedIdentity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every entry of {@code shared/fixtures/trezor/vectors-mnemonic-all.json} ({@link RecordedVectors}), the recorded
 * answers of a Trezor One emulator (firmware 1.14.1) for the mnemonic "all" x 12 without
 * passphrase, reproduced byte for byte by {@link DeviceCrypto}. One dynamic test per entry.
 */
class DeviceCryptoVectorsTest {

    private static final HexFormat HEX = HexFormat.of();
    private static JsonNode vectors;
    private static byte[] seed;

    @BeforeAll
    static void load() throws IOException {
        vectors = RecordedVectors.load();
        String mnemonic = vectors.get("mnemonic").asText();
        Bip39.check(mnemonic);
        seed = Bip39.seed(mnemonic, "");
    }

    @Test
    void fixtureHasEverySection() {
        for (String section : List.of("sign_identity", "ecdh", "cipher_key_value", "public_nodes")) {
            assertThat(vectors.get(section)).as(section).isNotNull();
            assertThat(vectors.get(section).size()).as(section).isPositive();
        }
    }

    @TestFactory
    Stream<DynamicTest> signIdentity() {
        List<DynamicTest> tests = new ArrayList<>();
        JsonNode entries = vectors.get("sign_identity");
        for (int n = 0; n < entries.size(); n++) {
            JsonNode e = entries.get(n);
            Identity identity = identity(e.get("identity"), e.path("index").asInt(0));
            Curve curve = Curve.fromFirmwareName(e.get("curve").asText());
            String name = "sign_identity[" + n + "] " + identity + " " + curve;
            tests.add(DynamicTest.dynamicTest(name, () -> {
                SignedIdentity signed = DeviceCrypto.signIdentity(seed, identity,
                        HEX.parseHex(e.get("challenge_hidden").asText()), e.get("challenge_visual").asText(), curve);
                assertThat(signed.publicKey().hex()).as("public_key").isEqualTo(e.get("public_key").asText());
                assertThat(signed.signature().hex()).as("signature").isEqualTo(e.get("signature").asText());
                JsonNode address = e.get("address");
                if (address == null || address.isNull()) {
                    assertThat(signed.address()).as("address").isEmpty();
                } else {
                    assertThat(signed.address()).as("address").contains(address.asText());
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> ecdh() {
        List<DynamicTest> tests = new ArrayList<>();
        JsonNode entries = vectors.get("ecdh");
        for (int n = 0; n < entries.size(); n++) {
            JsonNode e = entries.get(n);
            Identity identity = identity(e.get("identity"), e.path("index").asInt(0));
            Curve curve = Curve.fromFirmwareName(e.get("curve").asText());
            String name = "ecdh[" + n + "] " + identity + " " + curve;
            tests.add(DynamicTest.dynamicTest(name, () -> {
                SessionKey key = DeviceCrypto.ecdhSessionKey(seed, identity,
                        HEX.parseHex(e.get("peer_public_key").asText()), curve);
                assertThat(HEX.formatHex(key.bytes())).as("session_key").isEqualTo(e.get("session_key").asText());
                assertThat(key.ownPublicKey().hex()).as("own_public_key").isEqualTo(e.get("own_public_key").asText());
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> cipherKeyValue() {
        List<DynamicTest> tests = new ArrayList<>();
        JsonNode entries = vectors.get("cipher_key_value");
        for (int n = 0; n < entries.size(); n++) {
            JsonNode e = entries.get(n);
            DerivationPath path = path(e.get("path"));
            String key = e.get("key").asText();
            boolean askOnEncrypt = e.get("ask_on_encrypt").asBoolean();
            boolean askOnDecrypt = e.get("ask_on_decrypt").asBoolean();
            byte[] iv = e.hasNonNull("iv") ? HEX.parseHex(e.get("iv").asText()) : null;
            byte[] value = HEX.parseHex(e.get("value").asText());
            byte[] ciphertext = HEX.parseHex(e.get("ciphertext").asText());
            String name = "cipher_key_value[" + n + "] " + path + " '" + key + "' E" + (askOnEncrypt ? 1 : 0)
                    + " D" + (askOnDecrypt ? 1 : 0) + " " + value.length + " bytes";
            tests.add(DynamicTest.dynamicTest(name + " encrypt", () -> assertThat(HEX.formatHex(
                    DeviceCrypto.cipherKeyValue(seed, path, key, value, true, askOnEncrypt, askOnDecrypt, iv)))
                    .isEqualTo(HEX.formatHex(ciphertext))));
            tests.add(DynamicTest.dynamicTest(name + " decrypt", () -> assertThat(HEX.formatHex(
                    DeviceCrypto.cipherKeyValue(seed, path, key, ciphertext, false, askOnEncrypt, askOnDecrypt, iv)))
                    .isEqualTo(HEX.formatHex(value))));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> publicNodes() {
        List<DynamicTest> tests = new ArrayList<>();
        JsonNode entries = vectors.get("public_nodes");
        for (int n = 0; n < entries.size(); n++) {
            JsonNode e = entries.get(n);
            DerivationPath path = path(e.get("path"));
            Curve curve = Curve.fromFirmwareName(e.get("curve").asText());
            String name = "public_nodes[" + n + "] " + path + " " + curve;
            tests.add(DynamicTest.dynamicTest(name, () -> {
                PublicNode node = DeviceCrypto.publicNode(seed, path, curve);
                assertThat(node.path()).as("path").isEqualTo(path);
                assertThat(node.publicKey().hex()).as("public_key").isEqualTo(e.get("public_key").asText());
                assertThat(HEX.formatHex(node.chainCode())).as("chain_code").isEqualTo(e.get("chain_code").asText());
                assertThat(Integer.toUnsignedLong(node.parentFingerprint())).as("fingerprint")
                        .isEqualTo(e.get("fingerprint").asLong());
                assertThat(node.depth()).as("depth").isEqualTo(e.get("depth").asInt());
                assertThat(Integer.toUnsignedLong(node.childNumber())).as("child_num")
                        .isEqualTo(e.get("child_num").asLong());
                JsonNode xpub = e.get("xpub");
                if (xpub == null || xpub.isNull()) {
                    assertThat(node.xpub()).as("xpub").isEmpty();
                } else {
                    assertThat(node.xpub()).as("xpub").contains(xpub.asText());
                }
            }));
        }
        return tests.stream();
    }

    private static Identity identity(JsonNode id, int index) {
        return new Identity(text(id, "proto"), text(id, "user"), text(id, "host"), text(id, "port"), text(id, "path"),
                index);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static DerivationPath path(JsonNode indices) {
        int[] out = new int[indices.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) indices.get(i).asLong();
        }
        return DerivationPath.of(out);
    }
}
