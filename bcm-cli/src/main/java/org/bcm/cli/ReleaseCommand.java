package org.bcm.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bcm.core.release.ReleaseSpec;
import org.bcm.core.release.Releases;
import org.bcm.core.stack.StackCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bcm release}: the upstream releases (bitcoind, Fulcrum) image recipes install, and their cache. */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = "The upstream releases image recipes install (their release: step), verified and cached on this controller.",
        subcommands = {ReleaseCommand.ListReleases.class, ReleaseCommand.Import.class})
final class ReleaseCommand {

    /** The release steps of the recipes of every stack bcm knows. */
    private static List<ReleaseSpec> known(Context context) {
        return List.copyOf(StackCatalog.load(context.home()).releases());
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the releases the image recipes use and the cached ones: version, archive, SHA-256, the signers that verified it, where it is cached.")
    static final class ListReleases implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin OutputOption output;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            List<Releases.Entry> entries = context.releases().list(known(context));
            if (output.json()) {
                OutputOption.printJson(context.out(), entries.stream().map(e -> new Row(e.project(), e.version(), e.archive(), e.url(),
                        e.sha256(), e.signers(), e.cached() == null ? null : e.cached().toString(), e.verified(), e.recipes())).toList());
                return 0;
            }
            print(context, entries);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Verify release files fetched by other means (an offline controller) and add them to the cache:",
                "each archive with its checksum file and signature files, as the error of a build names them."})
    static final class Import implements Callable<Integer>, ChangesHome {
        @Spec CommandSpec spec;
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Archives, checksum files and signature files.")
        List<Path> files;

        @Override
        public Integer call() {
            Context context = new Context(spec);
            print(context, context.releases().importFiles(files, known(context)));
            return 0;
        }
    }

    /** One release in JSON output. */
    record Row(String project, String version, String archive, String url, String sha256, List<String> signers, String cached,
            java.time.Instant verified, List<String> recipes) {
    }

    private static void print(Context context, List<Releases.Entry> entries) {
        Table table = new Table("PROJECT", "VERSION", "ARCHIVE", "SHA256", "SIGNED BY", "CACHED");
        for (Releases.Entry e : entries) {
            table.row(e.project(), e.version(), e.archive(), e.sha256().substring(0, 12),
                    e.signers().isEmpty() ? "-" : String.join(",", e.signers()),
                    e.cached() == null ? "no" : e.cached() + (e.recipes().isEmpty() ? " (no recipe uses it)" : ""));
        }
        table.print(context.out());
    }
}
