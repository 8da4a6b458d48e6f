package org.bcm.core.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.IdentityService;
import org.bcm.core.identity.OperatorIdentity;
import org.bcm.core.identity.PasswordStore;
import org.bcm.core.identity.TestDevice;
import org.bcm.core.identity.gpg.AutostartedAgent;
import org.bcm.core.process.ExternalProgram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Project secrets once the operator has an identity: in the password store, encrypted to the
 * certificate (real gpg, git and bcm's agent on the development device), never as a plain file;
 * read back through the device; a plain file from before {@code bcm init} moves into the store.
 */
class ProjectSecretsIT {

    @TempDir
    Path dir;
    private TestDevice device;
    private IdentityService identities;

    private ProjectSecrets secretsWithIdentity() throws Exception {
        device = TestDevice.all();
        BcmHome home = new BcmHome(dir.resolve("home"));
        identities = new IdentityService(home);
        Path gnupg = identities.gnupgHome();
        Files.createDirectories(gnupg);
        Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        OperatorIdentity identity = identities.init(device.keys(), "Satoshi", "satoshi", "example.net", "nist256p1",
                gnupg.resolve("bcm-gpg-agent"));
        AutostartedAgent.install(gnupg, identities.certificate(), identity.gpgIdentity(), device.path());
        return new ProjectSecrets(home, identities, device::keys);
    }

    @AfterEach
    void stop() {
        if (identities != null) {
            ExternalProgram.GPGCONF.with("--homedir", identities.gnupgHome().toString(), "--kill", "gpg-agent").capture();
        }
        if (device != null) {
            device.close();
        }
    }

    @Test
    void generatedSecretsAreEncryptedToTheIdentityAndReadThroughTheDevice() throws Exception {
        ProjectSecrets secrets = secretsWithIdentity();
        ProjectSecrets.Secret generated = secrets.generated("btc", "gateway", "registry_password", 32);

        Path entry = identities.passwordStore().resolve("bcm/projects/btc/gateway/registry_password.gpg");
        assertThat(entry).exists();
        String value = new String(generated.value().get(), StandardCharsets.US_ASCII);
        assertThat(value).matches("[0-9a-f]{64}");
        assertThat(Files.readAllBytes(entry)).asString(StandardCharsets.ISO_8859_1).doesNotContain(value);
        assertThat(dir.resolve("home/projects/btc/secrets")).doesNotExist();
        // gpg without the device (the agent stopped, none started) cannot read it
        ExternalProgram.GPGCONF.with("--homedir", identities.gnupgHome().toString(), "--kill", "gpg-agent").check("stopping the agent");
        var withoutDevice = ExternalProgram.GPG.with("--homedir", identities.gnupgHome().toString(), "--batch", "--no-autostart",
                "--decrypt", entry.toString()).capture();
        assertThat(withoutDevice.exit()).isNotZero();
        // the store's history: one commit for the entry, signed by the device
        var log = ExternalProgram.GIT.with("log", "--format=%G? %s").environment(identities.gpgEnvironment())
                .in(identities.passwordStore()).check("reading the log").out();
        assertThat(log).contains("G Add given password for bcm/projects/btc/gateway/registry_password to store.");

        // the same secret again: the same suffix and value, nothing generated
        ProjectSecrets.Secret again = secrets.generated("btc", "gateway", "registry_password", 32);
        assertThat(again.suffix()).isEqualTo(generated.suffix()).matches("[0-9a-f]{8}");
        assertThat(again.value().get()).isEqualTo(generated.value().get());
        assertThat(new PasswordStore(identities, device.keys()).list()).containsExactly("bcm/projects/btc/gateway/registry_password");

        secrets.delete("btc");
        assertThat(new PasswordStore(identities, device.keys()).list()).isEmpty();
        assertThat(dir.resolve("home/projects/btc/secrets.yml")).doesNotExist();
    }

    @Test
    void aPlainSecretFromBeforeInitMovesIntoTheStore() throws Exception {
        BcmHome home = new BcmHome(dir.resolve("home"));
        ProjectSecrets before = new ProjectSecrets(home, new IdentityService(home), () -> {
            throw new AssertionError("no device is needed without an identity");
        });
        ProjectSecrets.Secret plain = before.generated("btc", "gateway", "other", 16);
        Path file = home.projectDir("btc").resolve("secrets/gateway/other");
        assertThat(file).exists();

        ProjectSecrets after = secretsWithIdentity();
        ProjectSecrets.Secret moved = after.generated("btc", "gateway", "other", 16);
        assertThat(moved.suffix()).isEqualTo(plain.suffix());
        assertThat(file).doesNotExist();
        assertThat(moved.value().get()).hasSize(32);
        assertThat(new PasswordStore(identities, device.keys()).list()).isEqualTo(List.of("bcm/projects/btc/gateway/other"));
    }
}
