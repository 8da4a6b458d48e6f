package org.bcm.core.cluster;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bcm.core.BcmException;
import org.bcm.core.home.BcmHome;

/**
 * Cluster definitions and the active cluster, kept in the bcm home as YAML.
 * Every write is atomic ({@link BcmHome#writeAtomically}).
 */
public final class ClusterStore {

    private static final String DEFINITION_FILE = "cluster.yml";

    private final BcmHome home;
    private final ObjectMapper yaml;

    public ClusterStore(BcmHome home) {
        this.home = home;
        this.yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
                .findAndRegisterModules()
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public BcmHome home() {
        return home;
    }

    /** Writes (or replaces) the definition of {@code definition.name()}. */
    public void save(ClusterDefinition definition) {
        BcmHome.writeAtomically(definitionFile(definition.name()), toYaml(definition), false);
    }

    /**
     * The definition of {@code name}, or empty when there is none.
     *
     * @throws BcmException of kind INVALID_INPUT when the file exists but cannot be read as a definition
     */
    public Optional<ClusterDefinition> load(String name) {
        Path file = definitionFile(name);
        return BcmHome.read(file).map(bytes -> {
            try {
                return yaml.readValue(bytes, ClusterDefinition.class);
            } catch (IOException | IllegalArgumentException e) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT,
                        "Malformed cluster definition " + file + ": " + e.getMessage(),
                        "fix the file, or remove it and run 'bcm cluster create' again", e);
            }
        });
    }

    /** The names of every stored definition, sorted. */
    public List<String> names() {
        return BcmHome.namesHolding(home.clustersDir(), DEFINITION_FILE);
    }

    /** Removes the cluster's directory (definition and sockets); clears it as the active cluster. */
    public void delete(String name) {
        BcmHome.deleteTree(home.clusterDir(name));
        if (activeCluster().filter(name::equals).isPresent()) {
            setActiveCluster(null);
        }
    }

    /** The cluster commands use when none is named, if one was set. */
    public Optional<String> activeCluster() {
        return BcmHome.read(home.configFile()).flatMap(bytes -> {
            try {
                Map<?, ?> config = yaml.readValue(bytes, Map.class);
                Object active = config == null ? null : config.get("activeCluster");
                return Optional.ofNullable(active).map(Object::toString);
            } catch (IOException e) {
                throw new BcmException(BcmException.Kind.INVALID_INPUT,
                        "Malformed bcm configuration " + home.configFile() + ": " + e.getMessage(),
                        "fix or remove the file", e);
            }
        });
    }

    /** Sets (or with {@code null} clears) the active cluster. */
    public void setActiveCluster(String name) {
        Map<String, Object> config = new TreeMap<>();
        if (name != null) {
            config.put("activeCluster", name);
        }
        try {
            BcmHome.writeAtomically(home.configFile(), yaml.writeValueAsBytes(config), false);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed writing " + home.configFile(), null, e);
        }
    }

    private Path definitionFile(String name) {
        return home.clusterDir(name).resolve(DEFINITION_FILE);
    }

    private byte[] toYaml(ClusterDefinition definition) {
        try {
            return yaml.writeValueAsBytes(definition);
        } catch (IOException e) {
            throw new BcmException(BcmException.Kind.INTERNAL, "Failed serialising cluster definition", null, e);
        }
    }
}
