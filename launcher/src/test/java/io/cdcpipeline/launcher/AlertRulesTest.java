package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * deploy/prometheus checked by Prometheus' own tool: the rule file and the example configuration
 * are valid, and every rule passes its unit tests (alerts_test.yml: a firing and a non-firing case
 * each).
 */
class AlertRulesTest {

    static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    private static final Path PROMETHEUS = DEPLOY.resolve("prometheus");

    @Test
    void shouldPassPromtoolCheckRules() throws Exception {
        assertThat(promtool("check", "rules", "alerts.yml")).contains("SUCCESS");
    }

    @Test
    void shouldPassPromtoolTestRules() throws Exception {
        assertThat(promtool("test", "rules", "alerts_test.yml")).contains("SUCCESS");
    }

    @Test
    void shouldPassPromtoolCheckConfigOfTheExampleConfiguration() throws Exception {
        assertThat(promtool("check", "config", "prometheus.yml")).contains("SUCCESS");
    }

    @Test
    void shouldTestEveryRuleFiringAndNotFiring() throws Exception {
        List<String> rules = OperationsFiles.alertNames();
        String tests = Files.readString(PROMETHEUS.resolve("alerts_test.yml"), StandardCharsets.UTF_8);
        for (String rule : rules) {
            String[] evaluations = tests.split("\n      - eval_time: ");
            long firing = 0;
            long silent = 0;
            for (String evaluation : evaluations) {
                if (evaluation.contains("alertname: " + rule + "\n")) {
                    if (evaluation.contains("exp_alerts: []")) {
                        silent++;
                    } else if (evaluation.contains("exp_labels:")) {
                        firing++;
                    }
                }
            }
            assertThat(firing).as(rule + ": evaluations where it fires").isPositive();
            assertThat(silent).as(rule + ": evaluations where it does not").isPositive();
        }
    }

    /** Runs promtool in deploy/prometheus; fails with what to install when it is missing. */
    static String promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("promtool");
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(PROMETHEUS.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("promtool is not installed: install Debian's prometheus package"
                    + " (apt-get install prometheus; .ci/run does) or put Prometheus' promtool on the PATH", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("promtool finished").isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + " failed:\n" + output).isZero();
        return output;
    }
}
