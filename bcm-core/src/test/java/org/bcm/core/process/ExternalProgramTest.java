package org.bcm.core.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bcm.core.BcmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one way bcm starts programs: options, then {@code --}, then the values that may come from input; no shell. */
class ExternalProgramTest {

    @TempDir
    Path dir;

    @Test
    void operandsComeAfterTheEndOfOptions() {
        assertThat(ExternalProgram.GIT.with("commit", "-q", "-S", "-m", "message").operands("-rf.gpg").argv())
                .containsExactly("git", "commit", "-q", "-S", "-m", "message", "--", "-rf.gpg");
        assertThat(ExternalProgram.GPG.with("--batch", "--import").argv()).containsExactly("gpg", "--batch", "--import");
        assertThat(ExternalProgram.chroot(Path.of("/srv/root"), ExternalProgram.APT_GET.with("install", "-y").operands("tor")).argv())
                .containsExactly("chroot", "--", "/srv/root", "apt-get", "install", "-y", "--", "tor");
    }

    @Test
    void aProgramWithoutEndOfOptionsTakesNoOperandThatLooksLikeAnOption() {
        assertThat(ExternalProgram.DEBOOTSTRAP.with("--variant=minbase").operands("bookworm", "/srv/root", "http://deb.debian.org/debian").argv())
                .containsExactly("debootstrap", "--variant=minbase", "bookworm", "/srv/root", "http://deb.debian.org/debian");
        assertThatThrownBy(() -> ExternalProgram.DEBOOTSTRAP.with().operands("--second-stage"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("would read it as an option");
        assertThatThrownBy(() -> ExternalProgram.GIT.with("add").operands("a\0b")).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The hole the review found, with the real ssh: a "host" that starts with {@code -} is an option
     * to ssh unless {@code --} comes first. Without it ssh runs the ProxyCommand; with it, nothing runs.
     */
    @Test
    void anOptionSmuggledInAsTheHostRunsNothingAfterTheEndOfOptions() throws Exception {
        Path marker = dir.resolve("pwned");
        String smuggled = "-oProxyCommand=touch " + marker;
        List<String> options = List.of("-F", "/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", "-p", "9");

        ExternalProgram.Result safe = ExternalProgram.SSH.with(options).operands(smuggled, "true").capture();
        assertThat(safe.exit()).isEqualTo(255);
        assertThat(marker).doesNotExist();

        // the same words without "--", as bcm called ssh before: ssh runs the command
        List<String> unsafe = new ArrayList<>(options);
        unsafe.addAll(List.of(smuggled, "127.0.0.1", "true"));
        new ExternalProgram("ssh", "openssh-client", true).with(unsafe).capture();
        assertThat(marker).as("the test shows the hole it guards against").exists();
    }

    @Test
    void capturedRunsTakeInputAndEnvironmentNeverAShell() {
        ExternalProgram cat = new ExternalProgram("cat", "coreutils", true);
        assertThat(cat.with().input("a secret on stdin".getBytes(StandardCharsets.UTF_8)).capture().out()).isEqualTo("a secret on stdin");
        ExternalProgram echo = new ExternalProgram("echo", "coreutils", true);
        assertThat(echo.with("$HOME;", "`id`").capture().out()).isEqualTo("$HOME; `id`\n");
        ExternalProgram env = new ExternalProgram("env", "coreutils", true);
        assertThat(env.with().environment(Map.of("BCM_TEST", "1")).capture().out()).contains("BCM_TEST=1");
    }

    @Test
    void aMissingProgramIsAHostPrerequisiteAndAFailureNamesItsLastLines() throws Exception {
        assertThatThrownBy(() -> new ExternalProgram("no-such-program-bcm", "nosuch", true).with().capture())
                .isInstanceOfSatisfying(BcmException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BcmException.Kind.HOST_PREREQUISITE);
                    assertThat(e.hint()).contains("apt-get install nosuch");
                });
        Path script = Files.writeString(dir.resolve("fails"), "#!/bin/sh\necho one\necho two >&2\nexit 3\n");
        script.toFile().setExecutable(true);
        List<String> lines = new ArrayList<>();
        assertThatThrownBy(() -> new ExternalProgram(script.toString(), "x", true).with().stream(lines::add))
                .isInstanceOfSatisfying(BcmException.class, e -> assertThat(e.getMessage()).contains("exit code 3", "one", "two"));
        assertThat(lines).containsExactly("one", "two");
    }
}
