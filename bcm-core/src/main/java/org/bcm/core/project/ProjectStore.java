package org.bcm.core.project;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.bcm.core.BcmException;
import org.bcm.core.BcmException.Kind;
import org.bcm.core.home.BcmHome;

/**
 * Projects in the bcm home: {@code projects/NAME/project.yml} (the definition),
 * {@code projects/NAME/deployments} (the clusters it is deployed on, one per line); its secrets are
 * {@link ProjectSecrets}'. Every write is atomic.
 */
public final class ProjectStore {

    private static final String DEFINITION_FILE = "project.yml";
    private static final String DEPLOYMENTS_FILE = "deployments";

    private final BcmHome home;
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ProjectStore(BcmHome home) {
        this.home = home;
    }

    public BcmHome home() {
        return home;
    }

    /** Writes (or replaces) the definition. */
    public void save(ProjectDefinition project) {
        try {
            BcmHome.writeAtomically(definitionFile(project.name()), yaml.writeValueAsBytes(project), false);
        } catch (IOException e) {
            throw new BcmException(Kind.INTERNAL, "Failed serialising project " + project.name(), null, e);
        }
    }

    /**
     * The definition, or empty when there is none.
     *
     * @throws BcmException INVALID_INPUT when the file cannot be read as a definition
     */
    public Optional<ProjectDefinition> load(String name) {
        ProjectDefinition.validateName(name);
        Path file = definitionFile(name);
        return BcmHome.read(file).map(bytes -> {
            try {
                return yaml.readValue(bytes, ProjectDefinition.class);
            } catch (IOException | IllegalArgumentException e) {
                throw new BcmException(Kind.INVALID_INPUT, "Malformed project definition " + file + ": "
                        + e.getMessage().lines().findFirst().orElse(""), "fix the file", e);
            } catch (BcmException e) {
                throw new BcmException(Kind.INVALID_INPUT, "Malformed project definition " + file + ": " + e.getMessage(),
                        "fix the file", e);
            }
        });
    }

    /**
     * The definition.
     *
     * @throws BcmException NOT_FOUND when there is none
     */
    public ProjectDefinition require(String name) {
        return load(name).orElseThrow(() -> new BcmException(Kind.NOT_FOUND, "Project '" + name + "' does not exist",
                "see 'bcm project list', or create it with 'bcm project create --project-name=" + name + "'"));
    }

    /** The names of every stored project, sorted. */
    public List<String> names() {
        return BcmHome.namesHolding(home.projectsDir(), DEFINITION_FILE);
    }

    /** Removes the project's directory: definition, deployments and generated secrets. */
    public void delete(String name) {
        BcmHome.deleteTree(home.projectDir(name));
    }

    /** The clusters the project is (or was being) deployed on, sorted. */
    public List<String> deployments(String name) {
        return BcmHome.read(home.projectDir(name).resolve(DEPLOYMENTS_FILE))
                .map(bytes -> new String(bytes, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).sorted().toList())
                .orElse(List.of());
    }

    /** Records that the project is deployed on {@code cluster} ({@code deployed}) or no longer is. */
    public void setDeployed(String name, String cluster, boolean deployed) {
        TreeSet<String> clusters = new TreeSet<>(deployments(name));
        boolean changed = deployed ? clusters.add(cluster) : clusters.remove(cluster);
        if (changed) {
            String content = clusters.isEmpty() ? "" : String.join("\n", clusters) + "\n";
            BcmHome.writeAtomically(home.projectDir(name).resolve(DEPLOYMENTS_FILE),
                    content.getBytes(StandardCharsets.UTF_8), false);
        }
    }

    /**
     * Records that no project is deployed on {@code cluster} any more (the cluster was destroyed).
     *
     * @return the projects that were deployed there, sorted
     */
    public List<String> forgetCluster(String cluster) {
        List<String> were = new ArrayList<>();
        for (String name : names()) {
            if (deployments(name).contains(cluster)) {
                setDeployed(name, cluster, false);
                were.add(name);
            }
        }
        return were;
    }

    private Path definitionFile(String name) {
        return home.projectDir(name).resolve(DEFINITION_FILE);
    }
}
