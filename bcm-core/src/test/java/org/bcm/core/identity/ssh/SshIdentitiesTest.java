package org.bcm.core.identity.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bcm.core.identity.ssh.SshPublicKeyTest.BCM;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;
import org.bcm.trezor.Curve;
import org.bcm.trezor.Identity;
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
    void aDamagedLineIsNamed() throws Exception {
        SshIdentities store = new SshIdentities(new BcmHome(dir));
        store.record(new SshPublicKey(BCM, SshPublicKeyTest.NIST));
        Files.writeString(store.file(), "ssh://x@y 0 ed25519 ssh-ed25519 AAAA\n", java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(store::list).isInstanceOf(BcmException.class).hasMessageContaining("line 3")
                .extracting(e -> ((BcmException) e).kind()).isEqualTo(BcmException.Kind.INVALID_INPUT);
    }
}
