package io.cdcpipeline.schema.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.schema.MigratedDatabase;
import io.cdcpipeline.schema.Role;
import io.cdcpipeline.testkit.PostgresReplica;
import io.cdcpipeline.testkit.PrometheusText;

/**
 * The exporter against a real server: each family has plausible values after the workload that
 * should move it, read from its real /metrics endpoint.
 */
class MonitorIT {

    private static MigratedDatabase m;
    private static ServiceThread monitor;

    @BeforeAll
    static void start() throws Exception {
        m = MigratedDatabase.create("monitor");
        monitor = new ServiceThread("db-monitor", MonitorService.create(monitorEnv()));
    }

    @AfterAll
    static void stop() {
        if (monitor != null) {
            monitor.close();
        }
    }

    static Map<String, String> monitorEnv() {
        Map<String, String> env = new HashMap<>(m.db.passwordEnv(Role.MONITOR_USER.roleName(), MigratedDatabase.PASSWORD));
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        env.put("MONITOR_INTERVAL", "300");
        env.put("MONITOR_LONG_TRANSACTION", "1000");
        env.put("DB_MIN_CONNECTIONS", "1");
        env.put("DB_MAX_CONNECTIONS", "2");
        return env;
    }

    private static PrometheusText scrape() {
        return PrometheusText.scrape(monitor.metrics().port());
    }

    /** Waits until the scrape satisfies {@code condition}; the message shows the last scrape's relevant lines. */
    private static PrometheusText awaitScrape(String what, Predicate<PrometheusText> condition) {
        PrometheusText[] last = new PrometheusText[1];
        await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = scrape();
            return condition.test(last[0]);
        });
        return last[0];
    }

    private static double value(PrometheusText text, String name, String... labels) {
        return text.value(name, labels).orElse(Double.NaN);
    }

    @Test
    void shouldBeReadyAndReachTheDatabaseAsALeastPrivilegedRole() throws Exception {
        PrometheusText text = awaitScrape("a collection", t -> value(t, "pg_up") == 1.0);
        assertThat(text.value("pg_stat_statements_available")).contains(1.0);
        assertThat(text.samples("pg_exporter_collect_errors_total")).allMatch(s -> s.value() == 0);
        assertThat(monitor.ready()).isTrue();
        assertThat(value(text, "pg_settings_max_connections")).isGreaterThan(10);
        assertThat(value(text, "pg_database_size_bytes", "datname", m.db.name())).isGreaterThan(1_000_000);
        assertThat(value(text, "pg_wal_size_bytes")).isPositive();
        assertThat(value(text, "pg_wal_lsn_bytes")).isPositive();
        assertThat(value(text, "pg_data_directory_free_bytes")).as("the test server's data directory is on this host").isPositive();
        assertThat(value(text, "pg_replication_is_replica")).isZero();
        // monitor_user reads statistics, never application data.
        try (Connection c = m.connectAs(Role.MONITOR_USER); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT email FROM app.users")).hasMessageContaining("permission denied");
        }
    }

    @Test
    void shouldListAKnownSlowStatementInTheTopN() throws Exception {
        try (Connection c = m.superuser(); Statement s = c.createStatement()) {
            for (int i = 0; i < 3; i++) {
                // pg_stat_statements replaces constants by $n but keeps aliases: the alias finds it.
                s.execute("SELECT pg_sleep(0.25) AS monitor_slow_probe");
            }
        }
        long queryId = m.queryLong("SELECT queryid FROM pg_stat_statements WHERE query LIKE '%monitor_slow_probe%'"
                + " AND query NOT LIKE '%pg_stat_statements%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
        // A collection round may fall between the calls: wait for one that saw all three.
        PrometheusText text = awaitScrape("the slow statement exported with its three calls",
                t -> value(t, "pg_stat_statements_calls", "queryid", Long.toString(queryId)) >= 3);
        assertThat(value(text, "pg_stat_statements_mean_time_seconds", "queryid", Long.toString(queryId))).isGreaterThanOrEqualTo(0.25);
        assertThat(value(text, "pg_stat_statements_calls", "queryid", Long.toString(queryId))).isGreaterThanOrEqualTo(3);
        assertThat(text.samples("pg_stat_statements_calls").size()).as("bounded by 2 x MONITOR_TOP_STATEMENTS").isLessThanOrEqualTo(40);
    }

    @Test
    void shouldShowAHeldLockAsAWaitingLock() throws Exception {
        m.asAdmin("CREATE TABLE app.monitor_locked (id int)");
        try (Connection holder = m.superuser(); Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            s.execute("LOCK TABLE app.monitor_locked IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
                try (Connection c = m.superuser(); Statement w = c.createStatement()) {
                    w.execute("SELECT count(*) FROM app.monitor_locked");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            PrometheusText text = awaitScrape("a waiting lock", t -> value(t, "pg_locks_waiting") >= 1
                    && value(t, "pg_lock_wait_max_seconds") > 0.2 && value(t, "pg_stat_activity_max_tx_duration_seconds") > 1);
            assertThat(value(text, "pg_blocked_backends")).isGreaterThanOrEqualTo(1);
            assertThat(value(text, "pg_blocking_backends")).isGreaterThanOrEqualTo(1);
            assertThat(value(text, "pg_long_running_transactions")).as("open longer than MONITOR_LONG_TRANSACTION").isGreaterThanOrEqualTo(1);
            assertThat(value(text, "pg_stat_activity_count", "state", "idle in transaction")).isGreaterThanOrEqualTo(1);
            holder.commit();
            waiter.get();
        }
        awaitScrape("the wait is over", t -> value(t, "pg_locks_waiting") == 0);
    }

    @Test
    void shouldShowAnInactiveSlotRetainingMoreWalAsWalIsWritten() throws Exception {
        String slot = "monitor_test_slot";
        try (Connection c = m.superuser(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        }
        try {
            // Every series of the slot: the exporter's queries run one after another, and a scrape can
            // land between the one that already sees the new slot and one that does not yet.
            PrometheusText first = awaitScrape("the slot", t -> !t.samples("pg_replication_slots_retained_bytes", "slot_name", slot).isEmpty()
                    && !t.samples("pg_replication_slots_active", "slot_name", slot).isEmpty()
                    && !t.samples("pg_replication_slots_wal_status", "slot_name", slot).isEmpty()
                    && !t.samples("pg_replication_slots_safe_wal_size_bytes", "slot_name", slot).isEmpty());
            double retained = value(first, "pg_replication_slots_retained_bytes", "slot_name", slot);
            assertThat(value(first, "pg_replication_slots_active", "slot_name", slot)).isZero();
            assertThat(value(first, "pg_replication_slots_wal_status", "slot_name", slot, "wal_status", "reserved")).isEqualTo(1.0);
            assertThat(value(first, "pg_replication_slots_safe_wal_size_bytes", "slot_name", slot))
                    .as("the test kit sets max_slot_wal_keep_size").isPositive();

            m.asAdmin("CREATE TABLE app.monitor_wal (id int, filler text)",
                    "INSERT INTO app.monitor_wal SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
            awaitScrape("more WAL retained", t -> value(t, "pg_replication_slots_retained_bytes", "slot_name", slot) > retained + 2_000_000);
        } finally {
            try (Connection c = m.superuser(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            }
        }
    }

    @Test
    void shouldReportDeadTuplesSizesAndUpkeepPerTable() throws Exception {
        m.asAdmin("CREATE TABLE app.monitor_dead (id int PRIMARY KEY, filler text) WITH (autovacuum_enabled = false)",
                "INSERT INTO app.monitor_dead SELECT g, repeat('y', 100) FROM generate_series(1, 10000) g",
                "DELETE FROM app.monitor_dead WHERE id <= 6000");
        PrometheusText text = awaitScrape("dead tuples", t -> value(t, "pg_stat_user_tables_n_dead_tup", "relname", "monitor_dead") >= 6000);
        assertThat(value(text, "pg_stat_user_tables_n_live_tup", "relname", "monitor_dead")).isEqualTo(4000);
        assertThat(value(text, "pg_table_size_bytes", "schemaname", "app", "relname", "monitor_dead")).isGreaterThan(1_000_000);
        assertThat(value(text, "pg_index_size_bytes", "indexrelname", "monitor_dead_pkey")).isGreaterThan(100_000);
        assertThat(value(text, "pg_stat_user_tables_last_vacuum_timestamp_seconds", "relname", "monitor_dead")).isZero();

        m.asAdmin("VACUUM ANALYZE app.monitor_dead");
        text = awaitScrape("vacuumed", t -> value(t, "pg_stat_user_tables_n_dead_tup", "relname", "monitor_dead") == 0);
        assertThat(value(text, "pg_stat_user_tables_last_vacuum_timestamp_seconds", "relname", "monitor_dead"))
                .isCloseTo(System.currentTimeMillis() / 1000.0, org.assertj.core.data.Offset.offset(120.0));
        assertThat(value(text, "pg_stat_user_tables_last_analyze_timestamp_seconds", "relname", "monitor_dead")).isPositive();
    }

    @Test
    void shouldEstimateBloatAndFlagInvalidIndexes() throws Exception {
        m.asAdmin("CREATE TABLE app.monitor_bloat (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false)",
                "INSERT INTO app.monitor_bloat SELECT g, g % 7 FROM generate_series(1, 100000) g",
                "DELETE FROM app.monitor_bloat WHERE id % 10 <> 0",
                "VACUUM ANALYZE app.monitor_bloat",
                "CREATE TABLE app.monitor_dup (v int)",
                "INSERT INTO app.monitor_dup VALUES (1), (1)");
        // A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind.
        try (Connection c = m.superuser(); Statement s = c.createStatement()) {
            s.execute("SET ROLE admin_user");
            assertThatThrownBy(() -> s.execute("CREATE UNIQUE INDEX CONCURRENTLY monitor_dup_v ON app.monitor_dup (v)"))
                    .hasMessageContaining("could not create unique index");
        }
        PrometheusText text = awaitScrape("bloat and the invalid index",
                t -> value(t, "pg_index_bloat_ratio", "indexrelname", "monitor_bloat_pkey") > 0.5
                        && value(t, "pg_index_invalid", "indexrelname", "monitor_dup_v") == 1.0);
        assertThat(value(text, "pg_index_bloat_bytes", "indexrelname", "monitor_bloat_pkey")).isGreaterThan(1_000_000);
        assertThat(value(text, "pg_indexes_invalid")).isGreaterThanOrEqualTo(1);
        assertThat(text.samples("pg_index_bloat_ratio", "schemaname", "app")).as("a fresh index has no bloat")
                .filteredOn(s -> s.label("indexrelname").equals("articles_pkey")).allMatch(s -> s.value() < 0.5);
        m.asAdmin("DROP INDEX app.monitor_dup_v");
    }

    @Test
    void shouldReportMaterializedViewStaleness() throws Exception {
        awaitScrape("the view's staleness", t -> value(t, "pg_matview_staleness_seconds", "matviewname", "analytics.article_analytics") == 0);
        try (Connection c = m.superuser(); Statement s = c.createStatement()) {
            s.execute("UPDATE analytics.refresh_state SET dirty_since = now() - interval '1 hour'");
        }
        awaitScrape("stale for an hour", t -> value(t, "pg_matview_staleness_seconds", "matviewname", "analytics.article_analytics") >= 3600);
        try (Connection c = m.superuser(); Statement s = c.createStatement()) {
            s.execute("UPDATE analytics.refresh_state SET dirty_since = NULL, last_refresh_at = now()");
        }
        PrometheusText text = awaitScrape("current again",
                t -> value(t, "pg_matview_staleness_seconds", "matviewname", "analytics.article_analytics") == 0);
        assertThat(value(text, "pg_matview_last_refresh_timestamp_seconds", "matviewname", "analytics.article_analytics")).isPositive();
    }

    @Test
    void shouldReportReplicaLagOnThePrimaryAndOnTheReplica() throws Exception {
        PostgresReplica replica = m.db.server().startReplica();
        Map<String, String> env = monitorEnv();
        env.put("DB_PORT", Integer.toString(replica.port()));
        try (ServiceThread onReplica = new ServiceThread("db-monitor-replica", MonitorService.create(env))) {
            // A replica's lag is measured from its last replayed commit: have one before pausing.
            m.asAdmin("CREATE TABLE app.monitor_replicated (id int)");
            await("the replica caught up").atMost(Duration.ofSeconds(30)).until(() -> {
                try (Connection c = replica.superuserConnection(m.db.name()); Statement s = c.createStatement()) {
                    var rs = s.executeQuery("SELECT to_regclass('app.monitor_replicated') IS NOT NULL");
                    return rs.next() && rs.getBoolean(1);
                }
            });
            replica.pauseReplay();
            m.asAdmin("INSERT INTO app.monitor_replicated SELECT generate_series(1, 50000)");
            awaitScrape("a replica behind", t -> t.samples("pg_stat_replication_replay_lag_bytes").stream().anyMatch(s -> s.value() > 100_000));
            await("the replica's own lag").atMost(Duration.ofSeconds(30)).until(() -> {
                PrometheusText text = PrometheusText.scrape(onReplica.metrics().port());
                return value(text, "pg_replication_is_replica") == 1.0 && value(text, "pg_replication_lag_seconds") > 0;
            });
        } finally {
            replica.resumeReplay();
            replica.close();
        }
    }

    @Test
    void shouldKeepCollectingWhileAMigrationHoldsATableLock() throws Exception {
        // A table locked by a migration: sizing it would wait, so its size is left out this round
        // and everything else (its own statistics included) is still collected, without an error.
        m.asAdmin("CREATE TABLE app.monitor_migrating (id int)", "CREATE TABLE app.monitor_bystander (id int)");
        awaitScrape("both tables sized", t -> !Double.isNaN(value(t, "pg_table_size_bytes", "relname", "monitor_migrating"))
                && !Double.isNaN(value(t, "pg_table_size_bytes", "relname", "monitor_bystander")));
        double errorsBefore = scrape().value("pg_exporter_collect_errors_total", "collector", "storage").orElse(0.0);
        try (Connection holder = m.superuser(); Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            s.execute("LOCK TABLE app.monitor_migrating IN ACCESS EXCLUSIVE MODE");
            PrometheusText text = awaitScrape("the locked table's size left out",
                    t -> Double.isNaN(value(t, "pg_table_size_bytes", "relname", "monitor_migrating")));
            Thread.sleep(1000); // a few more rounds while the lock is held
            text = scrape();
            assertThat(value(text, "pg_up")).isEqualTo(1.0);
            assertThat(value(text, "pg_table_size_bytes", "relname", "monitor_bystander")).isGreaterThanOrEqualTo(0);
            assertThat(value(text, "pg_stat_user_tables_n_dead_tup", "relname", "monitor_migrating")).isGreaterThanOrEqualTo(0);
            assertThat(text.value("pg_exporter_collect_errors_total", "collector", "storage").orElse(0.0)).isEqualTo(errorsBefore);
            holder.rollback();
        }
        awaitScrape("the size back once the lock is gone",
                t -> !Double.isNaN(value(t, "pg_table_size_bytes", "relname", "monitor_migrating")));
    }
}
