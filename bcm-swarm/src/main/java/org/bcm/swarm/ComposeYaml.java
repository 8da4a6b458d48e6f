package org.bcm.swarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.composer.ComposerException;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.Construct;
import org.yaml.snakeyaml.constructor.ConstructorException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a stack file's single YAML document into a Jackson tree with SnakeYAML, which resolves
 * anchors, aliases and {@code <<} merge keys. A key given twice, more than 50 aliases to mappings or
 * lists, and a node holding an alias to itself are errors; YAML 1.1 scalars apply, except that keys,
 * timestamps and sexagesimal numbers stay text (see {@link TextConstructor}).
 */
final class ComposeYaml {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ComposeYaml() {
    }

    /**
     * The single YAML document in {@code yaml} as a tree.
     *
     * @throws ComposeFileException for a syntax error (with line and column), a second document, a
     *     limit, or an empty file
     */
    static JsonNode read(String yaml, ComposeErrors errors) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50); // aliases can make a document exponentially large ("billion laughs")
        Object document;
        try {
            document = new Yaml(new TextConstructor(options)).load(yaml);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark();
            String problem = e instanceof ComposerException && "but found another document".equals(e.getProblem())
                    ? "a stack file holds one YAML document, found another" : oneLine(e.getProblem());
            throw withCause(errors.fail(mark == null ? "" : "line " + (mark.getLine() + 1) + ", column "
                    + (mark.getColumn() + 1), problem), e);
        } catch (YAMLException e) { // a limit, such as the number of aliases
            throw withCause(errors.fail("", oneLine(e.getMessage())), e);
        }
        if (document == null) {
            throw errors.fail("", "the file is empty");
        }
        return JSON.valueToTree(document);
    }

    /**
     * SnakeYAML's safe constructor, keeping as text what YAML 1.1 reads otherwise but Compose does not:
     * every key ({@code ON} is no boolean, {@code 0440} no number), sexagesimal numbers ({@code
     * 22:22} is no 1342) and timestamps. A node that holds an alias to itself is an error.
     */
    private static final class TextConstructor extends SafeConstructor {

        TextConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(Tag.TIMESTAMP, new ConstructYamlStr());
            yamlClassConstructors.put(NodeId.scalar, new ConstructYamlStr()); // the keys, typed String below
            for (Tag tag : List.of(Tag.INT, Tag.FLOAT)) {
                Construct number = yamlConstructors.get(tag);
                yamlConstructors.put(tag, new AbstractConstruct() {
                    @Override
                    public Object construct(Node node) {
                        String text = ((ScalarNode) node).getValue();
                        return text.contains(":") ? text : number.construct(node);
                    }
                });
            }
        }

        @Override
        protected void flattenMapping(MappingNode node) {
            for (NodeTuple entry : node.getValue()) {
                if (!(entry.getKeyNode() instanceof ScalarNode) || entry.getKeyNode().getAnchor() != null) {
                    throw error(entry.getKeyNode(), "a key must be a string, without an anchor or alias");
                }
            }
            flattenMapping(node, true); // every key typed String, also in the mappings << merges
        }

        @Override
        protected Object constructObject(Node node) {
            if (node.isTwoStepsConstruction()) { // SnakeYAML's mark for a node that contains an alias to itself
                throw error(node, "holds an alias to itself");
            }
            return super.constructObject(node);
        }

        private static YAMLException error(Node node, String problem) {
            return new ConstructorException(null, null, problem, node.getStartMark()) {};
        }
    }

    private static ComposeFileException withCause(ComposeFileException error, Throwable cause) {
        error.initCause(cause);
        return error;
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
