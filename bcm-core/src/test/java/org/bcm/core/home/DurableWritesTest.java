package org.bcm.core.home;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a power loss or a second writer can do to the files bcm keeps: writes are fsynced before and
 * after the rename (seen with strace, the system calls a real process makes), new files are never
 * written over a file that appeared meanwhile, and two commands on one home take turns.
 */
class DurableWritesTest {

    @TempDir
    Path dir;

    @Test
    void anAtomicWriteFsyncsTheFileAndItsDirectoryBeforeAndAfterTheRename() throws Exception {
        List<String> calls = strace("write", dir.resolve("cluster.yml"));
        int rename = indexOf(calls, "rename.*\\.cluster\\.yml.*\\.tmp.*cluster\\.yml");
        assertThat(rename).as("the rename, in %s", calls).isPositive();
        String tmpFd = fdOpened(calls, "\\.cluster\\.yml[0-9]*\\.tmp", "O_WRONLY");
        String dirFds = "(" + String.join("|", fdsOpened(calls, Pattern.quote(dir.toString()) + "\"", "O_RDONLY")) + ")";
        assertThat(indexOf(calls.subList(0, rename), "fsync\\(" + tmpFd + "\\)")).as("fsync of the file before the rename").isNotNegative();
        assertThat(indexOf(calls.subList(0, rename), "fsync\\(" + dirFds + "\\)")).as("fsync of the directory before the rename").isNotNegative();
        assertThat(indexOf(calls.subList(rename, calls.size()), "fsync\\(" + dirFds + "\\)")).as("fsync of the directory after the rename").isNotNegative();
        assertThat(dir.resolve("cluster.yml")).hasContent("written");
    }

    @Test
    void aNewFileIsLinkedIntoPlaceAndFsynced() throws Exception {
        List<String> calls = strace("create", dir.resolve("out.gpg"));
        int link = indexOf(calls, "link.*\\.out\\.gpg.*\\.tmp.*out\\.gpg");
        assertThat(link).as("the link, in %s", calls).isPositive();
        String dirFds = "(" + String.join("|", fdsOpened(calls, Pattern.quote(dir.toString()) + "\"", "O_RDONLY")) + ")";
        assertThat(indexOf(calls.subList(link, calls.size()), "fsync\\(" + dirFds + "\\)")).isNotNegative();
        assertThat(dir.resolve("out.gpg")).hasContent("created");
    }

    @Test
    void createNewNeverReplacesAFileEvenOneThatAppearsWhileItWrites() throws Exception {
        Path out = dir.resolve("out.gpg");
        Files.writeString(out, "precious");
        assertThatThrownBy(() -> BcmHome.createNew(out, true, s -> s.write(1))).isInstanceOf(FileAlreadyExistsException.class);

        Path late = dir.resolve("late.gpg");
        assertThatThrownBy(() -> BcmHome.createNew(late, true, s -> {
            s.write("mine".getBytes(StandardCharsets.UTF_8));
            Files.writeString(late, "someone else's");   // appears while bcm writes
        })).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(late).hasContent("someone else's");
        assertThat(out).hasContent("precious");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("out.gpg", "late.gpg");
        }
    }

    @Test
    void createNewInAMissingFolderOrWithFailingContentLeavesNothing() throws Exception {
        assertThatThrownBy(() -> BcmHome.createNew(dir.resolve("no/such/out"), false, s -> s.write(1)))
                .isInstanceOf(NoSuchFileException.class);
        assertThat(dir.resolve("no")).doesNotExist();
        assertThatThrownBy(() -> BcmHome.createNew(dir.resolve("out"), true, s -> {
            s.write(1);
            throw new IOException("the device refused");
        })).hasMessage("the device refused");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
        BcmHome.createNew(dir.resolve("private"), true, s -> s.write(1));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("private")))).isEqualTo("rw-------");
    }

    @Test
    void aSecondCommandWaitsForTheLockAndSaysWhoHoldsIt() throws Exception {
        Process holder = HomeProcess.java("lock", dir.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            assertThat(new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8)).isEqualTo("locked");
            List<String> said = new ArrayList<>();
            CompletableFuture<HomeLock> second = CompletableFuture.supplyAsync(
                    () -> HomeLock.acquire(new BcmHome(dir), "bcm project deploy", said::add));
            Thread.sleep(500);
            assertThat(second).isNotDone();
            assertThat(said).singleElement().asString()
                    .contains("waiting for the lock of " + dir, "pid " + holder.pid(), "the test's holder");
            holder.getOutputStream().close();   // the holder ends, the kernel releases its lock
            try (HomeLock lock = second.get(30, TimeUnit.SECONDS)) {
                assertThat(Files.readString(dir.resolve(HomeLock.FILE)))
                        .contains("pid " + ProcessHandle.current().pid() + " (bcm project deploy)");
            }
            assertThat(Files.readString(dir.resolve(HomeLock.FILE))).isEmpty();
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void theLockIsReentrantForItsThreadAndExclusiveForOthers() throws Exception {
        try (HomeLock outer = HomeLock.acquire(new BcmHome(dir), "outer", m -> { });
             HomeLock inner = HomeLock.acquire(new BcmHome(dir), "inner", m -> { })) {
            List<String> said = new ArrayList<>();
            CompletableFuture<HomeLock> other = CompletableFuture.supplyAsync(() -> HomeLock.acquire(new BcmHome(dir), "other", said::add));
            Thread.sleep(300);
            assertThat(other).isNotDone();
            inner.close();
            Thread.sleep(200);
            assertThat(other).isNotDone();
            outer.close();
            other.get(10, TimeUnit.SECONDS).close();
            assertThat(said).singleElement().asString().contains("another command of this process");
        }
    }

    // ---------------------------------------------------------------- strace

    /** The file system calls and fsyncs of a child JVM running {@link HomeProcess} {@code mode file}. */
    private List<String> strace(String mode, Path file) throws Exception {
        Path log = dir.resolve("strace.log");
        List<String> command = new ArrayList<>(List.of("strace", "-f", "-qq", "-e", "trace=openat,rename,renameat,renameat2,link,linkat,fsync,fdatasync",
                "-o", log.toString()));
        command.addAll(HomeProcess.java(mode, file.toString()).command());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        List<String> calls = Files.readAllLines(log).stream().map(l -> l.replaceFirst("^\\d+\\s+", "")).toList();
        Files.delete(log);
        return calls;
    }

    private static int indexOf(List<String> calls, String regex) {
        Pattern p = Pattern.compile(regex);
        for (int i = 0; i < calls.size(); i++) {
            if (p.matcher(calls.get(i)).find()) {
                return i;
            }
        }
        return -1;
    }

    private static String fdOpened(List<String> calls, String pathRegex, String flag) {
        List<String> fds = fdsOpened(calls, pathRegex, flag);
        assertThat(fds).as("opened %s in %s", pathRegex, calls).isNotEmpty();
        return "(" + String.join("|", fds) + ")";
    }

    private static List<String> fdsOpened(List<String> calls, String pathRegex, String flag) {
        Pattern p = Pattern.compile("openat\\([^,]+, \"[^\"]*" + pathRegex + ".*" + flag + ".*= (\\d+)$");
        List<String> fds = new ArrayList<>();
        for (String call : calls) {
            Matcher m = p.matcher(call);
            if (m.find()) {
                fds.add(m.group(1));
            }
        }
        return fds;
    }
}
