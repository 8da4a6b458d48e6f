package org.bcm.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.core.process.ExternalProgram;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bcm init} against the development device and Debian's real gpg: the certificate imports,
 * its fingerprint is stable, gpg checks what bcm signs and bcm reads what gpg encrypts.
 */
class IdentityServiceIT {

    @TempDir Path tmp;

    private ExternalProgram.Result gpg(IdentityService service, byte[] stdin, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("--homedir", service.gnupgHome().toString(), "--batch", "--no-tty", "--no-autostart"));
        all.addAll(List.of(args));
        return ExternalProgram.GPG.with(all).environment(service.gpgEnvironment()).input(stdin).capture();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nist256p1", "ed25519"})
    void initImportsAStableCertificateThatGpgTrusts(String curve) throws Exception {
        try (TestDevice device = TestDevice.all()) {
            IdentityService first = new IdentityService(new BcmHome(tmp.resolve("one")));
            OperatorIdentity identity = first.init(device.keys(), "Satoshi Nakamoto", "satoshi", "example.net", curve, null);

            ExternalProgram.Result keys = gpg(first, null, "--with-colons", "--fixed-list-mode", "--list-keys");
            assertThat(keys.out()).contains("fpr:::::::::" + identity.fingerprint() + ":")
                    .containsPattern("uid:u:[^\\n]*Satoshi Nakamoto <satoshi@example.net>");
            assertThat(keys.out().lines().filter(l -> l.startsWith("sub:u:")).count()).isEqualTo(1);
            ExternalProgram.Result sigs = gpg(first, null, "--check-signatures", identity.fingerprint());
            assertThat(sigs.exit()).as(sigs.stderr()).isZero();
            assertThat(sigs.out()).doesNotContain("sig-").contains("sig!");

            // again in the same home: harmless, the same fingerprint
            assertThat(first.init(device.keys(), "Satoshi Nakamoto", "satoshi", "example.net", curve, null)).isEqualTo(identity);
            // the recorded creation time in another home gives the same certificate, byte for byte
            Files.createDirectories(tmp.resolve("two"));
            Files.copy(tmp.resolve("one/identity.yml"), tmp.resolve("two/identity.yml"));
            IdentityService second = new IdentityService(new BcmHome(tmp.resolve("two")));
            assertThat(second.init(device.keys(), "Satoshi Nakamoto", "satoshi", "example.net", curve, null).fingerprint())
                    .isEqualTo(identity.fingerprint());
            assertThat(Files.readString(tmp.resolve("two/identity.asc"))).isEqualTo(Files.readString(tmp.resolve("one/identity.asc")));
            for (String dir : List.of("", "gnupg", "password_store", "ssh", "clusters", "projects")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("one").resolve(dir)))).isEqualTo("rwx------");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nist256p1", "ed25519"})
    void gpgVerifiesBcmSignaturesAndBcmDecryptsWhatGpgEncrypted(String curve) throws Exception {
        try (TestDevice device = TestDevice.all()) {
            IdentityService service = new IdentityService(new BcmHome(tmp));
            OperatorIdentity identity = service.init(device.keys(), "Op", "op", "bcm.local", curve, null);
            PGPPublicKeyRing certificate = service.certificate();
            Path file = tmp.resolve("message.txt");
            Files.writeString(file, "pay 1 BTC to the miners\n");

            ByteArrayOutputStream signature = new ByteArrayOutputStream();
            OpenPgpMessages.signDetached(Files.newInputStream(file), signature, certificate, device.keys(), identity.gpgIdentity(),
                    identity.signingCurve(), true);
            Path sig = tmp.resolve("message.txt.asc");
            Files.write(sig, signature.toByteArray());
            ExternalProgram.Result verified = gpg(service, null, "--status-fd", "1", "--verify", sig.toString(), file.toString());
            assertThat(verified.exit()).as(verified.stderr()).isZero();
            assertThat(verified.out()).contains("[GNUPG:] VALIDSIG " + identity.fingerprint());
            assertThat(OpenPgpMessages.verifyDetached(Files.newInputStream(file), new ByteArrayInputStream(signature.toByteArray()), certificate))
                    .isNotNull();
            Files.writeString(file, "pay 2 BTC to the miners\n");
            assertThatThrownBy(() -> OpenPgpMessages.verifyDetached(Files.newInputStream(file), new ByteArrayInputStream(signature.toByteArray()),
                    certificate)).isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.VERIFY_FAILED));

            ExternalProgram.Result encrypted = gpg(service, "a secret for the device\n".getBytes(StandardCharsets.UTF_8),
                    "--trust-model", "always", "--encrypt", "--recipient", identity.fingerprint());
            assertThat(encrypted.exit()).as(encrypted.stderr()).isZero();
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            OpenPgpMessages.decrypt(new ByteArrayInputStream(encrypted.stdout()), plain, certificate, device.keys(), identity.gpgIdentity());
            assertThat(plain.toString(StandardCharsets.UTF_8)).isEqualTo("a secret for the device\n");
        }
    }

    @Test
    void theFileOperationsUseTheRecordedIdentityAndCertificate() throws Exception {
        IdentityService service = new IdentityService(new BcmHome(tmp));
        assertThatThrownBy(() -> OpenPgpFiles.of(service)).as("before bcm init")
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.NOT_FOUND));
        try (TestDevice device = TestDevice.all()) {
            OperatorIdentity identity = service.init(device.keys(), "Op", "op", "bcm.local", "ed25519", null);
            OpenPgpFiles files = OpenPgpFiles.of(service);
            byte[] text = "pay 1 BTC to the miners\n".getBytes(StandardCharsets.UTF_8);

            ByteArrayOutputStream encrypted = new ByteArrayOutputStream();
            files.encrypt(new ByteArrayInputStream(text), encrypted, "message.txt", true);
            assertThat(encrypted.toString(StandardCharsets.US_ASCII)).startsWith("-----BEGIN PGP MESSAGE-----");
            ByteArrayOutputStream decrypted = new ByteArrayOutputStream();
            files.decrypt(new ByteArrayInputStream(encrypted.toByteArray()), decrypted, device.keys());
            assertThat(decrypted.toByteArray()).isEqualTo(text);

            ByteArrayOutputStream signature = new ByteArrayOutputStream();
            java.time.Instant before = java.time.Instant.now().minusSeconds(2);
            files.signDetached(new ByteArrayInputStream(text), signature, device.keys(), false);
            OpenPgpFiles.GoodSignature good = files.verifyDetached(new ByteArrayInputStream(text), new ByteArrayInputStream(signature.toByteArray()));
            assertThat(good.userId()).isEqualTo(identity.userId());
            assertThat(good.fingerprint()).isEqualTo(identity.fingerprint());
            assertThat(good.created()).isBetween(before, java.time.Instant.now());
        }
    }

    @Test
    void aMessageForAnotherKeyIsRefusedClearly() throws Exception {
        try (TestDevice device = TestDevice.all();
             TestDevice other = new TestDevice(DevelopmentDevice.Settings.of("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"))) {
            IdentityService ours = new IdentityService(new BcmHome(tmp.resolve("ours")));
            OperatorIdentity identity = ours.init(device.keys(), "Op", "op", "bcm.local", "nist256p1", null);
            IdentityService theirs = new IdentityService(new BcmHome(tmp.resolve("theirs")));
            theirs.init(other.keys(), "Op", "op", "bcm.local", "nist256p1", null);
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            OpenPgpMessages.encrypt(new ByteArrayInputStream("x".getBytes(StandardCharsets.UTF_8)), message, theirs.certificate(), "x", false);
            assertThatThrownBy(() -> OpenPgpMessages.decrypt(new ByteArrayInputStream(message.toByteArray()), new ByteArrayOutputStream(),
                    ours.certificate(), device.keys(), identity.gpgIdentity()))
                    .isInstanceOfSatisfying(BcmException.class, e -> {
                        assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
                        assertThat(e.getMessage()).contains("not encrypted to the bcm identity");
                    });
            for (byte[] garbage : List.of("not openpgp at all".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0x85, 0x01, 0x00},
                    java.util.Arrays.copyOf(message.toByteArray(), message.size() / 2))) {
                assertThatThrownBy(() -> OpenPgpMessages.decrypt(new ByteArrayInputStream(garbage), new ByteArrayOutputStream(),
                        theirs.certificate(), other.keys(), identity.gpgIdentity()))
                        .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isIn(BcmException.Kind.INVALID_INPUT, BcmException.Kind.VERIFY_FAILED));
            }
        }
    }

    @Test
    void anotherDeviceIsRefusedAndAnAbsentOneWritesNothing() throws Exception {
        IdentityService service = new IdentityService(new BcmHome(tmp.resolve("home")));
        TestDevice gone = TestDevice.all();
        DeviceKeys goneKeys = gone.keys();
        gone.close();
        assertThatThrownBy(() -> service.init(goneKeys, "Op", "op", "bcm.local", "nist256p1", null))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.DEVICE_UNAVAILABLE));
        assertThat(tmp.resolve("home")).doesNotExist();

        try (TestDevice device = TestDevice.all();
             TestDevice other = new TestDevice(DevelopmentDevice.Settings.of("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"))) {
            OperatorIdentity identity = service.init(device.keys(), "Op", "op", "bcm.local", "nist256p1", null);
            byte[] before = Files.readAllBytes(tmp.resolve("home/identity.yml"));
            assertThatThrownBy(() -> service.init(other.keys(), "Op", "op", "bcm.local", "nist256p1", null))
                    .isInstanceOfSatisfying(BcmException.class, e -> {
                        assertThat(e.kind()).isEqualTo(BcmException.Kind.CONFLICT);
                        assertThat(e.getMessage()).contains(identity.fingerprint()).contains("different device");
                    });
            assertThatThrownBy(() -> service.init(device.keys(), "Someone Else", "op", "bcm.local", "nist256p1", null))
                    .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.CONFLICT));
            assertThat(Files.readAllBytes(tmp.resolve("home/identity.yml"))).isEqualTo(before);
        }
    }

    @Test
    void cancelOnTheDeviceAndAWrongPinWriteNothing() throws Exception {
        try (TestDevice device = new TestDevice(new DevelopmentDevice.Settings(TestDevice.MNEMONIC_ALL, "1234", false,
                DevelopmentDevice.Confirmation.DEBUG_LINK))) {
            IdentityService service = new IdentityService(new BcmHome(tmp.resolve("home")));
            device.interaction.pin = () -> device.encodePin("9999");
            assertThatThrownBy(() -> service.init(device.keys(), "Op", "op", "bcm.local", "nist256p1", null))
                    .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.WRONG_PIN));
            assertThat(tmp.resolve("home")).doesNotExist();

            device.interaction.pin = () -> device.encodePin("1234");
            device.interaction.onConfirm = () -> device.decideLater(false, 150);
            assertThatThrownBy(() -> service.init(device.keys(), "Op", "op", "bcm.local", "nist256p1", null))
                    .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.DEVICE_CANCELLED));
            assertThat(tmp.resolve("home")).doesNotExist();

            device.interaction.onConfirm = () -> device.decideLater(true, 150);
            assertThat(service.init(device.keys(), "Op", "op", "bcm.local", "nist256p1", null).fingerprint()).hasSize(40);
        }
    }

    @Test
    void badNamesAreRefusedBeforeTheDeviceIsAsked() {
        IdentityService service = new IdentityService(new BcmHome(tmp.resolve("home")));
        for (String[] bad : new String[][] {{"Op <x>", "op", "h"}, {"Op", "Op!", "h"}, {"Op", "op", "bad host"}, {"", "op", "h"}}) {
            assertThatThrownBy(() -> service.init(null, bad[0], bad[1], bad[2], "nist256p1", null))
                    .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT));
        }
        assertThatThrownBy(() -> service.init(null, "Op", "op", "h", "secp256k1", null))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT));
        assertThat(tmp.resolve("home")).doesNotExist();
    }
}
