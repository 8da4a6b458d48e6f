package org.bcm.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bcm.core.BcmException;
import org.bcm.core.identity.TestDevice;
import org.bcm.trezor.TrezorDevices;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.junit.jupiter.api.Test;

/**
 * DeviceService as the CLI uses it, against the development device on real UDP sockets: the answers
 * in the core's own types, the operator's side through {@link DeviceInteraction}, input errors before
 * the device is opened.
 */
class DeviceServiceTest {

    /** Nothing is plugged in or listening where these transports look. */
    private static final TrezorDevices NOWHERE = new TrezorDevices(Path.of("/nonexistent"), java.net.URI.create("http://127.0.0.1:1"),
            "127.0.0.1", 1);

    private final DeviceService service = new DeviceService(Map.of(), NOWHERE);

    /** Answers as set, and records what the device asked. */
    private static final class Answers implements DeviceInteraction {
        final List<String> asked = new ArrayList<>();
        Supplier<char[]> pin = () -> null;
        Passphrase passphrase = new Passphrase("", false);

        @Override
        public void confirmOnDevice(String what) {
            asked.add("confirm " + what);
        }

        @Override
        public char[] pin(PinRequest request) {
            asked.add("pin " + request);
            return pin.get();
        }

        @Override
        public Passphrase passphrase() {
            asked.add("passphrase");
            return passphrase;
        }

        @Override
        public void warning(String message) {
            asked.add("warning " + message);
        }
    }

    @Test
    void theDeviceDescribesItselfInTheCoresTypes() throws Exception {
        Answers answers = new Answers();
        try (TestDevice device = TestDevice.all()) {
            DeviceInfo info = service.info(device.path(), answers);
            assertThat(info.path()).isEqualTo(device.path());
            assertThat(info.vendor()).isEqualTo("trezor.io");
            assertThat(info.firmwareVersion()).isEqualTo("1.14.1");
            assertThat(info.deviceId()).startsWith("BCM-DEVELOPMENT-");
            assertThat(info.initialized()).isTrue();
            assertThat(info.developmentDevice()).isTrue();
        }
        assertThat(answers.asked).as("the development device announces itself").anySatisfy(a -> assertThat(a).startsWith("warning "));
        assertThat(service.list()).as("no device where NOWHERE looks").isEmpty();
        assertThat(service.pluggedIn()).isEmpty();
    }

    @Test
    void aPublicNodeAndASignatureComeAsText() throws Exception {
        try (TestDevice device = TestDevice.all()) {
            DevicePublicNode node = service.publicNode(device.path(), new Answers(), "m/44'/0'/0'", "secp256k1", false);
            assertThat(node.path()).isEqualTo("m/44'/0'/0'");
            assertThat(node.curve()).isEqualTo("secp256k1");
            assertThat(node.publicKey()).isEqualTo("03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd");
            assertThat(node.chainCode()).hasSize(64);
            assertThat(node.depth()).isEqualTo(3);
            assertThat(node.parentFingerprint()).hasSize(8);
            assertThat(node.childNumber()).isEqualTo(0x80000000L);
            assertThat(node.xpub()).startsWith("xpub");
            assertThat(service.publicNode(device.path(), new Answers(), "m/44'/0'/0'", "ed25519", false).xpub())
                    .as("no xpub off secp256k1").isNull();

            Answers answers = new Answers();
            IdentitySignature signed = service.signIdentity(device.path(), answers, IdentityKeySpec.parse("ssh://root@lexx", 0, "nist256p1"),
                    "challenge".getBytes(), "");
            assertThat(signed.identity()).isEqualTo("ssh://root@lexx");
            assertThat(signed.curve()).isEqualTo("nist256p1");
            assertThat(signed.publicKey()).hasSize(66);
            assertThat(signed.signature()).hasSize(130).startsWith("00");
            assertThat(signed.address()).isNull();
            assertThat(answers.asked).as("the operator was told to confirm").anySatisfy(a -> assertThat(a).startsWith("confirm "));
        }
    }

    @Test
    void thePinAndThePassphraseAreAskedThroughTheCoresInterface() throws Exception {
        DevelopmentDevice.Settings settings = new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, "1234", true,
                DevelopmentDevice.Confirmation.AUTO);
        try (TestDevice device = new TestDevice(settings)) {
            Answers answers = new Answers();
            answers.pin = () -> device.encodePin("1234");
            assertThat(service.publicNode(device.path(), answers, "m/44'/0'/0'", "secp256k1", false).publicKey())
                    .isEqualTo("03c8166eb40ac84088b618ec07c7cebadacee31c5f5b04a1e8c2a2f3e748eb2cdd");
            assertThat(answers.asked).contains("pin CURRENT", "passphrase");

            Answers cancelling = new Answers();
            cancelling.passphrase = null;
            assertThatThrownBy(() -> service.publicNode(device.path(), cancelling, "m/44'/0'/0'", "secp256k1", false))
                    .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.DEVICE_CANCELLED));
        }
    }

    @Test
    void theOperatorsTextIsCheckedBeforeAnyDeviceIsOpened() {
        String nothingThere = "udp:127.0.0.1:1";
        for (Runnable call : List.<Runnable>of(
                () -> service.publicNode(nothingThere, new Answers(), "m/44'/x", "secp256k1", false),
                () -> service.publicNode(nothingThere, new Answers(), "m/44'", "p521", false),
                () -> IdentityKeySpec.parse("::", 0, "nist256p1"),
                () -> IdentityKeySpec.parse("ssh://root@lexx", 0, "p521"),
                () -> service.signIdentity(nothingThere, new Answers(), IdentityKeySpec.parse("ssh://root@lexx", 0, "nist256p1"),
                        new byte[1025], ""))) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(BcmException.class,
                    e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT));
        }
        assertThatThrownBy(() -> service.publicNode(nothingThere, new Answers(), "m/44'", "secp256k1", false))
                .as("well-formed, and nothing answers").isInstanceOfSatisfying(BcmException.class,
                        e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.DEVICE_UNAVAILABLE));
    }
}
