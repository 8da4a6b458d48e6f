package org.bcm.core.project;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;

/**
 * A project's state file in the bcm home: a YAML mapping of names to records, sorted by name, written
 * atomically ({@code secrets.yml}, {@code onions.yml}).
 *
 * @param file     the file
 * @param type     the record each name maps to
 * @param whenLost what to do when the file is malformed (it is then deleted by the operator)
 */
record StateFile<T>(Path file, Class<T> type, String whenLost) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

    /**
     * The entries; empty when there is no file.
     *
     * @throws BcmException INVALID_INPUT when the file is malformed, saying {@link #whenLost}
     */
    TreeMap<String, T> read() {
        return BcmHome.read(file).map(bytes -> {
            try {
                JavaType map = YAML.getTypeFactory().constructMapType(TreeMap.class, String.class, type);
                TreeMap<String, T> read = YAML.readValue(bytes, map);
                return read == null ? new TreeMap<String, T>() : read;
            } catch (IOException e) {
                throw new BcmException(Kind.INVALID_INPUT, "Malformed " + file + ": " + e.getMessage().lines().findFirst().orElse(""),
                        whenLost, e);
            }
        }).orElseGet(TreeMap::new);
    }

    /** Replaces the file's content with {@code entries}, atomically. */
    void write(Map<String, T> entries) {
        try {
            BcmHome.writeAtomically(file, YAML.writeValueAsBytes(new TreeMap<>(entries)), false);
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed writing " + file + ": " + e.getMessage(), null, e);
        }
    }
}
