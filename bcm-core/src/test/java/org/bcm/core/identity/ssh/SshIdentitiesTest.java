package org.bcm.core.identity.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bcm.core.identity.ssh.SshPublicKeyTest.BCM;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.core.identity.DeviceKeys;
import org.bcm.trezor.Challenge;
import org.bcm.trezor.Curve;
import org.bcm.trezor.DerivationPath;
import org.bcm.trezor.Identity;
import org.bcm.trezor.PeerKey;
import org.bcm.trezor.PublicKey;
import org.bcm.trezor.SessionKey;
import org.bcm.trezor.SignedIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record of the operator's ssh identities in the bcm home. */
class SshIdentitiesTest {

    @TempDir
    Path dir;

    @Test
    void recordsReplacesAndFindsWithoutTheDevice() throws Exception {
        SshIdentities store = new SshIdentities(new BcmHome(dir.resolve("home")));
        assertThat(store.list()).isEmpty();
        SshPublicKey nist = new SshPublicKey(BCM, SshPublicKeyTest.NIST);
        SshPublicKey ed = new SshPublicKey(Identity.parse("ssh://bcm@example.org:2222", 7), SshPublicKeyTest.ED);
        store.record(nist);
        store.record(ed);
        store.record(nist);
        assertThat(store.list()).containsExactly(nist, ed);
        assertThat(store.find(BCM, null)).contains(nist);
        assertThat(store.find(BCM, Curve.ED25519)).isEmpty();
        assertThat(store.find(Identity.parse("ssh://bcm@example.org:2222", 7), Curve.ED25519)).contains(ed);

        Path file = dir.resolve("home/ssh/identities");
        assertThat(store.file()).isEqualTo(file);
        assertThat(Files.readString(file)).contains("ssh://bcm@example.org 0 nist256p1 ecdsa-sha2-nistp256 AAAA")
                .contains("ssh://bcm@example.org:2222 7 ed25519 ssh-ed25519 AAAA");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aNewKeyIsTheDevicesAndRecordedAndAConnectionPrefersTheRecordedOne() throws Exception {
        SshIdentities store = new SshIdentities(new BcmHome(dir.resolve("home")));
        List<String> asked = new ArrayList<>();
        DeviceKeys device = new DeviceKeys() {
            @Override
            public SignedIdentity signIdentity(Identity identity, Curve curve, Challenge challenge) {
                throw new AssertionError("not asked here");
            }

            @Override
            public SessionKey ecdh(Identity identity, PeerKey peer) {
                throw new AssertionError("not asked here");
            }

            @Override
            public PublicKey publicKey(DerivationPath path, Curve curve) {
                asked.add(path + " " + curve.firmwareName());
                return curve == Curve.ED25519 ? SshPublicKeyTest.ED : SshPublicKeyTest.NIST;
            }
        };

        SshPublicKey created = store.create(SshKeySpec.parse("bcm@example.org", 0, null), device);
        assertThat(created).as("nist256p1 when no curve is named").isEqualTo(new SshPublicKey(BCM, SshPublicKeyTest.NIST));
        assertThat(store.list()).containsExactly(created);
        assertThat(created.identityUri()).isEqualTo("ssh://bcm@example.org");
        assertThat(created.index()).isZero();
        assertThat(created.curveName()).isEqualTo("nist256p1");
        assertThat(asked).singleElement().asString().endsWith(" nist256p1");

        assertThat(store.keyFor(SshKeySpec.parse("ssh://bcm@example.org", 0, null), device)).isEqualTo(created);
        assertThat(store.keyFor(SshKeySpec.parse("bcm@example.org", 0, "nist256p1"), device)).isEqualTo(created);
        assertThat(asked).as("the recorded key needs no device").hasSize(1);
        SshPublicKey ed = store.keyFor(SshKeySpec.parse("bcm@example.org", 0, "ed25519"), device);
        assertThat(ed.curveName()).isEqualTo("ed25519");
        assertThat(asked).hasSize(2);
        assertThat(store.list()).as("a connection records nothing").containsExactly(created);

        SshKeySpec indexed = SshKeySpec.parse("bcm@example.org:2222", -1, "ed25519");
        assertThat(indexed).hasToString(Identity.parse("ssh://bcm@example.org:2222", -1).toString());
        assertThat(store.create(indexed, device).index()).isEqualTo(4294967295L);
        assertThat(Files.readString(store.file())).contains("ssh://bcm@example.org:2222 4294967295 ed25519 ssh-ed25519 AAAA");
        assertThatThrownBy(() -> SshKeySpec.parse("bcm@example.org", 0, "secp256k1")).isInstanceOf(BcmException.class);
        assertThatThrownBy(() -> SshKeySpec.parse("-oProxyCommand=x@h", 0, null)).isInstanceOf(BcmException.class);
    }

    @Test
    void aDamagedLineIsNamed() throws Exception {
        SshIdentities store = new SshIdentities(new BcmHome(dir));
        store.record(new SshPublicKey(BCM, SshPublicKeyTest.NIST));
        Files.writeString(store.file(), "ssh://x@y 0 ed25519 ssh-ed25519 AAAA\n", java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(store::list).isInstanceOf(BcmException.class).hasMessageContaining("line 3")
                .extracting(e -> ((BcmException) e).kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
    }

    @Test
    void onlyIdentitiesFromTheSafeSetAreAcceptedRecordedOrRun() throws Exception {
        for (String bad : new String[] {"-oProxyCommand=touch pwned@127.0.0.1", "bob smith@host", "bob@-host", "bob@host name",
                "bo\tb@host", "bob@host:0", "bob@host:70000", "bob@ho..st", ".bob@host"}) {
            assertThatThrownBy(() -> SshPublicKey.identity(bad, 0)).as(bad).isInstanceOfSatisfying(BcmException.class, e -> {
                assertThat(e.kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
                assertThat(e.getMessage()).startsWith("bad ssh identity");
                assertThat(e.hint()).contains("USER@HOST");
            });
        }
        assertThat(SshPublicKey.identity("Admin_1.x@10.0.0.2:2222", 0).uri()).isEqualTo("ssh://Admin_1.x@10.0.0.2:2222");

        // an identity that got past the parser some other way is neither recorded nor given to ssh
        Identity smuggled = new Identity("ssh", "-oProxyCommand=touch pwned", "127.0.0.1", null, null, 0);
        SshPublicKey key = new SshPublicKey(smuggled, SshPublicKeyTest.NIST);
        SshIdentities store = new SshIdentities(new BcmHome(dir));
        assertThatThrownBy(() -> store.record(key)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.file()).doesNotExist();
        assertThatThrownBy(() -> SshClient.command(dir.resolve("agent.sock"), key, null, java.util.List.of(), java.util.List.of()))
                .isInstanceOf(BcmException.class).hasMessageContaining("bad ssh identity");

        // a hand-edited file with such a line is refused by name
        Files.createDirectories(store.file().getParent());
        Files.writeString(store.file(), "ssh://-oProxyCommand=x@host 0 nist256p1 ecdsa-sha2-nistp256 "
                + java.util.Base64.getEncoder().encodeToString(new SshPublicKey(BCM, SshPublicKeyTest.NIST).blob()) + "\n");
        assertThatThrownBy(store::list).isInstanceOf(BcmException.class).hasMessageContaining("line 1");
    }

    @Test
    void sshIsCalledWithUserAndPortAsOptionArgumentsAndTheHostAfterTheEndOfOptions() {
        SshPublicKey key = new SshPublicKey(SshPublicKey.identity("root@lexx:2222", 0), SshPublicKeyTest.NIST);
        assertThat(SshClient.command(Path.of("/tmp/a.sock"), key, null, java.util.List.of("BatchMode=yes"), java.util.List.of("uptime", "-p")).argv())
                .containsExactly("ssh", "-o", "IdentityAgent=/tmp/a.sock", "-o", "BatchMode=yes", "-l", "root", "-p", "2222", "--", "lexx", "uptime", "-p");
        assertThatThrownBy(() -> SshClient.command(Path.of("/tmp/a.sock"), key, 22, java.util.List.of("-F/dev/null"), java.util.List.of()))
                .isInstanceOf(BcmException.class).hasMessageContaining("bad ssh option");
    }
}
