package io.cdcpipeline.bench.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;

/**
 * The audit log equals the oracle: a seeded random workload of at least 20,000 changes on every
 * application table, while capture and an audit-sink instance are killed with SIGKILL and a third
 * instance joins and leaves (two rebalances). A mismatch prints the first differing changes.
 */
class DifferentialIT {

    private static final long SEED = 20261203L;

    @Test
    void shouldAuditExactlyWhatTheOracleRecordedThroughCrashesAndRebalances(@TempDir Path dir) throws Exception {
        OracleRun run = OracleRun.prepare(EmbeddedInfrastructure.shared(), "oracle_it", dir);
        try {
            OracleRun.Result result = run.run(new OracleRun.Settings(SEED, 3, 20_000, null,
                    List.of(OracleRun.KILL_CAPTURE, OracleRun.ADD_SINK, OracleRun.KILL_SINK, OracleRun.REMOVE_SINK)));
            System.out.println(result.describe());

            assertThat(result.oracleRows()).as("enough changes to mean something").isGreaterThanOrEqualTo(20_000);
            assertThat(result.faultsInjected()).hasSize(4);
            assertThat(result.audit().missing()).as(result.describe()).isEmpty();
            assertThat(result.audit().unexpected()).as(result.describe()).isEmpty();
            assertThat(result.verifyExitCode()).as("audit-sink verify: " + result.verifyOutput()).isZero();
            assertThat(result.workload()).as("the workload covered every shape")
                    .contains("copy comments", "comment key change", "move views", "insert-select article_tags", "truncate app.",
                            "tx rolled back", "savepoint rolled back", "tx big", "cascade delete", "insert-update-delete same tx");
        } finally {
            run.stop();
        }
    }
}
