package io.cdcpipeline.bench.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;

/**
 * The pipeline's outputs equal the truth: a seeded random workload of at least 20,000 changes on
 * every application table, while capture, an audit-sink instance and analytics-aggregator are
 * killed with SIGKILL and a third audit-sink instance joins and leaves (two rebalances). The audit
 * log equals the oracle, the chains verify, the daily stats equal the counts of the raw tables and
 * no cached article is older than its row. A mismatch prints the first differences.
 */
class DifferentialIT {

    private static final long SEED = 20261203L;

    @Test
    void shouldAuditExactlyWhatTheOracleRecordedThroughCrashesAndRebalances() throws Exception {
        // The services' logs stay in target/ for a failed run to be read.
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "oracle-it")), "run-");
        OracleRun run = OracleRun.prepare(EmbeddedInfrastructure.shared(), "oracle_it", dir);
        try {
            OracleRun.Result result = run.run(new OracleRun.Settings(SEED, 3, 20_000, null,
                    List.of(OracleRun.KILL_CAPTURE, OracleRun.ADD_SINK, OracleRun.KILL_ANALYTICS, OracleRun.KILL_SINK,
                            OracleRun.REMOVE_SINK), 0));
            System.out.println(result.describe());

            assertThat(result.oracleRows()).as("enough changes to mean something").isGreaterThanOrEqualTo(20_000);
            assertThat(result.faultsInjected()).hasSize(5);
            assertThat(result.audit().missing()).as(result.describe()).isEmpty();
            assertThat(result.audit().unexpected()).as(result.describe()).isEmpty();
            assertThat(result.verifyExitCode()).as("audit-sink verify: " + result.verifyOutput()).isZero();
            assertThat(result.analytics()).as("article_daily_stats against the raw tables").isEmpty();
            assertThat(result.cacheReads()).as("the application read through the cache").isPositive();
            assertThat(result.staleCacheEntries()).as("no cached article older than its row").isEmpty();
            assertThat(result.workload()).as("the workload covered every shape")
                    .contains("copy comments", "comment key change", "move views", "insert-select article_tags", "truncate app.",
                            "tx rolled back", "savepoint rolled back", "tx big", "cascade delete", "insert-update-delete same tx");
        } finally {
            run.stop();
        }
    }
}
