package org.bcm.core.lightning;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The lightning stack's metrics volume has four writers and readers that must agree on its path and on
 * the exporter's uid: the stack file's mounts, the images' healthcheck scripts, the exporters image's
 * user, and {@link LightningService#recordBackup}.
 */
class MetricsVolumeTest {

    private static final Path STACKS = Path.of("..", "stacks");

    @Test
    void everyWriterAndTheReaderAgreeOnThePathAndTheExportersUid() throws Exception {
        String dir = LightningService.BACKUP_RECORD.substring(0, LightningService.BACKUP_RECORD.lastIndexOf('/'));
        String uid = Integer.toString(LightningService.EXPORTER_UID);
        assertThat(Files.readString(STACKS.resolve("monitoring/images/exporters.yml"))).contains("user: \"" + uid + ":" + uid + "\"");
        for (String image : new String[] {"lightningd.yml", "lnd.yml"}) {
            assertThat(Files.readString(STACKS.resolve("lightning/images/" + image))).as(image)
                    .contains("chown " + uid + ":" + uid + " ").contains("[ -d " + dir + " ]").contains("\"" + dir + "/$1\"");
        }
        String stack = Files.readString(STACKS.resolve("lightning/stack.yml"));
        assertThat(stack).contains("- metrics:" + dir + "\n").contains("- metrics:" + dir + ":ro\n").contains("MONITORING_LIGHTNING_DIR: " + dir + "\n");
    }
}
