package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.TestDatabase;

/** While captured tables are idle and another database writes a lot, the slot must not hold WAL. */
class HeartbeatIT {

    private static final long WAL_WRITTEN_ELSEWHERE = 64L * 1024 * 1024;
    private static final long BOUND = 24L * 1024 * 1024;

    @Test
    void shouldKeepTheSlotsRetainedWalBoundedWhileCapturedTablesAreIdle() throws Exception {
        CaptureFixture f = CaptureFixture.create("heartbeat");
        TestDatabase busy = f.db.server().createDatabase("busy-neighbour");
        busy.execute("CREATE TABLE noise (id bigserial PRIMARY KEY, payload text)");
        // A slot nobody reads, as a witness of what a slot without heartbeats would retain.
        f.db.execute("SELECT pg_create_logical_replication_slot('witness_" + f.prefix.toLowerCase() + "', 'pgoutput')");
        try (CaptureFixture.InProcess capture = f.startInProcess()) {
            capture.awaitStreaming();

            long written = 0;
            while (written < WAL_WRITTEN_ELSEWHERE) {
                busy.execute("INSERT INTO noise (payload) SELECT md5(g::text) || md5((g + 1)::text) FROM generate_series(1, 50000) g");
                written = walBytesSince(f);
            }
            busy.execute("CHECKPOINT");

            await("the capture slot's restart_lsn follows the heartbeats").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        f.db.execute("CHECKPOINT");
                        assertThat(retained(f, f.config().slotName())).isLessThan(BOUND);
                    });
            assertThat(retained(f, "witness_" + f.prefix.toLowerCase())).as("the idle witness slot kept everything")
                    .isGreaterThan(WAL_WRITTEN_ELSEWHERE);
            // -1 until the slot monitor's first reading (it runs on its own schedule).
            await("the retained-WAL gauge measured").atMost(Duration.ofSeconds(30))
                    .until(() -> capture.registry.get("capture.slot.retained.wal").gauge().value() >= 0);
        } finally {
            f.db.execute("SELECT pg_drop_replication_slot('witness_" + f.prefix.toLowerCase() + "')");
        }
    }

    private static long walBytesSince(CaptureFixture f) throws SQLException {
        return retained(f, "witness_" + f.prefix.toLowerCase());
    }

    private static long retained(CaptureFixture f, String slot) throws SQLException {
        try (Connection c = f.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                     + " FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
