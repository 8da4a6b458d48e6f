package org.bcm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bcm.core.process.ExternalProgram;
import org.bcm.trezor.dev.DevelopmentDevice;
import org.bcm.trezor.dev.UdpDeviceServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity commands end to end: the bcm launcher against the development device, with Debian's
 * real gpg, pass and git on the other side. gpg starts bcm's gpg-agent by itself (agent-program in
 * the bcm GnuPG home), and the agent asks the development device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdentityCommandsIT {

    @TempDir static Path dir;
    private UdpDeviceServer device;
    private BcmProcess bcm;
    private Map<String, String> tools;
    private String fingerprint;

    @BeforeAll
    void initialize() throws Exception {
        device = UdpDeviceServer.start(new DevelopmentDevice(DevelopmentDevice.Settings.of("all all all all all all all all all all all all")), 0);
        Path home = dir.resolve("home");
        Map<String, String> env = Map.of("BCM_TREZOR", "udp:127.0.0.1:" + device.port(), "HOME", dir.toString());
        bcm = new BcmProcess(home, env);
        tools = new HashMap<>(env);
        tools.put("BCM_HOME", home.toString());
        tools.put("GNUPGHOME", home.resolve("gnupg").toString());
        tools.put("PASSWORD_STORE_DIR", home.resolve("password_store").toString());
        tools.put("GIT_CONFIG_NOSYSTEM", "1");

        BcmProcess.Result init = bcm.run("init", "--name=Satoshi Nakamoto", "--username=satoshi", "--hostname=example.net");
        assertThat(init.exitCode()).as(init.toString()).isZero();
        fingerprint = init.out().lines().filter(l -> l.startsWith("fingerprint:")).findFirst().orElseThrow().split("\\s+")[1];
        BcmProcess.Result again = bcm.run("init", "--name=Satoshi Nakamoto", "--username=satoshi", "--hostname=example.net");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains(fingerprint);
    }

    @AfterAll
    void stop() {
        // KILLAGENT to the agent gpg started, as gpg-agent's own users stop it
        run(List.of("gpgconf", "--kill", "gpg-agent"), null);
        device.close();
    }

    /** A tool of the test's own (gpg, pass, git), its command line exactly as given. */
    private ExternalProgram.Result run(List<String> command, byte[] stdin) {
        return new ExternalProgram(command.get(0), command.get(0), true).with(command.subList(1, command.size()))
                .environment(tools).in(dir).input(stdin).capture();
    }

    private ExternalProgram.Result ok(byte[] stdin, String... command) {
        ExternalProgram.Result result = run(List.of(command), stdin);
        assertThat(result.exit()).as(String.join(" ", command) + ": " + result.stderr()).isZero();
        return result;
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    @Test
    void gpgReadsBcmFilesAndBcmReadsGpgFiles() throws Exception {
        Path plain = write("report.txt", "block 840000 mined\n");
        assertThat(bcm.run("file", "encrypt", "--file-path=" + plain).exitCode()).isZero();
        assertThat(ok(null, "gpg", "--batch", "--decrypt", plain + ".gpg").out()).isEqualTo("block 840000 mined\n");

        ok(null, "gpg", "--batch", "--detach-sign", "--output", plain + ".sig", plain.toString());
        BcmProcess.Result verified = bcm.run("file", "verifysignature", "--file-path=" + plain);
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.out()).contains("Good signature").contains(fingerprint);

        ok(null, "gpg", "--batch", "--clear-sign", "--output", plain + ".clear", plain.toString());
        assertThat(ok(null, "gpg", "--batch", "--status-fd", "1", "--verify", plain + ".clear").out()).contains("VALIDSIG " + fingerprint);

        Path other = write("other.txt", "to be signed by the device\n");
        assertThat(bcm.run("file", "createsignature", "--file-path=" + other, "--armor").exitCode()).isZero();
        assertThat(ok(null, "gpg", "--batch", "--status-fd", "1", "--verify", other + ".asc", other.toString()).out())
                .contains("VALIDSIG " + fingerprint);
        Files.writeString(other, "changed\n");
        BcmProcess.Result bad = bcm.run("file", "verifysignature", "--file-path=" + other);
        assertThat(bad.exitCode()).isEqualTo(7);
        assertThat(bad.err()).contains("BAD signature");

        ok("from gpg\n".getBytes(StandardCharsets.UTF_8), "gpg", "--batch", "--encrypt", "--recipient", fingerprint, "--output", dir.resolve("in.gpg").toString());
        assertThat(bcm.run("file", "decrypt", "--file-path=" + dir.resolve("in.gpg")).exitCode()).isZero();
        assertThat(Files.readString(dir.resolve("in"))).isEqualTo("from gpg\n");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("in")))).isEqualTo("rw-------");
    }

    @Test
    void passAndBcmPassShareOneStoreWithSignedCommits() throws Exception {
        Path secret = write("secret", "correct horse battery staple\n");
        BcmProcess.Result inserted = bcm.run(Map.of(), secret, "pass", "insert", "--name=bitcoin/rpc");
        assertThat(inserted.exitCode()).as(inserted.toString()).isZero();
        assertThat(ok(null, "pass", "show", "bitcoin/rpc").out()).isEqualTo("correct horse battery staple\n");

        ok("from pass\n".getBytes(StandardCharsets.UTF_8), "pass", "insert", "--multiline", "lightning/macaroon-key");
        BcmProcess.Result got = bcm.run("pass", "get", "--name=lightning/macaroon-key");
        assertThat(got.exitCode()).as(got.toString()).isZero();
        assertThat(got.out()).isEqualTo("from pass\n");

        assertThat(bcm.run("pass", "new", "--name=electrum/admin").exitCode()).isZero();
        assertThat(ok(null, "pass", "show", "electrum/admin").out().strip()).hasSize(32);
        assertThat(bcm.run("pass", "list").out().lines().toList()).contains("bitcoin/rpc", "electrum/admin", "lightning/macaroon-key");

        assertThat(bcm.run("pass", "rm", "--name=electrum/admin").exitCode()).isZero();
        assertThat(ok(null, "pass", "ls").out()).doesNotContain("admin");

        Path store = dir.resolve("home/password_store");
        List<String> commits = ok(null, "git", "-C", store.toString(), "rev-list", "HEAD").out().lines().toList();
        assertThat(commits).hasSizeGreaterThanOrEqualTo(5);
        for (String commit : commits) {
            ok(null, "git", "-C", store.toString(), "verify-commit", commit);
        }
    }

    @Test
    void storeEntriesThatAreNotOursAndAnAbsentDeviceFailClearly() throws Exception {
        Path store = dir.resolve("home/password_store");
        assertThat(bcm.run(Map.of(), write("s2", "x\n"), "pass", "insert", "--name=ours").exitCode()).isZero();
        List<String> before = ok(null, "git", "-C", store.toString(), "rev-list", "HEAD").out().lines().toList();
        ok("theirs\n".getBytes(StandardCharsets.UTF_8), "gpg", "--batch", "--symmetric", "--passphrase", "not-ours", "--pinentry-mode", "loopback",
                "--output", store.resolve("foreign.gpg").toString());
        BcmProcess.Result foreign = bcm.run("pass", "get", "--name=foreign");
        assertThat(foreign.exitCode()).isEqualTo(2);
        assertThat(foreign.err()).contains("entry 'foreign'").contains("not encrypted to the bcm identity");

        BcmProcess.Result absent = bcm.run(Map.of("BCM_TREZOR", "udp:127.0.0.1:9"), "pass", "get", "--name=ours");
        assertThat(absent.exitCode()).isEqualTo(10);
        assertThat(absent.err()).contains("no emulator or development device answers").doesNotContain("Exception");
        BcmProcess.Result noName = bcm.run("pass", "get", "--name=../etc/passwd");
        assertThat(noName.exitCode()).isEqualTo(2);

        // the agent gpg starts for this insert cannot reach a device: the commit is not signed, the entry not kept
        run(List.of("gpgconf", "--kill", "gpg-agent"), null);
        BcmProcess.Result unsigned = bcm.run(Map.of("BCM_TREZOR", "udp:127.0.0.1:9"), write("s3", "y\n"), "pass", "insert", "--name=unsigned");
        run(List.of("gpgconf", "--kill", "gpg-agent"), null);
        assertThat(unsigned.exitCode()).as(unsigned.toString()).isEqualTo(13);
        assertThat(unsigned.err()).contains("the device did not sign the commit");
        assertThat(store.resolve("unsigned.gpg")).doesNotExist();
        assertThat(ok(null, "git", "-C", store.toString(), "status", "--porcelain").out()).doesNotContain("unsigned");
        assertThat(ok(null, "git", "-C", store.toString(), "rev-list", "HEAD").out().lines().toList()).isEqualTo(before);
    }

    @Test
    void signedCommitsAndTagsVerifyWithGit() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        String r = repo.toString();
        ok(null, "git", "-C", r, "init", "-q");
        ok(null, "git", "-C", r, "config", "user.name", "Satoshi Nakamoto");
        ok(null, "git", "-C", r, "config", "user.email", "satoshi@example.net");
        Files.writeString(repo.resolve("README"), "bcm\n");
        ok(null, "git", "-C", r, "add", "README");

        BcmProcess.Result commit = bcm.run("git", "commit", "--repo=" + r, "--", "-q", "-m", "signed by the device");
        assertThat(commit.exitCode()).as(commit.toString()).isZero();
        assertThat(ok(null, "git", "-C", r, "verify-commit", "--raw", "HEAD").stderr()).contains("VALIDSIG " + fingerprint);
        assertThat(bcm.run("git", "tag", "--repo=" + r, "--", "-m", "release", "v1.0").exitCode()).isZero();
        assertThat(ok(null, "git", "-C", r, "verify-tag", "--raw", "v1.0").stderr()).contains("VALIDSIG " + fingerprint);

        Files.writeString(repo.resolve("README"), "bcm, ssh-signed\n");
        ok(null, "git", "-C", r, "add", "README");
        BcmProcess.Result sshCommit = bcm.run("git", "commit", "--ssh", "--repo=" + r, "--", "-q", "-m", "ssh-signed by the device");
        assertThat(sshCommit.exitCode()).as(sshCommit.toString()).isZero();
        assertThat(bcm.run("git", "tag", "--ssh", "--repo=" + r, "--", "-m", "ssh release", "v1.1").exitCode()).isZero();
        String allowed = "gpg.ssh.allowedSignersFile=" + dir.resolve("home/ssh/allowed_signers");
        assertThat(ok(null, "git", "-C", r, "-c", allowed, "verify-commit", "HEAD").stderr()).contains("Good \"git\" signature for satoshi@example.net");
        assertThat(ok(null, "git", "-C", r, "-c", allowed, "verify-tag", "v1.1").stderr()).contains("Good \"git\" signature for satoshi@example.net");

        Files.writeString(dir.resolve("home/ssh/allowed_signers"), "");
        assertThat(run(List.of("git", "-C", r, "-c", allowed, "verify-commit", "HEAD"), null).exit()).isNotZero();
    }
}
