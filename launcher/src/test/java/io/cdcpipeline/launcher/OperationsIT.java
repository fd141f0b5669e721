package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.PrometheusText;

/**
 * The dashboard and the alert rules use only metrics the project exports: the whole local pipeline
 * (every service, the database exporter and the maintainer) runs with the demo workload, every
 * /metrics is scraped, and every metric name deploy/ references must be among them.
 */
class OperationsIT {

    /** Series Prometheus itself makes for every target. */
    private static final Set<String> FROM_PROMETHEUS = Set.of("up");

    @Test
    void shouldExportEveryMetricTheDashboardAndTheAlertsUse() throws Exception {
        Map<String, Set<String>> referenced = OperationsFiles.referencedMetrics();
        assertThat(referenced).as("the files were parsed").hasSizeGreaterThan(40);
        try (LocalPipeline pipeline = LocalPipeline.start()) {
            pipeline.startDemo(Duration.ofMillis(20));
            // Planner statistics for the bloat estimate, as autovacuum would gather them in time.
            try (Connection c = pipeline.database().superuserConnection(); Statement s = c.createStatement()) {
                s.execute("ANALYZE");
            }
            Map<String, Integer> ports = new TreeMap<>();
            pipeline.endpoints().forEach((name, url) -> {
                if (name.endsWith(" metrics")) {
                    ports.put(name.substring(0, name.length() - " metrics".length()),
                            Integer.parseInt(url.replaceAll(".*:(\\d+)/metrics$", "$1")));
                }
            });
            assertThat(ports.keySet()).containsExactlyInAnyOrder("cdc-capture", "audit-sink", "analytics-aggregator",
                    "cache-invalidator", "db-monitor", "db-maintain", "audit-verify");

            Set<String> exported = new TreeSet<>();
            AtomicReference<Set<String>> missing = new AtomicReference<>(Set.of());
            try {
                Awaitility.await("every referenced metric exported").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> {
                        for (int port : ports.values()) {
                            exported.addAll(PrometheusText.scrape(port).names());
                        }
                        Set<String> absent = new TreeSet<>(referenced.keySet());
                        absent.removeAll(exported);
                        absent.removeAll(FROM_PROMETHEUS);
                        missing.set(absent);
                        return absent.isEmpty();
                    });
            } catch (ConditionTimeoutException e) {
                // Reported by the assertion below, with the names and where they are used.
            }
            assertThat(missing.get()).as("referenced but not exported: " + describe(referenced, missing.get())).isEmpty();

            // And the figures move: the demo's changes were captured and the exporter sees the database.
            PrometheusText capture = PrometheusText.scrape(ports.get("cdc-capture"));
            assertThat(capture.samples("capture_events_total").stream().mapToDouble(PrometheusText.Sample::value).sum()).isPositive();
            PrometheusText monitor = PrometheusText.scrape(ports.get("db-monitor"));
            assertThat(monitor.value("pg_up")).contains(1.0);
            assertThat(monitor.samples("pg_replication_slots_active")).as("the capture's slot").isNotEmpty()
                    .allMatch(s -> s.value() == 1.0);
        }
    }

    private static String describe(Map<String, Set<String>> referenced, Set<String> missing) {
        StringBuilder text = new StringBuilder();
        for (String name : missing) {
            text.append("\n  ").append(name).append(" (").append(String.join(", ", referenced.get(name))).append(')');
        }
        return text.toString();
    }
}
