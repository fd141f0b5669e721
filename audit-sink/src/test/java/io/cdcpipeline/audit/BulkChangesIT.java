package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.sql.Connection;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * Statements that make many changes share one source position: the rows of a COPY multi-insert
 * WAL record share an LSN, a key-changing UPDATE becomes a delete and a create at one LSN, and a
 * TRUNCATE reaches every partition of its topic. Each change must still be audited exactly once.
 * Three topic partitions and two parallel writers, small batches: the shared positions spread over
 * partitions and batches.
 */
class BulkChangesIT {

    private static final Duration CAUGHT_UP = Duration.ofSeconds(120);
    private static AuditFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = AuditFixture.start("audit-bulk");
        f.startSink("AUDIT_BATCH_RECORDS", "200", "AUDIT_PARALLEL_WRITERS", "2");
        f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (7, 'Bulk', 'bulk')");
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    @Test
    void shouldAuditEveryRowOfACopy() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            rows.append(10_000 + i).append("\t7\tcopied\tcopy-").append(i).append('\n');
        }
        try (Connection c = f.capture.db.superuserConnection()) {
            long copied = c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY app.tags (id, org_id, name, slug) FROM STDIN", new StringReader(rows.toString()));
            assertThat(copied).isEqualTo(1000);
        }
        f.awaitCaughtUp(CAUGHT_UP);

        assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.tags' AND op = 'c'"
                + " AND (primary_key->>'id')::int BETWEEN 10000 AND 10999 AND after->>'name' = 'copied'"))
                .as("one audit row per copied row").isEqualTo(1000);
        assertThat(f.count("SELECT count(DISTINCT source_lsn) FROM audit.change_log WHERE source_table = 'app.tags'"
                + " AND (primary_key->>'id')::int BETWEEN 10000 AND 10999"))
                .as("COPY writes multi-insert records: rows share LSNs (else this test proves nothing)").isLessThan(1000);
    }

    @Test
    void shouldAuditAKeyChangingUpdateAsADeleteAndACreate() throws Exception {
        f.capture.sql("INSERT INTO app.tags (id, org_id, name, slug) SELECT g, 7, 'moving', 'move-' || g FROM generate_series(20000, 20099) g");
        f.capture.sql("UPDATE app.tags SET id = id + 1000 WHERE id BETWEEN 20000 AND 20099");
        f.awaitCaughtUp(CAUGHT_UP);

        assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.tags' AND op = 'd'"
                + " AND (primary_key->>'id')::int BETWEEN 20000 AND 20099 AND (before->>'id')::int = (primary_key->>'id')::int"
                + " AND after IS NULL")).as("the old keys, deleted").isEqualTo(100);
        assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.tags' AND op = 'c'"
                + " AND (primary_key->>'id')::int BETWEEN 21000 AND 21099 AND after->>'slug' = 'move-' || ((after->>'id')::int - 1000)"))
                .as("the new keys, created").isEqualTo(100);
        assertThat(f.count("SELECT count(*) FROM audit.change_log d JOIN audit.change_log c ON c.source_lsn = d.source_lsn"
                + " AND c.op = 'c' AND (c.primary_key->>'id')::int = (d.primary_key->>'id')::int + 1000"
                + " WHERE d.op = 'd' AND d.source_table = 'app.tags' AND (d.primary_key->>'id')::int BETWEEN 20000 AND 20099"))
                .as("each delete and its create share one LSN").isEqualTo(100);
    }

    @Test
    void shouldAuditATruncateOnceWithItsTransaction() throws Exception {
        f.capture.sql("INSERT INTO app.categories (id, org_id, name, slug) SELECT g, 7, 'c', 'c-' || g FROM generate_series(1, 50) g");
        f.capture.sql("TRUNCATE app.categories CASCADE");
        f.awaitCaughtUp(CAUGHT_UP);

        assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.categories' AND op = 't'"
                + " AND primary_key = '{}'::jsonb AND before IS NULL AND after IS NULL AND tx_id IS NOT NULL"))
                .as("one truncate row, though every partition of the topic carries it").isEqualTo(1);
        assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE op = 't' AND source_table IN ('app.articles',"
                + " 'app.article_tags', 'app.comments', 'app.user_favorites')")).as("one row per table the cascade truncated")
                .isEqualTo(4);
        assertThat(f.count("SELECT count(*) FROM audit.changes_with_actor WHERE source_table = 'app.categories' AND op = 't'"
                + " AND db_user = 'postgres'")).as("the actor of the truncate").isEqualTo(1);
    }

    @Test
    void shouldRecordEverySnapshotRowWhenSnapshotsAreAudited() throws Exception {
        try (AuditFixture g = AuditFixture.withoutCapture("audit-snapshot")) {
            g.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (3, 'Snap', 'snap')",
                    "INSERT INTO app.tags (id, org_id, name, slug) SELECT i, 3, 'before capture', 's-' || i FROM generate_series(1, 500) i");
            g.startSink("AUDIT_INCLUDE_SNAPSHOTS", "true");
            // The first start reads the existing rows (op r), all at the snapshot's one LSN.
            try (var capture = g.capture.startInProcess()) {
                capture.awaitStreaming();
                g.awaitCaughtUp(CAUGHT_UP);
            }
            assertThat(g.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.tags' AND op = 'r'"))
                    .as("one row per snapshot row").isEqualTo(500);
            assertThat(g.count("SELECT count(DISTINCT source_lsn) FROM audit.change_log WHERE op = 'r' AND source_table = 'app.tags'"))
                    .as("snapshot rows share their LSN").isEqualTo(1);
        }
    }
}
