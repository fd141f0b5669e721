package io.cdcpipeline.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.TestDatabase;

/**
 * {@code ./cdc-pipeline bench history [--rows 10000000]}: one row's history on a large audit log.
 * The log is generated straight into {@code audit.change_log} (four tables, 500,000 keys each, an
 * insert and then updates, ten changes per transaction, each transaction with its actor in
 * {@code audit.tx_context}), so the figure is the query's, not the pipeline's. Then, for random
 * keys: {@code audit.row_history} and {@code audit.row_as_of} at a random instant, as
 * read_only_user calls them (JDBC round trip included), p50 / p99 / max; the plan and buffers of
 * one lookup; and the same lookups with the unique source key in its former column order (LSN
 * first, as before migration 020), the baseline in the same run.
 */
final class HistoryBenchmark {

    private static final int TABLES = 4;
    private static final int KEYS_PER_TABLE = 500_000;
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final String[] TABLE_NAMES = {"app.articles", "app.comments", "app.tags", "app.users"};

    private HistoryBenchmark() {
    }

    static void run(long rows, int lookups) throws Exception {
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.create().withPostgresSettings(BenchDatabase.SERVER_SETTINGS)) {
            TestDatabase db = BenchDatabase.create(infra, "bench_history");
            long start = System.nanoTime();
            generate(db, rows);
            System.out.printf(Locale.ROOT, "generated %,d audit rows in %.0f s (%s of log, %s of key index)%n", rows,
                    (System.nanoTime() - start) / 1e9,
                    size(db, "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'audit.change_log'::regclass"),
                    size(db, "SELECT sum(pg_relation_size(i.indexrelid)) FROM pg_inherits h JOIN pg_index i ON i.indrelid = h.inhrelid"
                            + " WHERE h.inhparent = 'audit.change_log'::regclass AND i.indisunique AND NOT i.indisprimary"));
            Random random = new Random(20261204L);
            double[] history;
            double[] asOf;
            // As analysts call them: read_only_user, which may execute the functions but not read the audit tables.
            ConnectionSettings analyst = ConnectionSettings.read(new Settings(db.passwordEnv("read_only_user", BenchDatabase.PASSWORD)),
                    "bench-history");
            try (Connection c = DriverManager.getConnection(analyst.jdbcUrl(), analyst.driverProperties())) {
                time(c, random, lookups / 10, "warm-up");
                history = time(c, random, lookups, "row_history");
                asOf = timeAsOf(c, random, lookups, rows / 10);
            }
            try (Connection c = db.superuserConnection()) {
                explain(c);
                System.out.println("baseline: the unique source key in its former order (source_lsn, source_table, primary_key,"
                        + " committed_at), rebuilt on the same rows");
                try (Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE audit.change_log DROP CONSTRAINT change_log_source_key");
                    s.execute("ALTER TABLE audit.change_log ADD UNIQUE (source_lsn, source_table, primary_key, committed_at)");
                    s.execute("ANALYZE audit.change_log");
                }
                double[] before = time(c, random, 10, "row_history, former key order");
                System.out.printf(Locale.ROOT, "%nRESULT one row's history on a %,d-row log: row_history p50 %.1f ms, p99 %.1f ms;"
                        + " row_as_of p50 %.1f ms, p99 %.1f ms; with the former key order p50 %.0f ms (%.0fx slower)%n", rows,
                        history[0], history[1], asOf[0], asOf[1], before[0], before[0] / history[0]);
            }
        }
    }

    /** Ten changes per transaction, one second apart; a key's first change is its insert. */
    private static void generate(TestDatabase db, long rows) throws SQLException {
        long chunk = 1_000_000;
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement()) {
            s.execute("SET synchronous_commit = off");
            for (long from = 0; from < rows; from += chunk) {
                long to = Math.min(rows, from + chunk) - 1;
                s.execute(String.format(Locale.ROOT, """
                        INSERT INTO audit.change_log (source_table, op, primary_key, before, after, changed_columns, tx_id,
                               source_lsn, committed_at, captured_at, chain_topic, chain_partition, chain_offset, prev_hash, row_hash)
                        SELECT (ARRAY['app.articles', 'app.comments', 'app.tags', 'app.users'])[1 + g %% %d],
                               CASE WHEN g < %d THEN 'c' ELSE 'u' END,
                               jsonb_build_object('id', 1 + (g / %d) %% %d),
                               CASE WHEN g < %d THEN NULL ELSE jsonb_build_object('id', 1 + (g / %d) %% %d, 'title', 'before ' || g,
                                    'body', repeat('b', 120)) END,
                               jsonb_build_object('id', 1 + (g / %d) %% %d, 'title', 'title ' || g, 'body', repeat('a', 120)),
                               CASE WHEN g < %d THEN NULL ELSE ARRAY['title'] END,
                               g / 10, g * 64, '%s'::timestamptz + (g / 10) * interval '1 second',
                               '%s'::timestamptz + (g / 10) * interval '1 second', 'bench.history', (g %% 3)::int, g, '\\x00', '\\x00'
                          FROM generate_series(%d, %d) g
                        """, TABLES, TABLES * KEYS_PER_TABLE, TABLES, KEYS_PER_TABLE, TABLES * KEYS_PER_TABLE, TABLES, KEYS_PER_TABLE,
                        TABLES, KEYS_PER_TABLE, TABLES * KEYS_PER_TABLE, START, START, from, to));
                s.execute(String.format(Locale.ROOT, """
                        INSERT INTO audit.tx_context (tx_id, committed_at, db_user, app_user, app_org, application_name, source_lsn,
                               chain_topic, chain_partition, chain_offset, prev_hash, row_hash)
                        SELECT t, '%s'::timestamptz + t * interval '1 second', 'app_user', (t %% 1000)::text, '1', 'bench', t * 640,
                               'bench.message', 0, t, '\\x00', '\\x00'
                          FROM generate_series(%d, %d) t
                        """, START, from / 10, to / 10));
                System.out.printf(Locale.ROOT, "  %,d rows%n", to + 1);
            }
            s.execute("VACUUM ANALYZE audit.change_log");
            s.execute("VACUUM ANALYZE audit.tx_context");
        }
    }

    /** p50, p99, max in ms of {@code audit.row_history} for random keys. */
    private static double[] time(Connection c, Random random, int lookups, String label) throws SQLException {
        double[] ms = new double[lookups];
        long rows = 0;
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM audit.row_history(?, ?::jsonb)")) {
            for (int i = 0; i < lookups; i++) {
                s.setString(1, TABLE_NAMES[random.nextInt(TABLES)]);
                s.setString(2, "{\"id\": " + (1 + random.nextInt(KEYS_PER_TABLE)) + "}");
                long t0 = System.nanoTime();
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    rows += rs.getLong(1);
                }
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return report(label, ms, rows);
    }

    /** The same for {@code audit.row_as_of} at a random instant of the log (it spans rows / 10 seconds). */
    private static double[] timeAsOf(Connection c, Random random, int lookups, long spanSeconds) throws SQLException {
        double[] ms = new double[lookups];
        long found = 0;
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM audit.row_as_of(?, ?::jsonb, ?)")) {
            for (int i = 0; i < lookups; i++) {
                s.setString(1, TABLE_NAMES[random.nextInt(TABLES)]);
                s.setString(2, "{\"id\": " + (1 + random.nextInt(KEYS_PER_TABLE)) + "}");
                s.setTimestamp(3, Timestamp.from(START.plusSeconds((long) (random.nextDouble() * spanSeconds))));
                long t0 = System.nanoTime();
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    found += rs.getLong(1);
                }
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return report("row_as_of", ms, found);
    }

    private static double[] report(String label, double[] ms, long rows) {
        Arrays.sort(ms);
        double[] q = {ms[(int) (ms.length * 0.5)], ms[Math.min(ms.length - 1, (int) (ms.length * 0.99))], ms[ms.length - 1]};
        System.out.printf(Locale.ROOT, "  %-32s %,5d lookups: p50 %7.2f ms, p99 %7.2f ms, max %7.2f ms (%,d rows returned)%n", label,
                ms.length, q[0], q[1], q[2], rows);
        return q;
    }

    /** What one lookup reads: the plan of row_as_of's query with its buffers. */
    private static void explain(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
                SELECT * FROM audit.change_log
                 WHERE source_table = 'app.tags' AND (primary_key = '{"id": 4242}'::jsonb OR (op = 't' AND primary_key = '{}'::jsonb))
                   AND committed_at <= '2026-01-05T00:00:00Z'
                 ORDER BY committed_at DESC, source_lsn DESC, id DESC LIMIT 1
                """)) {
            System.out.println("  plan of row_as_of's lookup:");
            while (rs.next()) {
                System.out.println("    " + rs.getString(1));
            }
        }
    }

    private static String size(TestDatabase db, String bytesQuery) throws SQLException {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_size_pretty((" + bytesQuery + ")::bigint)")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "?";
        }
    }
}
