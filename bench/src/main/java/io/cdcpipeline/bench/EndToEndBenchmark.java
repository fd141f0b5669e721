package io.cdcpipeline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

import io.cdcpipeline.audit.AuditSinkService;
import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;
import io.cdcpipeline.capture.CaptureService;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.KafkaConnectWorker;
import io.cdcpipeline.testkit.PostgresServer;
import io.cdcpipeline.testkit.ServiceProcess;
import io.cdcpipeline.testkit.TestDatabase;

/**
 * {@code ./cdc-pipeline bench e2e}: commit → audit row through the whole pipeline, against what a
 * user would deploy instead: stock Kafka Connect with the Debezium PostgreSQL source and the
 * Debezium JDBC sink writing every change as a row (deletes included, as Debezium's
 * {@code ExtractNewRecordState} rewrites them). Same PostgreSQL, same broker, same workload, in the
 * same run, one pipeline at a time (the machine has two cores): ours drains, then stock drains and
 * runs its steady phases, then ours catches up with those (warming up) and runs its own:
 *
 * <ol>
 *   <li>Backlog drain: both slots are created, then {@code backlog} changes are committed in
 *       100-row transactions (60 % inserts, 30 % updates, 10 % deletes on articles and comments);
 *       each pipeline starts cold on it. Rate = changes / (last − first row written), from the rows'
 *       own {@code written_at} (one PostgreSQL clock); CPU seconds per change of each process over
 *       the drain; peak resident memory.</li>
 *   <li>Steady rates: the same transactions paced at each rate for {@code seconds}; p50 / p99 / max
 *       of {@code written_at − committed_at} (commit time from the change event, both from
 *       PostgreSQL's clock).</li>
 *   <li>Correctness: the rows of each pipeline by operation equal the workload's own count.</li>
 * </ol>
 *
 * Ours: cdc-capture and audit-sink, each in its own JVM with the heap of its distribution script.
 * Stock: one Connect worker JVM (source and sink), tuned as the issue that asked for this did:
 * producer batching and lz4, {@code poll.interval.ms=50}.
 */
final class EndToEndBenchmark {

    static final String OURS = "ours";
    static final String STOCK = "stock";
    private static final int ROWS_PER_TX = 100;
    private static final int SEED_ARTICLES = 2_000;
    private static final int SEED_COMMENTS = 4_000;

    /**
     * Each pipeline's rows as one relation (op, committed_at, written_at), so every figure and check
     * below is one query over either: ours is the audit log, stock the sink's two tables.
     */
    private static final Map<String, String> ROWS = Map.of(
            OURS, "SELECT op, committed_at, written_at FROM audit.change_log WHERE source_table IN ('app.articles', 'app.comments')",
            STOCK, "SELECT __op AS op, to_timestamp(__source_ts_ms / 1000.0) AS committed_at, written_at FROM public.stock_articles"
                    + " UNION ALL SELECT __op, to_timestamp(__source_ts_ms / 1000.0), written_at FROM public.stock_comments");

    /** What one pipeline did in one phase. */
    record Phase(String pipeline, String phase, long changes, double seconds, Map<String, Double> cpuSecondsPerKiloChange,
            Map<String, Long> peakRssMiB, double p50Millis, double p99Millis, double maxMillis) {
        double perSecond() {
            return changes / Math.max(0.001, seconds);
        }
    }

    private final EmbeddedInfrastructure infra;
    private final TestDatabase db;
    private final Workload workload;
    private final Path work;

    private EndToEndBenchmark(EmbeddedInfrastructure infra, TestDatabase db, Path work) {
        this.infra = infra;
        this.db = db;
        this.workload = new Workload(db, 20261203L);
        this.work = work;
    }

    static void run(int backlog, int seconds, List<Integer> rates) throws Exception {
        Path work = Files.createTempDirectory("cdc-bench-e2e-");
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.create().withPostgresSettings(BenchDatabase.SERVER_SETTINGS)
                .startAll()) {
            TestDatabase db = BenchDatabase.create(infra, "bench_e2e");
            EndToEndBenchmark bench = new EndToEndBenchmark(infra, db, work);
            bench.workload.seed(SEED_ARTICLES, SEED_COMMENTS);
            // The stock sink's tables, made as its schema evolution would (the source's columns, all nullable, and the
            // unwrap's __deleted, __op and __source_ts_ms), plus written_at to measure; the sink refuses to add NOT
            // NULL columns to a table it did not create.
            for (String table : List.of("articles", "comments")) {
                db.execute("CREATE TABLE public.stock_" + table + " AS SELECT * FROM app." + table + " WITH NO DATA;"
                        + " ALTER TABLE public.stock_" + table + " ADD COLUMN __deleted text, ADD COLUMN __op text,"
                        + " ADD COLUMN __source_ts_ms bigint, ADD COLUMN written_at timestamptz NOT NULL DEFAULT clock_timestamp()");
            }
            db.execute("SELECT pg_create_logical_replication_slot('slot_ours', 'pgoutput');"
                    + " SELECT pg_create_logical_replication_slot('slot_stock', 'pgoutput')");
            long start = System.nanoTime();
            Counts backlogCounts = bench.workload.commit(backlog, 0);
            System.out.printf(Locale.ROOT, "backlog: %,d changes committed in %.1f s (%s)%n", backlog,
                    (System.nanoTime() - start) / 1e9, backlogCounts);

            List<Phase> phases = new ArrayList<>();
            // 1. Each pipeline drains the same backlog from its own slot, starting cold.
            try (Ours ours = bench.startOurs()) {
                phases.add(bench.drain(OURS, ours.processes(), backlogCounts.total(), () -> bench.rows(OURS)));
            }
            Counts stockExpected = backlogCounts;
            try (KafkaConnectWorker stock = bench.startStock()) {
                phases.add(bench.drain(STOCK, Map.of("connect", stock.pid()), backlogCounts.total(), () -> bench.stockRows(stock)));
                // 2. Steady rates, stock first, as it runs now.
                for (int rate : rates) {
                    Counts steady = bench.workload.commit(rate * seconds, rate);
                    stockExpected = stockExpected.plus(steady);
                    phases.add(bench.steady(STOCK, rate, steady, stockExpected.total(), () -> bench.stockRows(stock)));
                }
            }
            // Ours again: it first catches up with the changes of stock's phases (so it is warm too), then its own.
            Counts oursExpected = stockExpected;
            try (Ours ours = bench.startOurs()) {
                bench.awaitRows(OURS, oursExpected.total(), () -> bench.rows(OURS));
                for (int rate : rates) {
                    Counts steady = bench.workload.commit(rate * seconds, rate);
                    oursExpected = oursExpected.plus(steady);
                    phases.add(bench.steady(OURS, rate, steady, oursExpected.total(), () -> bench.rows(OURS)));
                }
            }
            Counts oursByOp = bench.byOp(OURS);
            Counts stockByOp = bench.byOp(STOCK);
            report(phases, oursExpected, oursByOp, stockExpected, stockByOp, backlog, seconds);
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    // ---- the two pipelines ---------------------------------------------------------------------

    /** cdc-capture and audit-sink, in their own JVMs, with the heaps their distribution scripts give them. */
    private record Ours(ServiceProcess capture, ServiceProcess sink) implements AutoCloseable {
        Map<String, Long> processes() {
            return Map.of("capture", capture.process.pid(), "audit-sink", sink.process.pid());
        }

        @Override
        public void close() throws InterruptedException {
            capture.close();
            sink.close();
        }
    }

    private Ours startOurs() {
        Map<String, String> capture = BenchDatabase.captureEnv(infra, db, OURS);
        capture.put("CAPTURE_TABLES", "app\\.articles,app\\.comments");
        Map<String, String> sink = new HashMap<>(db.passwordEnv("audit_user", BenchDatabase.PASSWORD));
        sink.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        sink.put("KAFKA_TOPIC_PREFIX", OURS);
        sink.put("KAFKA_REPLICATION_FACTOR", "1");
        sink.put("KAFKA_GROUP_INSTANCE_ID", "bench-audit-sink");
        sink.putAll(LocalCheckpoints.env(work.resolve("checkpoints")));
        sink.put("METRICS_BIND", "127.0.0.1");
        return new Ours(ServiceProcess.startWithHeap("capture", CaptureService.class.getName(), capture, work, "512m"),
                ServiceProcess.startWithHeap("audit-sink", AuditSinkService.class.getName(), sink, work, "384m"));
    }

    /** One stock Connect worker: the Debezium PostgreSQL source and the Debezium JDBC sink, tuned. */
    private KafkaConnectWorker startStock() {
        PostgresServer pg = infra.postgres();
        var cdcCert = pg.tls().client("cdc_user");
        Map<String, String> source = new LinkedHashMap<>();
        source.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        source.put("tasks.max", "1");
        source.put("database.hostname", pg.host());
        source.put("database.port", Integer.toString(pg.port()));
        source.put("database.user", "cdc_user");
        source.put("database.dbname", db.name());
        source.put("database.sslmode", "verify-full");
        source.put("database.sslrootcert", pg.tls().caCertificate().toString());
        source.put("database.sslcert", cdcCert.certificate().toString());
        source.put("database.sslkey", cdcCert.privateKey().toString());
        source.put("topic.prefix", STOCK);
        source.put("plugin.name", "pgoutput");
        source.put("slot.name", "slot_stock");
        source.put("publication.name", "cdc_pub");
        source.put("publication.autocreate.mode", "disabled");
        source.put("table.include.list", "app.articles,app.comments");
        source.put("snapshot.mode", "no_data");
        source.put("poll.interval.ms", "50");
        source.put("topic.creation.default.replication.factor", "1");
        source.put("topic.creation.default.partitions", "3");
        Map<String, String> sink = new LinkedHashMap<>();
        sink.put("connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector");
        sink.put("tasks.max", "1");
        sink.put("topics", STOCK + ".app.articles," + STOCK + ".app.comments");
        sink.put("connection.url", db.jdbcUrlWithClientCertificate(PostgresServer.SUPERUSER));
        sink.put("connection.username", PostgresServer.SUPERUSER);
        sink.put("insert.mode", "insert");
        sink.put("primary.key.mode", "none");
        sink.put("delete.enabled", "false");
        sink.put("schema.evolution", "basic");
        // After the unwrap the records are no longer envelopes: the table name comes from the (renamed) topic.
        sink.put("collection.name.format", "${topic}");
        sink.put("batch.size", "2000");
        sink.put("transforms", "unwrap,route");
        sink.put("transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState");
        sink.put("transforms.unwrap.delete.tombstone.handling.mode", "rewrite");
        sink.put("transforms.unwrap.add.fields", "op,source.ts_ms");
        sink.put("transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter");
        sink.put("transforms.route.regex", STOCK + "\\.app\\.(.*)");
        sink.put("transforms.route.replacement", "stock_$1");
        sink.put("consumer.override.auto.offset.reset", "earliest");
        sink.put("consumer.override.max.poll.records", "2000");
        Map<String, String> worker = Map.of(
                "producer.linger.ms", "20",
                "producer.batch.size", "262144",
                "producer.compression.type", "lz4",
                "offset.flush.interval.ms", "1000");
        return KafkaConnectWorker.start(work.resolve("connect"), infra.kafka().bootstrapServers(), worker,
                Map.of("stock-source", source, "stock-sink", sink));
    }

    private long rows(String pipeline) throws SQLException {
        return single("SELECT count(*) FROM (" + ROWS.get(pipeline) + ") r");
    }

    /** The stock rows, failing with the worker's own explanation when a connector failed. */
    private long stockRows(KafkaConnectWorker stock) throws SQLException {
        stock.assertHealthy("stock-source");
        stock.assertHealthy("stock-sink");
        return rows(STOCK);
    }

    // ---- phases --------------------------------------------------------------------------------

    /** Waits until {@code expected} rows are written; the rate from the rows' written_at, CPU over the same span. */
    private Phase drain(String pipeline, Map<String, Long> processes, long expected, Callable<Long> rows) throws Exception {
        awaitRows(pipeline, 1, rows);
        Map<String, Double> cpuAtFirst = cpuSeconds(processes);
        awaitRows(pipeline, expected, rows);
        Map<String, Double> cpuAtEnd = cpuSeconds(processes);
        double seconds = spanSeconds(pipeline);
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (String name : processes.keySet()) {
            double used = cpuAtEnd.get(name) - cpuAtFirst.get(name);
            cpu.put(name, used / expected * 1000);
        }
        Map<String, Long> rss = new LinkedHashMap<>();
        processes.forEach((name, pid) -> rss.put(name, ProcessMemory.peakRssMiB(pid)));
        System.out.printf(Locale.ROOT, "%-5s drain: %,d changes in %.2f s = %,.0f changes/s; CPU s per 1,000 changes %s;"
                + " peak RSS MiB %s%n", pipeline, expected, seconds, expected / seconds, format(cpu), rss);
        return new Phase(pipeline, "drain", expected, seconds, cpu, rss, Double.NaN, Double.NaN, Double.NaN);
    }

    /** The paced changes were committed by the workload already: wait until written, then the latencies of that phase. */
    private Phase steady(String pipeline, int rate, Counts changes, long expectedTotal, Callable<Long> rows) throws Exception {
        awaitRows(pipeline, expectedTotal, rows);
        double[] q;
        try (Connection c = db.superuserConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms),"
                        + " max(ms), count(*) FROM (SELECT extract(epoch FROM written_at - committed_at) * 1000 AS ms FROM ("
                        + ROWS.get(pipeline) + ") r WHERE committed_at >= ?) l")) {
            s.setTimestamp(1, workload.lastPhaseStart());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                q = new double[] {rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4)};
            }
        }
        System.out.printf(Locale.ROOT, "%-5s %,6d changes/s for %s: commit -> row p50 %.0f ms, p99 %.0f ms, max %.0f ms (%,d rows)%n",
                pipeline, rate, workload.lastPhaseDuration(), q[0], q[1], q[2], (long) q[3]);
        return new Phase(pipeline, rate + "/s", changes.total(), workload.lastPhaseDuration().toMillis() / 1000.0, Map.of(),
                Map.of(), q[0], q[1], q[2]);
    }

    private void awaitRows(String pipeline, long expected, Callable<Long> rows) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        long n;
        while ((n = rows.call()) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pipeline + " wrote " + n + " of " + expected + " rows in 20 minutes");
            }
            Thread.sleep(250);
        }
    }

    /** Seconds between the first and the last row the drain wrote. */
    private double spanSeconds(String pipeline) throws SQLException {
        String sql = "SELECT extract(epoch FROM max(written_at) - min(written_at)) FROM (" + ROWS.get(pipeline) + ") r";
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    /** utime + stime of each process, from /proc (Linux). */
    static Map<String, Double> cpuSeconds(Map<String, Long> processes) throws Exception {
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (Map.Entry<String, Long> p : processes.entrySet()) {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.getValue()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
            cpu.put(p.getKey(), (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0);
        }
        return cpu;
    }

    private static String format(Map<String, Double> cpu) {
        StringBuilder text = new StringBuilder("{");
        cpu.forEach((k, v) -> text.append(text.length() > 1 ? ", " : "").append(k).append('=')
                .append(String.format(Locale.ROOT, "%.3f", v)));
        return text.append('}').toString();
    }

    private long single(String sql) throws SQLException {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Counts byOp(String pipeline) throws SQLException {
        Map<String, Long> byOp = new HashMap<>();
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT op, count(*) FROM (" + ROWS.get(pipeline) + ") r GROUP BY op")) {
            while (rs.next()) {
                byOp.put(rs.getString(1), rs.getLong(2));
            }
        }
        return new Counts(byOp.getOrDefault("c", 0L), byOp.getOrDefault("u", 0L), byOp.getOrDefault("d", 0L));
    }

    // ---- the report ----------------------------------------------------------------------------

    private static void report(List<Phase> phases, Counts oursExpected, Counts oursByOp, Counts stockExpected, Counts stockByOp,
            int backlog, int seconds) {
        Phase oursDrain = phases.stream().filter(p -> p.pipeline().equals(OURS) && p.phase().equals("drain")).findFirst().orElseThrow();
        Phase stockDrain = phases.stream().filter(p -> p.pipeline().equals(STOCK) && p.phase().equals("drain")).findFirst()
                .orElseThrow();
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%n## End to end, against stock Kafka Connect (`./cdc-pipeline bench e2e --changes %d"
                + " --seconds %d`)%n%n", backlog, seconds));
        md.append(String.format(Locale.ROOT, "Machine: %d cores, %s, Java %s.%n%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), System.getProperty("java.version")));
        md.append("| phase | ours | stock Kafka Connect (tuned) | ours / stock |\n|---|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| backlog drain, changes/s | %,.0f | %,.0f | **%.2fx** |%n", oursDrain.perSecond(),
                stockDrain.perSecond(), oursDrain.perSecond() / stockDrain.perSecond()));
        double oursCpu = oursDrain.cpuSecondsPerKiloChange().values().stream().mapToDouble(Double::doubleValue).sum();
        double stockCpu = stockDrain.cpuSecondsPerKiloChange().values().stream().mapToDouble(Double::doubleValue).sum();
        md.append(String.format(Locale.ROOT, "| drain, JVM CPU s per 1,000 changes | %s | %s | %.2fx |%n",
                format(oursDrain.cpuSecondsPerKiloChange()), format(stockDrain.cpuSecondsPerKiloChange()), oursCpu / stockCpu));
        md.append(String.format(Locale.ROOT, "| drain, peak RSS MiB | %s | %s | |%n", oursDrain.peakRssMiB(),
                stockDrain.peakRssMiB()));
        for (Phase ours : phases) {
            if (!ours.pipeline().equals(OURS) || ours.phase().equals("drain")) {
                continue;
            }
            Phase stock = phases.stream().filter(p -> p.pipeline().equals(STOCK) && p.phase().equals(ours.phase())).findFirst()
                    .orElseThrow();
            md.append(String.format(Locale.ROOT, "| %s: commit -> row p50 / p99 / max, ms | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f |"
                    + " p99 %.2fx |%n", ours.phase(), ours.p50Millis(), ours.p99Millis(), ours.maxMillis(), stock.p50Millis(),
                    stock.p99Millis(), stock.maxMillis(), ours.p99Millis() / stock.p99Millis()));
        }
        md.append(String.format(Locale.ROOT, "%nRows by operation (c / u / d): ours %s for %s committed: %s; stock %s for %s: %s.%n",
                oursByOp, oursExpected, oursByOp.equals(oursExpected) ? "exact" : "MISMATCH", stockByOp, stockExpected,
                stockByOp.equals(stockExpected) ? "exact" : "MISMATCH"));
        System.out.println(md);
        if (!oursByOp.equals(oursExpected)) {
            throw new IllegalStateException("the audit log does not hold exactly the committed changes");
        }
    }

    // ---- the workload --------------------------------------------------------------------------

    /** Changes by operation. */
    record Counts(long inserts, long updates, long deletes) {
        long total() {
            return inserts + updates + deletes;
        }

        Counts plus(Counts o) {
            return new Counts(inserts + o.inserts, updates + o.updates, deletes + o.deletes);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,d / %,d / %,d", inserts, updates, deletes);
        }
    }

    /**
     * 100-row transactions: 30 article and 30 comment inserts, 30 article updates, 10 deletes of
     * the oldest comments. As the superuser (no row-level security on the way).
     */
    static final class Workload {
        private final TestDatabase db;
        private final Random random;
        private long nextArticle;
        private long nextComment;
        private final Deque<Long> comments = new ArrayDeque<>();
        private java.sql.Timestamp lastStart;
        private Duration lastDuration = Duration.ZERO;

        Workload(TestDatabase db, long seed) {
            this.db = db;
            this.random = new Random(seed);
        }

        void seed(int articles, int commentCount) {
            db.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'Bench', 'bench');"
                    + " INSERT INTO app.users (id, org_id, email, username, password_hash)"
                    + " SELECT g, 1, 'u' || g || '@b.io', 'u' || g, 'h' FROM generate_series(1, 100) g;"
                    + " INSERT INTO app.articles (id, org_id, author_id, slug, title, summary, status, published_at)"
                    + " SELECT g, 1, 1 + g % 100, 'a-' || g, 'Article ' || g, repeat('summary ', 10), 'published', now()"
                    + " FROM generate_series(1, " + articles + ") g;"
                    + " INSERT INTO app.comments (id, org_id, article_id, author_id, body)"
                    + " SELECT g, 1, 1 + g % " + articles + ", 1 + g % 100, 'comment ' || g FROM generate_series(1, " + commentCount + ") g");
            nextArticle = articles + 1;
            nextComment = commentCount + 1;
            for (long id = 1; id <= commentCount; id++) {
                comments.add(id);
            }
        }

        /** Commits {@code changes} (a multiple of 100), paced at {@code rate} changes/s (0: as fast as possible). */
        Counts commit(int changes, int rate) throws SQLException {
            int transactions = changes / ROWS_PER_TX;
            long started = System.nanoTime();
            try (Connection c = db.superuserConnection();
                 PreparedStatement insertArticle = c.prepareStatement("INSERT INTO app.articles (id, org_id, author_id, slug, title,"
                         + " summary, status, published_at) VALUES (?, 1, ?, ?, ?, ?, 'published', now())");
                 PreparedStatement insertComment = c.prepareStatement("INSERT INTO app.comments (id, org_id, article_id, author_id,"
                         + " body) VALUES (?, 1, ?, ?, ?)");
                 PreparedStatement update = c.prepareStatement("UPDATE app.articles SET title = ?, updated_at = now() WHERE id = ?");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM app.comments WHERE id = ?");
                 Statement now = c.createStatement()) {
                try (ResultSet rs = now.executeQuery("SELECT clock_timestamp()")) {
                    rs.next();
                    lastStart = rs.getTimestamp(1);
                }
                c.setAutoCommit(false);
                for (int tx = 0; tx < transactions; tx++) {
                    if (rate > 0) {
                        long due = started + (long) (tx * (ROWS_PER_TX * 1e9 / rate));
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                    for (int i = 0; i < 30; i++) {
                        long id = nextArticle++;
                        insertArticle.setLong(1, id);
                        insertArticle.setLong(2, 1 + random.nextInt(100));
                        insertArticle.setString(3, "a-" + id);
                        insertArticle.setString(4, "Article " + id);
                        insertArticle.setString(5, "a summary of article " + id + " of about the size of a real one");
                        insertArticle.addBatch();
                        long comment = nextComment++;
                        insertComment.setLong(1, comment);
                        insertComment.setLong(2, 1 + random.nextInt((int) Math.min(Integer.MAX_VALUE, nextArticle - 1)));
                        insertComment.setLong(3, 1 + random.nextInt(100));
                        insertComment.setString(4, "comment " + comment + ": " + "text ".repeat(8));
                        insertComment.addBatch();
                        comments.add(comment);
                        update.setString(1, "Article (revision " + random.nextInt(1_000_000) + ")");
                        update.setLong(2, 1 + random.nextInt((int) (nextArticle - 1)));
                        update.addBatch();
                    }
                    for (int i = 0; i < 10; i++) {
                        delete.setLong(1, comments.removeFirst());
                        delete.addBatch();
                    }
                    insertArticle.executeBatch();
                    insertComment.executeBatch();
                    update.executeBatch();
                    delete.executeBatch();
                    c.commit();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            lastDuration = Duration.ofNanos(System.nanoTime() - started);
            return new Counts(60L * transactions, 30L * transactions, 10L * transactions);
        }

        java.sql.Timestamp lastPhaseStart() {
            return lastStart;
        }

        Duration lastPhaseDuration() {
            return lastDuration;
        }
    }
}
