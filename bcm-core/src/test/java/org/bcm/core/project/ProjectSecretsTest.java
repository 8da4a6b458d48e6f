package org.bcm.core.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.IdentityService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Project secrets without an identity: private files, and swarm-name suffixes that say nothing of the value. */
class ProjectSecretsTest {

    @TempDir
    Path dir;

    private ProjectSecrets secrets() {
        BcmHome home = new BcmHome(dir);
        return new ProjectSecrets(home, new IdentityService(home), () -> {
            throw new AssertionError("no device is needed without an identity");
        });
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void aGeneratedSecretIsAPrivateFileOfHexReusedWithItsSuffix() throws Exception {
        ProjectSecrets secrets = secrets();
        ProjectSecrets.Secret secret = secrets.generated("btc", "gateway", "registry_password", 32);
        Path file = dir.resolve("projects/btc/secrets/gateway/registry_password");
        String value = Files.readString(file);
        assertThat(value).matches("[0-9a-f]{64}");
        assertThat(new String(secret.value().get(), StandardCharsets.US_ASCII)).isEqualTo(value);
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(file.getParent())).isEqualTo("rwx------");
        assertThat(mode(file.getParent().getParent())).isEqualTo("rwx------");
        assertThat(secret.suffix()).matches("[0-9a-f]{8}").isNotEqualTo(value.substring(0, 8));
        assertThat(Files.readString(dir.resolve("projects/btc/secrets.yml"))).contains(secret.suffix()).doesNotContain(value);

        ProjectSecrets.Secret again = secrets.generated("btc", "gateway", "registry_password", 32);
        assertThat(again.suffix()).isEqualTo(secret.suffix());
        assertThat(Files.readString(file)).isEqualTo(value);
        assertThat(secrets.generated("btc", "gateway", "short", 16).value().get()).hasSize(32);

        // the state lost (secrets.yml deleted, as its error advises): the value is kept, under a new suffix
        Files.delete(dir.resolve("projects/btc/secrets.yml"));
        ProjectSecrets.Secret renamed = secrets.generated("btc", "gateway", "registry_password", 32);
        assertThat(renamed.suffix()).isNotEqualTo(secret.suffix());
        assertThat(Files.readString(file)).isEqualTo(value);

        // a value lost (deleted by hand) is generated anew, with a new suffix: no stale swarm secret matches it
        Files.delete(file);
        ProjectSecrets.Secret regenerated = secrets.generated("btc", "gateway", "registry_password", 32);
        assertThat(regenerated.suffix()).isNotEqualTo(renamed.suffix());
        assertThat(Files.readString(file)).isNotEqualTo(value);
    }

    @Test
    void aFileSecretGetsANewSuffixWhenItsContentChanges() throws Exception {
        ProjectSecrets secrets = secrets();
        Path source = Files.writeString(dir.resolve("tls.key"), "one");
        String first = secrets.fromFile("btc", "web", "tls_key", source).suffix();
        assertThat(secrets.fromFile("btc", "web", "tls_key", source).suffix()).isEqualTo(first);
        Files.writeString(source, "two");
        ProjectSecrets.Secret changed = secrets.fromFile("btc", "web", "tls_key", source);
        assertThat(changed.suffix()).isNotEqualTo(first);
        assertThat(changed.value().get()).isEqualTo("two".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void deleteRemovesTheFilesAndTheState() throws Exception {
        ProjectSecrets secrets = secrets();
        secrets.generated("btc", "gateway", "registry_password", 32);
        secrets.delete("btc");
        assertThat(dir.resolve("projects/btc/secrets")).doesNotExist();
        assertThat(dir.resolve("projects/btc/secrets.yml")).doesNotExist();
        assertThat(secrets.describeStorage()).contains("plain files of mode 0600", "bcm init");
    }
}
