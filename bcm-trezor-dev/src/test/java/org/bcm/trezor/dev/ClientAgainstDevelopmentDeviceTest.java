package org.bcm.trezor.dev;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.DeviceFeatures;
import org.bcm.trezor.Identity;
import org.bcm.trezor.KeyOperations;
import org.bcm.trezor.KeyValueCipher;
import org.bcm.trezor.PeerKey;
import org.bcm.trezor.PublicNode;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.SignedIdentity;
import org.bcm.trezor.TrezorClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The Java client against the development device over real UDP sockets, for every key operation,
 * checked against the recorded answers of a real device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientAgainstDevelopmentDeviceTest {

    private static final HexFormat HEX = HexFormat.of();
    private TestDevice device;
    private TrezorClient client;
    private JsonNode vectors;

    @BeforeAll
    void start() throws Exception {
        device = TestDevice.all();
        client = device.open();
        vectors = TestDevice.vectors();
    }

    @AfterAll
    void stop() {
        client.close();
        device.close();
    }

    private static Identity identity(JsonNode id, int index) {
        return new Identity(text(id, "proto"), text(id, "user"), id.path("host").asText(), text(id, "port"), text(id, "path"), index);
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    private static DerivationPath path(JsonNode array) {
        List<Integer> indices = new ArrayList<>();
        array.forEach(i -> indices.add((int) i.asLong()));
        return new DerivationPath(indices);
    }

    @Test
    void theDeviceAnnouncesItselfAsADevelopmentDeviceAndTheClientWarns() {
        DeviceFeatures features = client.features();
        assertThat(features.developmentDevice()).isTrue();
        assertThat(features.deviceId()).startsWith(DeviceFeatures.DEVELOPMENT_DEVICE_ID_PREFIX);
        assertThat(features.label()).isEqualTo("bcm development device");
        assertThat(features.initialized()).isTrue();
        assertThat(device.interaction.warnings).contains(DeviceFeatures.DEVELOPMENT_WARNING);
    }

    @TestFactory
    Stream<DynamicTest> signIdentityMatchesTheRecordedDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode v : vectors.get("sign_identity")) {
            Identity identity = identity(v.get("identity"), v.get("index").asInt());
            Curve curve = Curve.fromFirmwareName(v.get("curve").asText());
            tests.add(DynamicTest.dynamicTest(identity + " " + curve, () -> {
                int asked = device.interaction.confirmations.size();
                SignedIdentity signed = KeyOperations.signIdentity(client, identity,
                        new Challenge(HEX.parseHex(v.get("challenge_hidden").asText()), v.get("challenge_visual").asText()), curve);
                assertThat(signed.publicKey().hex()).isEqualTo(v.get("public_key").asText());
                assertThat(signed.signature().hex()).isEqualTo(v.get("signature").asText());
                assertThat(signed.address()).isEqualTo(java.util.Optional.ofNullable(text(v, "address")));
                assertThat(device.interaction.confirmations).hasSize(asked + 1);
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> ecdhSessionKeysMatchTheRecordedDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode v : vectors.get("ecdh")) {
            Identity identity = identity(v.get("identity"), 0);
            Curve curve = Curve.fromFirmwareName(v.get("curve").asText());
            tests.add(DynamicTest.dynamicTest(identity + " " + curve, () -> {
                SessionKey key = KeyOperations.getEcdhSessionKey(client, identity,
                        new PeerKey(curve, HEX.parseHex(v.get("peer_public_key").asText())));
                assertThat(HEX.formatHex(key.bytes())).isEqualTo(v.get("session_key").asText());
                assertThat(key.ownPublicKey().hex()).isEqualTo(v.get("own_public_key").asText());
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> cipherKeyValueMatchesTheRecordedDeviceBothWays() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode v : vectors.get("cipher_key_value")) {
            KeyValueCipher cipher = new KeyValueCipher(path(v.get("path")), v.get("key").asText(),
                    v.get("ask_on_encrypt").asBoolean(), v.get("ask_on_decrypt").asBoolean(), null);
            tests.add(DynamicTest.dynamicTest(cipher.key() + " " + cipher.path() + " E" + cipher.askOnEncrypt() + " D" + cipher.askOnDecrypt(), () -> {
                byte[] plain = HEX.parseHex(v.get("value").asText());
                byte[] encrypted = KeyOperations.encryptKeyValue(client, cipher, plain);
                assertThat(HEX.formatHex(encrypted)).isEqualTo(v.get("ciphertext").asText());
                assertThat(KeyOperations.decryptKeyValue(client, cipher, encrypted)).isEqualTo(plain);
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> publicNodesMatchTheRecordedDevice() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode v : vectors.get("public_nodes")) {
            DerivationPath path = path(v.get("path"));
            Curve curve = Curve.fromFirmwareName(v.get("curve").asText());
            tests.add(DynamicTest.dynamicTest(path + " " + curve, () -> {
                PublicNode node = KeyOperations.getPublicKey(client, path, curve, false);
                assertThat(node.publicKey().hex()).isEqualTo(v.get("public_key").asText());
                assertThat(HEX.formatHex(node.chainCode())).isEqualTo(v.get("chain_code").asText());
                assertThat(Integer.toUnsignedLong(node.parentFingerprint())).isEqualTo(v.get("fingerprint").asLong());
                assertThat(node.depth()).isEqualTo(v.get("depth").asInt());
                assertThat(Integer.toUnsignedLong(node.childNumber())).isEqualTo(v.get("child_num").asLong());
                assertThat(node.xpub()).isEqualTo(java.util.Optional.ofNullable(text(v, "xpub")));
            }));
        }
        return tests.stream();
    }

    @Test
    void cipherKeyValueAsksOnlyWhenItsFlagSaysSo() {
        KeyValueCipher quiet = new KeyValueCipher(DerivationPath.parse("m/10016'/0"), "k", false, false, null);
        int before = device.interaction.confirmations.size();
        KeyOperations.encryptKeyValue(client, quiet, new byte[16]);
        assertThat(device.interaction.confirmations).hasSize(before);
        KeyValueCipher asking = new KeyValueCipher(DerivationPath.parse("m/10016'/0"), "k", true, false, null);
        KeyOperations.encryptKeyValue(client, asking, new byte[16]);
        assertThat(device.interaction.confirmations).hasSize(before + 1);
    }

    @Test
    void aGivenIvReplacesTheDerivedOne() {
        byte[] iv = new byte[16];
        iv[0] = 1;
        KeyValueCipher derived = new KeyValueCipher(DerivationPath.parse("m/10016'/0"), "k", false, false, null);
        KeyValueCipher given = new KeyValueCipher(DerivationPath.parse("m/10016'/0"), "k", false, false, iv);
        byte[] plain = new byte[32];
        byte[] a = KeyOperations.encryptKeyValue(client, derived, plain);
        byte[] b = KeyOperations.encryptKeyValue(client, given, plain);
        assertThat(b).isNotEqualTo(a);
        assertThat(KeyOperations.decryptKeyValue(client, given, b)).isEqualTo(plain);
    }
}
