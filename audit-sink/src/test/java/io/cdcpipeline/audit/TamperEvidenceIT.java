package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.audit.checkpoint.Checkpoint;
import io.cdcpipeline.audit.checkpoint.CheckpointFiles;
import io.cdcpipeline.audit.checkpoint.CheckpointKeys;
import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.testkit.PrometheusText;

/**
 * What a superuser can and cannot do to the audit log undetected. A superuser can rewrite any row
 * and recompute every later hash and the chain's head: the chain is then consistent in itself.
 * What it cannot do is sign: every rewrite before the newest signed checkpoint is reported by
 * {@code verify}, the row named by its chain, offset and id (from the change topic's record at that
 * offset). Rows newer than the newest checkpoint, while no sink runs, are the window a rewrite can
 * hide in.
 */
class TamperEvidenceIT {

    private static final Duration CAUGHT_UP = Duration.ofSeconds(180);

    @Test
    void shouldNameRowsACarefulForgerRewroteWhileTheSinkKeptWriting() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-forge")) {
            ServiceThread sink = f.startSink();
            MixedWorkload.run(f.capture.db, 20, 5_000_000, new AtomicInteger());
            f.awaitCaughtUp(CAUGHT_UP);
            f.awaitCheckpointed(CAUGHT_UP);
            assertThat(f.verify().output()).doesNotContain("BROKEN");

            String tags = f.capture.prefix + ".app.tags";
            ChainRows.Ref p0 = new ChainRows.Ref("audit.change_log", tags, 0);
            ChainRows.Ref p1 = new ChainRows.Ref("audit.change_log", tags, 1);
            ChainRows.Ref p2 = new ChainRows.Ref("audit.change_log", tags, 2);
            // Actors are chained per partition of the message topic: take the one holding most.
            ChainRows.Ref actors = new ChainRows.Ref("audit.tx_context", f.capture.prefix + ".message", (int) f.count(
                    "SELECT chain_partition FROM audit.tx_context WHERE chain_topic = '" + f.capture.prefix + ".message'"
                            + " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"));
            CompletableFuture<Void> more = MixedWorkload.runAsync(f.capture.db, 21, 5_500_000, new AtomicInteger());
            long[] modified;
            long[] deleted;
            long[] beside;
            long[] actor;
            try (Connection su = f.capture.db.superuserConnection()) {
                modified = CarefulForger.rows(su, p0).get(100);
                CarefulForger.forge(su, p0, modified[0], "UPDATE audit.change_log SET after = jsonb_set(after, '{name}', '\"forged\"')"
                        + " WHERE id = " + modified[1]);
                deleted = CarefulForger.rows(su, p1).get(200);
                CarefulForger.forge(su, p1, deleted[0], "DELETE FROM audit.change_log WHERE id = " + deleted[1]);
                // Beside the row a checkpoint signed: the checkpoint still matches its first row there.
                beside = rowAt(CarefulForger.rows(su, p2), signedOffset(f, p2));
                CarefulForger.forge(su, p2, beside[0], "INSERT INTO audit.change_log (source_table, op, primary_key, before, after,"
                        + " changed_columns, tx_id, source_lsn, committed_at, captured_at, chain_topic, chain_partition, chain_offset,"
                        + " hash_version, prev_hash, row_hash) SELECT source_table, 'd', primary_key, after, NULL, NULL, tx_id,"
                        + " source_lsn, committed_at + interval '1 millisecond', captured_at, chain_topic, chain_partition,"
                        + " chain_offset, hash_version, prev_hash, row_hash FROM audit.change_log WHERE id = " + beside[1]);
                actor = CarefulForger.rows(su, actors).get(5);
                CarefulForger.forge(su, actors, actor[0], "UPDATE audit.tx_context SET app_user = 'someone-else'"
                        + " WHERE chain_offset = " + actor[0] + " AND tx_id = " + actor[1]);
            }
            more.get(120, TimeUnit.SECONDS);
            f.awaitCaughtUp(CAUGHT_UP);
            f.awaitCheckpointed(CAUGHT_UP);

            AuditFixture.Verification v = f.verify();
            assertThat(v.exitCode()).as(v.output()).isEqualTo(1);
            assertThat(v.output()).contains("BROKEN " + tags + "-0 at offset " + modified[0] + " (row id " + modified[1]
                    + "): this row was modified or moved");
            assertThat(v.output()).contains("BROKEN " + tags + "-1 at offset " + deleted[0] + ": deleted");
            assertThat(v.output()).containsPattern("BROKEN " + java.util.regex.Pattern.quote(tags) + "-2 at offset " + beside[0]
                    + " \\(row id \\d+\\): this row was inserted");
            assertThat(v.output()).contains("BROKEN " + actors.name() + " at offset " + actor[0] + " (actor of tx " + actor[1]);
            assertThat(v.output()).as("no other chain is reported").doesNotContain(f.capture.prefix + ".app.organizations");
            // The running sink noticed at its next write that its chains' tails had been rewritten under it.
            assertThat(PrometheusText.scrape(sink.metrics().port()).value("audit_chain_anomalies_total", "kind", "rewritten")
                    .orElse(0.0)).isPositive();
        }
    }

    /** The newest offset of the chain a head checkpoint signed. */
    private static long signedOffset(AuditFixture f, ChainRows.Ref chain) throws Exception {
        return CheckpointFiles.read(f.checkpointHome().resolve("checkpoints")).checkpoints().stream()
                .map(CheckpointFiles.Found::checkpoint)
                .filter(cp -> cp.kind() == Checkpoint.Kind.HEAD && cp.log().equals(chain.log())
                        && cp.chainTopic().equals(chain.topic()) && cp.chainPartition() == chain.partition())
                .mapToLong(Checkpoint::offset).max()
                .orElseThrow(() -> new AssertionError("no checkpoint signed " + chain.name()));
    }

    private static long[] rowAt(List<long[]> rows, long offset) {
        return rows.stream().filter(r -> r[0] == offset).findFirst()
                .orElseThrow(() -> new AssertionError("no row at offset " + offset));
    }

    @Test
    void shouldReportAReorderedPairATruncatedTailAnEditAForgedCheckpointAndAMissingFile() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-tamper")) {
            f.startSink();
            MixedWorkload.run(f.capture.db, 22, 6_000_000, new AtomicInteger());
            f.awaitCaughtUp(CAUGHT_UP);
            f.awaitCheckpointed(CAUGHT_UP);
            String tags = f.capture.prefix + ".app.tags";
            ChainRows.Ref p0 = new ChainRows.Ref("audit.change_log", tags, 0);
            ChainRows.Ref p1 = new ChainRows.Ref("audit.change_log", tags, 1);
            ChainRows.Ref p2 = new ChainRows.Ref("audit.change_log", tags, 2);
            long[] a;
            long[] b;
            List<long[]> tail;
            long lastKept;
            long[] edited;
            try (Connection su = f.capture.db.superuserConnection()) {
                List<long[]> rows0 = CarefulForger.rows(su, p0);
                a = rows0.get(300);
                b = rows0.get(301);
                CarefulForger.forge(su, p0, a[0], "UPDATE audit.change_log SET chain_offset = -1 WHERE id = " + a[1] + ";"
                        + " UPDATE audit.change_log SET chain_offset = " + a[0] + " WHERE id = " + b[1] + ";"
                        + " UPDATE audit.change_log SET chain_offset = " + b[0] + " WHERE id = " + a[1]);
                List<long[]> rows1 = CarefulForger.rows(su, p1);
                tail = rows1.subList(rows1.size() - 3, rows1.size());
                lastKept = rows1.get(rows1.size() - 4)[0];
                CarefulForger.forge(su, p1, tail.get(0)[0], "DELETE FROM audit.change_log WHERE chain_topic = '" + tags + "'"
                        + " AND chain_partition = 1 AND chain_offset >= " + tail.get(0)[0]);
                edited = CarefulForger.rows(su, p2).get(50);
                // A careless edit: no hash recomputed.
                f.capture.db.execute("SET session_replication_role = replica; UPDATE audit.change_log SET after = jsonb_set(after,"
                        + " '{name}', '\"edited\"') WHERE id = " + edited[1]);
            }
            // A checkpoint signed with another key, dropped among the real ones.
            Path dir = f.checkpointHome().resolve("checkpoints");
            Checkpoint forged = Checkpoint.head("audit.change_log", tags, 0, a[0], "00".repeat(32), 1, java.time.Instant.now(), null, null)
                    .signed(CheckpointKeys.generate().getPrivate());
            Files.writeString(dir.resolve("forged.jsonl"), forged.json() + "\n");

            AuditFixture.Verification v = f.verify();
            assertThat(v.exitCode()).as(v.output()).isEqualTo(1);
            assertThat(v.output()).contains("BROKEN " + tags + "-0 at offset " + a[0] + " (row id " + b[1] + "): this row was modified or moved");
            assertThat(v.output()).contains("BROKEN " + tags + "-0 at offset " + b[0] + " (row id " + a[1] + "): this row was modified or moved");
            assertThat(v.output()).containsPattern("BROKEN " + java.util.regex.Pattern.quote(tags) + "-1 at offset \\d+: the log ends at"
                    + " offset " + lastKept);
            for (long[] removed : tail) {
                assertThat(v.output()).contains("BROKEN " + tags + "-1 at offset " + removed[0] + ": deleted");
            }
            assertThat(v.output()).contains("BROKEN " + tags + "-2 at offset " + edited[0] + " (row id " + edited[1]
                    + "): content does not match row_hash");
            assertThat(v.output()).contains("BROKEN " + tags + "-0 at offset " + a[0] + ": the head checkpoint in forged.jsonl:1")
                    .contains("rejected as forged");

            // A checkpoint file that went missing is reported: the topic's newest checkpoints are in no file.
            Files.delete(dir.resolve("forged.jsonl"));
            Path away = Files.createTempDirectory("moved-checkpoints");
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.move(file, away.resolve(file.getFileName()));
                }
            }
            assertThat(f.verify().output()).contains("is in no checkpoint file: a file was removed or not shipped");

            // Scheduled: the same verification, run by the service, exported for the alert.
            PrometheusText scheduled = f.scheduledVerification("broken");
            assertThat(scheduled.value("audit_verify_broken_chains").orElseThrow()).isGreaterThanOrEqualTo(3.0);
        }
    }
}
