package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.capture.CaptureService;
import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.testkit.PrometheusText;
import io.cdcpipeline.testkit.ServiceProcess;

/**
 * Exactly one audit row per change, compared with the oracle: through sink crashes, capture
 * crashes (which republish what they had not confirmed), rebalances and replays.
 */
class ExactlyOnceIT {

    private static final Duration CAUGHT_UP = Duration.ofSeconds(180);

    @Test
    void shouldWriteExactlyOneMatchingRowPerChange() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-exact")) {
            f.startSink();
            MixedWorkload.run(f.capture.db, 10, 1_000_000, new AtomicInteger());

            f.assertMatchesOracle(CAUGHT_UP);
            assertThat(f.auditRows()).as("exactly, not at least").isEqualTo(MixedWorkload.CHANGES);
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE op = 'c' AND source_table = 'app.tags'")).isEqualTo(4000);
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE op = 'u' AND changed_columns = '{name}'"
                    + " AND before->>'name' = 'n0' AND after->>'name' = 'n1'")).as("updates name only").isEqualTo(4000);
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE op = 'd' AND after IS NULL AND before->>'name' = 'n1'"))
                    .isEqualTo(2000);
            // Each row matches the source: the inserted row's values, its key, a real LSN and commit time.
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE op = 'c' AND source_table = 'app.tags'"
                    + " AND (primary_key->>'id')::int = (after->>'id')::int AND after->>'slug' = 'mix-' || (after->>'id')"
                    + " AND source_lsn > 0 AND tx_id > 0 AND committed_at <= written_at")).isEqualTo(4000);
        }
    }

    /**
     * SIGKILL three times mid-batch, each time restarted at once with the same
     * KAFKA_GROUP_INSTANCE_ID (as a container or pod restarts): still one row per change, and each
     * new instance is back within 10 s of the kill (static membership: no wait for the dead
     * member's session). It reports ready only once the group has given it its partitions, and
     * writes as soon as it is ready.
     */
    @Test
    void shouldStayExactWhenTheSinkIsKilledMidBatchAndBeBackWithinTenSeconds(@TempDir Path dir) throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-crash")) {
            AtomicInteger done = new AtomicInteger();
            String[] instance = {"KAFKA_GROUP_INSTANCE_ID", "audit-sink-a"};
            CompletableFuture<Void> writer = MixedWorkload.runAsync(f.capture.db, 11, 2_000_000, done);
            ServiceProcess sink = ServiceProcess.start("sink-0", AuditSinkService.class.getName(), f.sinkEnv(instance), dir);
            List<String> recoveries = new ArrayList<>();
            for (int kill = 1; kill <= 3; kill++) {
                long target = kill * 2000L;
                await().atMost(Duration.ofSeconds(120)).until(() -> f.auditRows() >= target);
                sink.kill();
                long killed = System.nanoTime();
                long rowsAtKill = f.auditRows();
                boolean backlog = !writer.isDone();
                sink = ServiceProcess.start("sink-" + kill, AuditSinkService.class.getName(), f.sinkEnv(instance), dir);
                ServiceProcess restarted = sink;
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(restarted::ready);
                double readyAfter = (System.nanoTime() - killed) / 1e9;
                assertThat(PrometheusText.scrape(restarted.metricsPort).value("consumer_partitions_assigned", "consumer",
                        "audit-sink")).as("ready means it holds its partitions").hasValueSatisfying(v -> assertThat(v).isPositive());
                if (backlog) {
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> f.auditRows() > rowsAtKill);
                }
                double writingAfter = (System.nanoTime() - killed) / 1e9;
                recoveries.add(String.format("kill %d: ready after %.1f s, writing after %.1f s", kill, readyAfter, writingAfter));
                assertThat(writingAfter).as(recoveries.toString()).isLessThan(10.0);
            }
            System.out.println("audit-sink recovery after SIGKILL: " + recoveries);
            writer.get(120, TimeUnit.SECONDS);
            try {
                f.assertMatchesOracle(CAUGHT_UP);
                assertThat(f.auditRows()).as("three kills, still one row per change").isEqualTo(MixedWorkload.CHANGES);
            } finally {
                sink.close();
            }
        }
    }

    @Test
    void shouldStayExactAcrossARebalanceBetweenTwoInstances() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-rebalance")) {
            ServiceThread first = f.startSink();
            AtomicInteger done = new AtomicInteger();
            CompletableFuture<Void> writer = MixedWorkload.runAsync(f.capture.db, 12, 3_000_000, done);
            await().atMost(Duration.ofSeconds(120)).until(() -> f.auditRows() >= 2000);
            f.startSink();
            await().atMost(Duration.ofSeconds(120)).until(() -> f.auditRows() >= 5000);
            first.close();
            writer.get(120, TimeUnit.SECONDS);

            f.assertMatchesOracle(CAUGHT_UP);
        }
    }

    @Test
    void shouldWriteTheSameLogFromEnvelopesWithTheirSchemaEmbedded() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-json-schemas", java.util.Map.of("CAPTURE_JSON_SCHEMAS", "true"))) {
            f.startSink();
            MixedWorkload.run(f.capture.db, 16, 7_000_000, new AtomicInteger());
            f.assertMatchesOracle(CAUGHT_UP);
            assertThat(f.auditRows()).isEqualTo(MixedWorkload.CHANGES);
            assertThat(f.count("SELECT count(*) FROM audit.tx_context")).as("actors read from wrapped messages").isPositive();
        }
    }

    @Test
    void shouldContinueTheChainsWithANewGroupAfterTheChainsTableIsWipedAndRefuseASecondWriter() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-replay")) {
            ServiceThread sink = f.startSink();
            MixedWorkload.run(f.capture.db, 13, 4_000_000, new AtomicInteger());
            f.awaitCaughtUp(CAUGHT_UP);
            sink.close();
            long before = f.auditRows();

            // Forget every stored position and head (as a superuser may), and rename the group: the
            // new group reads on from each chain's last row in the log and continues that chain.
            f.capture.db.execute("DELETE FROM audit.chains");
            f.startSink("AUDIT_CONSUMER_GROUP", f.group + "-second", "AUDIT_CHAIN_TAKEOVER_AFTER", "1000");
            // A third group while the second writes: refused, never a fork.
            ServiceThread third = f.startSink("AUDIT_CONSUMER_GROUP", f.group + "-third", "AUDIT_CHAIN_TAKEOVER_AFTER", "600000");
            MixedWorkload.run(f.capture.db, 15, 4_500_000, new AtomicInteger());

            f.assertMatchesOracle(CAUGHT_UP);
            assertThat(f.auditRows()).isEqualTo(before + MixedWorkload.CHANGES);
            await().atMost(CAUGHT_UP).until(() -> PrometheusText.scrape(third.metrics().port()).value("audit_chain_refusals_total")
                    .orElse(0.0) > 0);
            assertThat(f.count("SELECT count(*) FROM audit.chains WHERE writer_group = '" + f.group + "-third'"))
                    .as("the third group wrote no chain").isZero();
            f.awaitCheckpointed(CAUGHT_UP);
            AuditFixture.Verification verification = f.verify();
            assertThat(verification.exitCode()).as(verification.output()).isZero();
            assertThat(verification.output()).doesNotContain("BROKEN");
        }
    }

    @Test
    void shouldStayExactWhenCaptureIsKilledAndRestarted(@TempDir Path dir) throws Exception {
        try (AuditFixture f = AuditFixture.withoutCapture("audit-capture-crash")) {
            f.startSink();
            ServiceProcess capture = ServiceProcess.start("capture-0", CaptureService.class.getName(), f.capture.env, dir);
            await().atMost(Duration.ofSeconds(60)).until(capture::ready);
            AtomicInteger done = new AtomicInteger();
            CompletableFuture<Void> writer = MixedWorkload.runAsync(f.capture.db, 14, 6_000_000, done);
            try {
                // Killed while it publishes: it resumes from its last confirmed position and
                // publishes again what it had sent since, each change with a new Kafka offset.
                for (int kill = 1; kill <= 2; kill++) {
                    long target = kill * 3000L;
                    await().atMost(Duration.ofSeconds(120)).until(() -> f.auditRows() >= target);
                    capture.kill();
                    capture = ServiceProcess.start("capture-" + kill, CaptureService.class.getName(), f.capture.env, dir);
                }
                writer.get(120, TimeUnit.SECONDS);
                f.assertMatchesOracle(CAUGHT_UP);
                assertThat(f.auditRows()).isEqualTo(MixedWorkload.CHANGES);
            } finally {
                capture.close();
            }
        }
    }
}
