package org.bcm.core.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * bcm's alert rules (stacks/monitoring/prometheus/bcm.rules.yml) with Prometheus's own promtool (from Debian's
 * prometheus package: {@code BCM_PROMTOOL}, which scripts/test.sh sets, or /usr/bin/promtool): {@code check
 * rules} and the rule unit tests of bcm.rules.test.yml ({@code test rules}). Reported skipped without promtool.
 */
class PrometheusRulesTest {

    private static final Path RULES = Path.of("..", "stacks", "monitoring", "prometheus");

    private static String promtool(String... args) throws Exception {
        String named = System.getenv("BCM_PROMTOOL");
        Path promtool = Path.of(named != null && !named.isBlank() ? named : "/usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(promtool), "no promtool: scripts/test.sh takes it out of Debian's prometheus"
                + " package and names it in BCM_PROMTOOL");
        List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(RULES.toFile()).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    @Test
    void theRulesAreValid() throws Exception {
        assertThat(promtool("check", "rules", "bcm.rules.yml")).contains("SUCCESS: 14 rules found");
    }

    @Test
    void everyAlertFiresWhereItShouldAndNotWhereItShouldNot() throws Exception {
        assertThat(promtool("test", "rules", "bcm.rules.test.yml")).contains("SUCCESS");
    }

    @Test
    void everyAlertHasARunbookInTheDocs() throws Exception {
        String rules = Files.readString(RULES.resolve("bcm.rules.yml"));
        String docs = Files.readString(Path.of("..", "docs", "monitoring.md"));
        var alerts = java.util.regex.Pattern.compile("(?m)^\\s+- alert: (\\w+)$").matcher(rules).results().map(m -> m.group(1)).toList();
        assertThat(alerts).hasSize(14);
        for (String alert : alerts) {
            assertThat(rules).contains("runbook: \"docs/monitoring.md#" + alert.toLowerCase(java.util.Locale.ROOT) + "\"");
            assertThat(docs).contains("### " + alert + "\n");
        }
    }
}
