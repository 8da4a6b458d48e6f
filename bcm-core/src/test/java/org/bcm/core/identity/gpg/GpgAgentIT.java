package org.bcm.core.identity.gpg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.bcm.core.identity.OpenPgpCertificate;
import org.bcm.core.identity.TestDevice;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real gpg (2.2) signs, clear-signs, encrypts and decrypts through {@link GpgAgentDaemon} with the
 * keys of the development device, on a certificate made by {@link OpenPgpCertificate}; gpg itself
 * verifies. gpg.conf says {@code no-autostart}, so every secret-key operation went through our agent.
 */
class GpgAgentIT {

    static final Identity IDENTITY = Identity.parse("gpg://Satoshi Nakamoto <satoshi@bcm.test>");
    static final byte[] MESSAGE = "Chancellor on brink of second bailout for banks\n".getBytes(StandardCharsets.UTF_8);

    static TestDevice device;

    @BeforeAll
    static void startDevice() throws Exception {
        Assumptions.assumeTrue(GpgHome.installed(), "gpg is not installed");
        device = TestDevice.all();
    }

    @AfterAll
    static void stopDevice() {
        if (device != null) {
            device.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Curve.class, names = {"NIST256P1", "ED25519"})
    void gpgSignsVerifiesEncryptsAndDecryptsThroughTheAgent(Curve curve) throws Exception {
        PGPPublicKeyRing certificate = OpenPgpCertificate.create(device.keys(), IDENTITY, curve, Instant.ofEpochSecond(1_600_000_000L));
        String fingerprint = OpenPgpCertificate.fingerprint(certificate);
        try (GpgHome home = new GpgHome()) {
            Files.writeString(home.dir.resolve("gpg.conf"), "no-autostart\n");
            home.gpgOk(OpenPgpCertificate.armored(certificate).getBytes(StandardCharsets.US_ASCII), "--import");
            home.gpgOk((fingerprint + ":6:\n").getBytes(StandardCharsets.US_ASCII), "--import-ownertrust");
            assertThat(home.keygrips(fingerprint)).containsExactlyElementsOf(
                    AgentKey.fromCertificate(certificate, IDENTITY).stream().map(AgentKey::keygripHex).toList());

            CompletableFuture<Void> daemon = CompletableFuture.runAsync(() -> GpgAgentDaemon.run(home.dir, device.keys(), certificate, IDENTITY));
            Path socket = GpgAgentDaemon.agentSocket(home.dir);
            awaitFile(socket);

            assertThat(home.gpgOk(null, "--list-secret-keys", "--with-colons", fingerprint).out())
                    .contains("sec:u:", "ssb:u:", fingerprint);  // HAVEKEY/KEYINFO answered for both keys

            Path message = Files.write(home.dir.resolve("message.txt"), MESSAGE);
            Path signature = home.dir.resolve("message.txt.sig");
            GpgHome.Result signed = home.gpgOk(null, "--local-user", fingerprint, "--detach-sign", "--output", signature.toString(), message.toString());
            assertThat(signed.stderr()).doesNotContain("older than us");
            assertThat(home.gpgOk(null, "--verify", signature.toString(), message.toString()).stderr())
                    .contains("Good signature from \"Satoshi Nakamoto <satoshi@bcm.test>\"");

            GpgHome.Result clearSigned = home.gpgOk(MESSAGE, "--local-user", fingerprint, "--clear-sign");
            assertThat(clearSigned.out()).startsWith("-----BEGIN PGP SIGNED MESSAGE-----");
            assertThat(home.gpgOk(clearSigned.stdout(), "--verify").stderr()).contains("Good signature");

            byte[] ciphertext = home.gpgOk(MESSAGE, "--encrypt", "--recipient", fingerprint).stdout();
            GpgHome.Result decrypted = home.gpgOk(ciphertext, "--decrypt");
            assertThat(decrypted.stdout()).isEqualTo(MESSAGE);
            assertThat(decrypted.stderr()).contains(curve == Curve.NIST256P1 ? "256-bit ECDH key" : "255-bit ECDH key");

            GpgHome.Result killed = home.gpgconf("--kill", "gpg-agent");
            assertThat(killed.exit()).isZero();
            daemon.get(10, TimeUnit.SECONDS);
            assertThat(Files.exists(socket)).isFalse();
            assertThat(home.gpg(null, "--local-user", fingerprint, "--detach-sign", "--output", "-", message.toString()).exit()).isNotZero();
        }
    }

    @Test
    void gpgStartsTheAgentItselfThroughAgentProgram() throws Exception {
        PGPPublicKeyRing certificate = OpenPgpCertificate.create(device.keys(), IDENTITY, Curve.ED25519, Instant.ofEpochSecond(1_600_000_000L));
        String fingerprint = OpenPgpCertificate.fingerprint(certificate);
        try (GpgHome home = new GpgHome()) {
            Path socket = GpgAgentDaemon.agentSocket(home.dir);
            Path program = AutostartedAgent.install(home.dir, certificate, IDENTITY, device.path());
            Files.writeString(home.dir.resolve("gpg.conf"), "agent-program " + program + "\n");
            home.gpgOk(OpenPgpCertificate.armored(certificate).getBytes(StandardCharsets.US_ASCII), "--import");
            home.gpgOk((fingerprint + ":6:\n").getBytes(StandardCharsets.US_ASCII), "--import-ownertrust");

            GpgHome.Result clearSigned = home.gpgOk(MESSAGE, "--local-user", fingerprint, "--clear-sign");

            assertThat(home.gpgOk(clearSigned.stdout(), "--verify").stderr()).contains("Good signature");
            assertThat(Files.readString(home.dir.resolve("agent-argv")).strip())
                    .isEqualTo("--homedir " + home.dir.toAbsolutePath() + " --use-standard-socket --daemon");
            assertThat(home.gpgconf("--kill", "gpg-agent").exit()).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(socket).doesNotExist());
        }
    }

    static void awaitFile(Path file) {
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(file).exists());
    }
}
