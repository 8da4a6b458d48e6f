package org.bcm.swarm;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a stack file ({@code stack.yml}) into a {@link StackSpec}: the subset of the Compose file
 * format version 3 that {@code docker stack deploy} applies to a swarm, with the meaning the Compose
 * file v3 reference and the Docker CLI's loader ({@code cli/compose/loader}, {@code
 * cli/compose/interpolation}) give it.
 *
 * <p><b>YAML.</b> One document whose top level is a mapping, read with SnakeYAML. Anchors, aliases and
 * {@code <<} merge keys are resolved (Compose files use them with {@code x-*} keys); a key given
 * twice, more than 50 aliases to mappings or lists and a node holding an alias to itself are errors.
 * YAML 1.1 scalars apply: {@code 0440} is octal, {@code yes}/{@code on} are booleans; but keys,
 * timestamps and sexagesimal numbers ({@code 22:22}) stay the text the file gives.
 *
 * <p><b>Interpolation.</b> Every string value that is read (never a key, never an {@code x-*}
 * subtree) is interpolated from the given variables: {@code $VAR}, {@code ${VAR}}, {@code
 * ${VAR:-default}} (default when unset or empty), {@code ${VAR-default}} (when unset), {@code
 * ${VAR:?message}} and {@code ${VAR?message}} (an error with the message when unset or empty,
 * resp. unset), and {@code $$} for a literal {@code $}. A variable that is not set and has no
 * default is an error (docker substitutes an empty string with a warning).
 *
 * <p><b>Shapes.</b> Where a string is expected, numbers and booleans count as their text (an
 * integer the way YAML read it: {@code 0440} is {@code "288"}). Integers, booleans, durations, sizes
 * and CPUs may also be strings, so {@code replicas: ${N}} works. Durations are Go durations ({@code
 * 1h2m3s}, {@code 1.5s}, {@code 500ms}, {@code 10us}); a number needs a unit unless it is
 * {@code 0}. Sizes are bytes with an optional unit {@code b}, {@code k}/{@code kb}, {@code m}/{@code
 * mb}, {@code g}/{@code gb} (any case, powers of 1024). CPUs are decimal numbers ({@code 0.5}), at
 * most nine decimals. File modes are integers, written octal in YAML ({@code 0440}). A command or
 * an entrypoint is a list, or a string split into words like a POSIX shell would (whitespace,
 * single and double quotes, backslash). Labels, {@code driver_opts} and {@code environment} are
 * mappings or lists of {@code KEY=VALUE}; a key without a value is dropped from {@code
 * environment} and is an empty string elsewhere. A key whose value is {@code null} counts as not
 * given.
 *
 * <p><b>Keys.</b> Only the keys {@link StackSpec} has a place for are accepted; any other key,
 * including the Compose keys a swarm ignores ({@code build}, {@code depends_on}, ...), is an error
 * naming it and the supported keys. {@code x-*} keys are accepted at the top level and in a
 * service, network, volume, secret or config, and kept unparsed. Beyond the Compose file format
 * (on purpose, to fail before deploying): networks must use the {@code overlay} driver; {@code
 * name} is only accepted together with {@code external: true}, and keys that configure a created
 * object are rejected with it; a bind mount's source must be an absolute path (it is a path on the
 * node running the task); the {@code file} of a secret or config must lie inside the stack
 * directory; a secret or config gives exactly one of {@code file}, {@code external: true} or {@code
 * x-*} keys, which then supply its content (bcm's {@code x-bcm-generate}); services, networks, volumes, secrets and
 * configs are named {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}.
 *
 * <p><b>Defaults.</b> As Compose's: {@code deploy} is replicated with one replica and a virtual IP
 * (a {@code global} service has {@code replicas} 0 and must not give it); ports are TCP in ingress
 * mode; a secret or config mount targets the source name with uid and gid {@code "0"} and mode
 * 0444; a named volume uses the {@code local} driver. A service that names no network joins {@code
 * default}, which is then declared as a non-attachable overlay network unless the file declares it.
 *
 * <p><b>Errors.</b> Every problem is a {@link ComposeFileException} with a one-line message: the
 * file's origin, the dotted key path ({@code services.tor.ports[0]}) or, for a YAML syntax error,
 * the line and column, and what is wrong.
 */
public final class ComposeFile {

    private ComposeFile() {
    }

    /**
     * Parses a stack file.
     *
     * @param yaml      the stack.yml text
     * @param origin    names the file in error messages (e.g. {@code "stacks/gateway/stack.yml"})
     * @param stackDir  directory that relative {@code file:} paths of secrets and configs resolve
     *                  against (the resulting paths are absolute and normalized); any file system,
     *                  a zip file system too
     * @param stackName the stack name: {@code [a-z0-9][a-z0-9_.-]*}, at most 40 characters
     * @param variables values for {@code ${VAR}} interpolation
     * @return the stack, with the shapes and defaults described in the class documentation
     * @throws ComposeFileException for every problem in the file or the stack name
     */
    public static StackSpec parse(String yaml, String origin, Path stackDir, String stackName,
            Map<String, String> variables) {
        requireNonNull(yaml, "yaml");
        requireNonNull(origin, "origin");
        requireNonNull(stackDir, "stackDir");
        requireNonNull(stackName, "stackName");
        requireNonNull(variables, "variables");
        return new StackMapping(origin, stackDir, variables).stack(yaml, stackName);
    }
}
