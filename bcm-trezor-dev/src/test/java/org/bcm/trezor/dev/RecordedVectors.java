package org.bcm.trezor.dev;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The recorded answers of a real Trezor, {@code shared/fixtures/trezor/vectors-mnemonic-all.json}
 * in the {@code shared/} folder beside the project root: found by looking for
 * {@code shared/fixtures} next to the working directory and each of its parents, or where the
 * environment variable {@code BCM_SHARED_DIR} points.
 */
public final class RecordedVectors {

    private static final String FILE = "fixtures/trezor/vectors-mnemonic-all.json";

    private RecordedVectors() {
    }

    /** The file. @throws IOException naming where it was looked for */
    public static Path file() throws IOException {
        String override = System.getenv("BCM_SHARED_DIR");
        if (override != null && Files.isRegularFile(Path.of(override, FILE))) {
            return Path.of(override, FILE);
        }
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve(FILE);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IOException("the recorded Trezor vectors (shared/" + FILE + ") are not beside " + start
                + " or any of its parents; set BCM_SHARED_DIR to the shared/ folder");
    }

    /** The parsed file. */
    public static JsonNode load() throws IOException {
        return new ObjectMapper().readTree(file().toFile());
    }
}
