package org.bcm.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDigestsTest {

    @TempDir
    Path dir;

    @Test
    void aFileIsHashedOnceAndAgainWhenItsSizeOrTimeChanges() throws Exception {
        Path file = dir.resolve("a.jar");
        Files.writeString(file, "first");
        FileTime time = Files.getLastModifiedTime(file);
        Path cache = dir.resolve("cache/file-digests");

        FileDigests first = FileDigests.cachedIn(cache);
        assertThat(first.sha256(file)).isEqualTo(Sha256.hex("first"));
        first.save();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rw-------");

        // the file unchanged: the remembered digest (the cache file says which one: it is not read again)
        String line = Files.readString(cache);
        Files.writeString(cache, line.replace(Sha256.hex("first"), "0".repeat(64)));
        assertThat(FileDigests.cachedIn(cache).sha256(file)).isEqualTo("0".repeat(64));

        // rewritten with the same size and its modification time set back: its change time moved on
        Thread.sleep(10);
        Files.writeString(file, "other");
        Files.setLastModifiedTime(file, time);
        assertThat(FileDigests.cachedIn(cache).sha256(file)).isEqualTo(Sha256.hex("other"));
        Files.writeString(file, "longer content");
        assertThat(FileDigests.uncached().sha256(file)).isEqualTo(Sha256.hex("longer content"));
    }

    @Test
    void aBrokenCacheMeansHashingAgainAndFilesNoLongerAskedAboutAreDropped() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.writeString(a, "a");
        Files.writeString(b, "b");
        Path cache = dir.resolve("file-digests");
        Files.writeString(cache, "not a digest line\n\u0000\n");
        FileDigests digests = FileDigests.cachedIn(cache);
        assertThat(digests.sha256(a)).isEqualTo(Sha256.hex("a"));
        digests.sha256(b);
        digests.save();
        assertThat(Files.readAllLines(cache)).hasSize(2);

        FileDigests later = FileDigests.cachedIn(cache);
        later.sha256(a);
        later.save();
        assertThat(Files.readAllLines(cache)).singleElement().asString().startsWith(Sha256.hex("a")).endsWith(a.toString());
    }
}
