package io.cdcpipeline.schema.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.schema.MigratedDatabase;
import io.cdcpipeline.schema.SchemaConfig;
import io.cdcpipeline.schema.maintenance.ActionResult.Outcome;
import io.cdcpipeline.schema.maintenance.MaintenanceAction.Kind;
import io.cdcpipeline.testkit.PrometheusText;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** {@code schema maintain} against a real server, one fresh migrated database per test. */
class MaintainerIT {

    private MigratedDatabase m;

    @BeforeEach
    void database() throws SQLException {
        m = MigratedDatabase.create("maintain");
    }

    private Map<String, String> env(String... overrides) {
        Map<String, String> env = new HashMap<>(m.env);
        env.put("MAINTAIN_REINDEX_MIN_BYTES", "1048576");
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        for (int i = 0; i < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return env;
    }

    private MaintenanceReport maintain(String... overrides) throws SQLException {
        Map<String, String> env = env(overrides);
        return new Maintainer(MaintenanceConfig.from(env), SchemaConfig.from(env), new SimpleMeterRegistry()).runOnce();
    }

    private static List<ActionResult> on(MaintenanceReport report, String table) {
        return report.results().stream().filter(r -> r.action().name().startsWith(table)).toList();
    }

    private long deadTuples(String table) throws SQLException {
        return m.queryLong("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '" + table + "'");
    }

    @Test
    void shouldDoNothingOnAFreshDatabaseAndAFreshTable() throws Exception {
        m.asAdmin("CREATE TABLE app.maint_fresh (id int PRIMARY KEY, v text)",
                "INSERT INTO app.maint_fresh SELECT g, 'v' FROM generate_series(1, 1000) g");
        // Statistics reach shared memory asynchronously: analyze only once the insert is counted,
        // or its late count would show up as changes since the analyze.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> m.queryLong("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'maint_fresh'") == 1000);
        m.asAdmin("ANALYZE app.maint_fresh");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> m.queryLong("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'maint_fresh'") == 0);

        MaintenanceReport report = maintain();

        assertThat(report.ranElsewhere()).isFalse();
        assertThat(report.results()).as(report.toString()).isEmpty();
        assertThat(report.partitionActions()).as("the migration premade the partitions").isEmpty();
        assertThat(report.toString()).startsWith("nothing to do");
    }

    @Test
    void shouldVacuumATableWithManyDeadTuples() throws Exception {
        m.asAdmin("CREATE TABLE app.maint_dead (id int PRIMARY KEY, filler text) WITH (autovacuum_enabled = false)",
                "INSERT INTO app.maint_dead SELECT g, repeat('z', 100) FROM generate_series(1, 50000) g",
                "ANALYZE app.maint_dead",
                "DELETE FROM app.maint_dead WHERE id <= 40000");
        await().atMost(Duration.ofSeconds(30)).until(() -> deadTuples("maint_dead") >= 40000);

        MaintenanceReport report = maintain();

        List<ActionResult> results = on(report, "maint_dead");
        assertThat(results).as(report.toString()).hasSize(1);
        ActionResult vacuum = results.get(0);
        assertThat(vacuum.action().kind()).isEqualTo(Kind.VACUUM);
        assertThat(vacuum.outcome()).isEqualTo(Outcome.DONE);
        assertThat(vacuum.before()).isGreaterThanOrEqualTo(40000);
        assertThat(vacuum.after()).isLessThan(1000);
        assertThat(deadTuples("maint_dead")).isLessThan(1000);
        assertThat(report.toString()).contains("vacuum app.maint_dead: dead rows 40,000 -> 0");
    }

    @Test
    void shouldReindexABloatedIndexConcurrentlyWhileReadsAndWritesGoOn() throws Exception {
        m.asAdmin("CREATE TABLE app.maint_bloat (id bigint PRIMARY KEY, v int) WITH (autovacuum_enabled = false)",
                "CREATE INDEX maint_bloat_v ON app.maint_bloat (v)",
                "INSERT INTO app.maint_bloat SELECT g, g FROM generate_series(1, 200000) g",
                "DELETE FROM app.maint_bloat WHERE id % 10 <> 0",
                "VACUUM ANALYZE app.maint_bloat");
        long sizeBefore = m.queryLong("SELECT pg_relation_size('app.maint_bloat_pkey')");

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        Future<?> reader = clients.submit(() -> {
            try (Connection c = m.superuser(); PreparedStatement q = c.prepareStatement("SELECT v FROM app.maint_bloat WHERE id = ?")) {
                while (running.get()) {
                    q.setLong(1, 10L * (1 + ThreadLocalRandom.current().nextInt(20000)));
                    q.executeQuery().close();
                    reads.incrementAndGet();
                }
            }
            return null;
        });
        Future<?> writer = clients.submit(() -> {
            try (Connection c = m.superuser(); PreparedStatement w = c.prepareStatement("INSERT INTO app.maint_bloat VALUES (?, ?)")) {
                long id = 1_000_000;
                while (running.get()) {
                    w.setLong(1, ++id);
                    w.setInt(2, (int) id);
                    w.executeUpdate();
                    writes.incrementAndGet();
                }
            }
            return null;
        });
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() > 100 && writes.get() > 100);
            long readsBefore = reads.get();
            long writesBefore = writes.get();

            MaintenanceReport report = maintain();

            long readsDuring = reads.get() - readsBefore;
            long writesDuring = writes.get() - writesBefore;
            assertThat(on(report, "maint_bloat")).as(report.toString())
                    .filteredOn(r -> r.action().kind() == Kind.REINDEX)
                    .extracting(r -> r.action().name()).contains("maint_bloat_pkey", "maint_bloat_v");
            assertThat(on(report, "maint_bloat")).allMatch(r -> r.outcome() == Outcome.DONE);
            long sizeAfter = m.queryLong("SELECT pg_relation_size('app.maint_bloat_pkey')");
            assertThat(sizeAfter).as("the rebuilt index is smaller").isLessThan(sizeBefore / 3);
            assertThat(readsDuring).as("reads went on during the rebuild").isPositive();
            assertThat(writesDuring).as("writes went on during the rebuild").isPositive();
            assertThat(m.queryLong("SELECT count(*) FROM pg_index WHERE NOT indisvalid")).isZero();
        } finally {
            running.set(false);
            reader.get();
            writer.get();
            clients.shutdown();
        }
    }

    @Test
    void shouldRebuildAnInvalidIndexAndDropALeftoverOfAFailedReindex() throws Exception {
        m.asAdmin("CREATE TABLE app.maint_dup (v int)", "INSERT INTO app.maint_dup VALUES (1), (1), (2)");
        try (Connection c = m.superuser(); Statement s = c.createStatement()) {
            s.execute("SET ROLE admin_user");
            for (String name : List.of("maint_dup_v", "maint_dup_w")) {
                try {
                    s.execute("CREATE UNIQUE INDEX CONCURRENTLY " + name + " ON app.maint_dup (v)");
                } catch (SQLException expected) {
                    // duplicate key: the index stays behind, INVALID
                }
            }
            // What a REINDEX CONCURRENTLY that failed half-way leaves: an INVALID copy named *_ccnew.
            s.execute("ALTER INDEX app.maint_dup_w RENAME TO maint_dup_v_ccnew");
        }
        m.asAdmin("DELETE FROM app.maint_dup WHERE ctid = (SELECT min(ctid) FROM app.maint_dup WHERE v = 1)");

        MaintenanceReport report = maintain();

        assertThat(on(report, "maint_dup_v")).as(report.toString()).extracting(r -> r.action().kind(), ActionResult::outcome)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(Kind.REINDEX, Outcome.DONE),
                        org.assertj.core.groups.Tuple.tuple(Kind.DROP_LEFTOVER_INDEX, Outcome.DONE));
        assertThat(m.queryLong("SELECT count(*) FROM pg_index WHERE NOT indisvalid")).isZero();
        assertThat(m.queryStrings("SELECT indexname FROM pg_indexes WHERE tablename = 'maint_dup'")).containsExactly("maint_dup_v");
    }

    @Test
    void shouldSkipWhatTheApplicationHoldsLockedInsteadOfQueueingBehindIt() throws Exception {
        m.asAdmin("CREATE TABLE app.maint_busy (id int) WITH (autovacuum_enabled = false)",
                "INSERT INTO app.maint_busy SELECT generate_series(1, 20000)", "ANALYZE app.maint_busy",
                "DELETE FROM app.maint_busy");
        await().atMost(Duration.ofSeconds(30)).until(() -> deadTuples("maint_busy") >= 20000);
        try (Connection holder = m.superuser(); Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            s.execute("LOCK TABLE app.maint_busy IN SHARE UPDATE EXCLUSIVE MODE");

            long started = System.nanoTime();
            MaintenanceReport report = maintain("MAINTAIN_LOCK_TIMEOUT", "300");

            assertThat(on(report, "maint_busy")).as(report.toString()).singleElement()
                    .satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.SKIPPED_LOCKED));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
            assertThat(report.ok()).as("a skipped action is not a failure").isTrue();
            holder.rollback();
        }
    }

    @Test
    void shouldLetOnlyOneHostMaintainAtATime() throws Exception {
        try (Connection other = m.superuser(); Statement s = other.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + Maintainer.MAINTENANCE_LOCK + ")");

            MaintenanceReport report = maintain();

            assertThat(report.ranElsewhere()).isTrue();
            assertThat(report.results()).isEmpty();
        }
        assertThat(maintain().ranElsewhere()).as("the lock is free again").isFalse();
    }

    @Test
    void shouldExportItsWorkWhenScheduled() throws Exception {
        m.asAdmin("CREATE TABLE app.maint_metrics (id int) WITH (autovacuum_enabled = false)",
                "INSERT INTO app.maint_metrics SELECT generate_series(1, 5000)", "ANALYZE app.maint_metrics",
                "DELETE FROM app.maint_metrics");
        await().atMost(Duration.ofSeconds(30)).until(() -> deadTuples("maint_metrics") >= 5000);
        try (ServiceThread service = new ServiceThread("db-maintain", MaintenanceService.create(env(), Duration.ofHours(1)))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> PrometheusText.scrape(service.metrics().port())
                    .value("maintenance_last_run_timestamp_seconds").orElse(0.0) > 0);
            PrometheusText text = PrometheusText.scrape(service.metrics().port());
            assertThat(text.value("maintenance_runs_total", "outcome", "done")).contains(1.0);
            assertThat(text.value("maintenance_actions_total", "action", "vacuum", "outcome", "done")).contains(1.0);
            assertThat(text.samples("maintenance_action_duration_seconds_count", "action", "vacuum")).isNotEmpty();
        }
    }
}
