package io.cdcpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.ServiceProcess;

/**
 * The benchmarks start services as the distribution's scripts do: the same heap per service
 * ({@link DistributionHeaps}) and the same JVM options ({@link ServiceProcess#DISTRIBUTION_JVM_OPTIONS}).
 * A script changed without the benchmark would measure something nobody runs.
 */
class DistributionHeapsTest {

    private static final Path BIN = Path.of("..", "dist", "src", "dist", "bin");

    @Test
    void shouldGiveEachServiceTheHeapOfItsScript() throws IOException {
        Map<String, String> heaps = Map.of(
                "cdc-capture", DistributionHeaps.CAPTURE,
                "cdc-audit-sink", DistributionHeaps.AUDIT_SINK,
                "cdc-cache-invalidator", DistributionHeaps.CACHE_INVALIDATOR,
                "cdc-analytics-aggregator", DistributionHeaps.ANALYTICS_AGGREGATOR);
        for (Map.Entry<String, String> e : heaps.entrySet()) {
            String script = Files.readString(BIN.resolve(e.getKey()));
            assertThat(script).as(e.getKey()).containsPattern("exec \"\\$\\(dirname \"\\$0\"\\)/cdc-java\" \\S+ " + e.getValue() + " \"\\$@\"");
        }
    }

    @Test
    void shouldStartServicesWithTheOptionsOfTheLauncherScript() throws IOException {
        String launcher = Files.readString(BIN.resolve("cdc-java"));
        String exec = launcher.substring(launcher.indexOf("exec \"$java\""));
        for (String option : ServiceProcess.DISTRIBUTION_JVM_OPTIONS) {
            assertThat(exec).as("cdc-java's java command").contains(" " + option + " ");
        }
        assertThat(exec).contains("-Xms\"$heap\" -Xmx\"$heap\"");
    }
}
