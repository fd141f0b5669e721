package io.cdcpipeline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
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
import java.util.Set;

import io.cdcpipeline.analytics.AnalyticsService;
import io.cdcpipeline.audit.AuditSinkService;
import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;
import io.cdcpipeline.cache.CacheInvalidatorService;
import io.cdcpipeline.capture.CaptureService;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.KafkaConnectWorker;
import io.cdcpipeline.testkit.PostgresServer;
import io.cdcpipeline.testkit.ServiceProcess;
import io.cdcpipeline.testkit.TestDatabase;
import io.cdcpipeline.bench.Workload.Counts;

/**
 * {@code ./cdc-pipeline bench e2e}: commit → audit row through the whole pipeline, against what a
 * user would deploy instead: stock Kafka Connect with the Debezium PostgreSQL source and the
 * Debezium JDBC sink writing every change as a row (deletes included, as Debezium's
 * {@code ExtractNewRecordState} rewrites them). Same PostgreSQL, same broker, same workload, in the
 * same run, one pipeline at a time (the machine has two cores), each from its own slot:
 *
 * <ol>
 *   <li>Warm-up (not measured): stock starts cold on a backlog of {@code backlog} changes; ours
 *       starts cold on everything committed since the slots were made.</li>
 *   <li>Steady rates: 100-row transactions (60 % inserts, 30 % updates, 10 % deletes on articles
 *       and comments) paced at each rate for {@code seconds}; p50 / p99 / max of
 *       {@code written_at − committed_at} (commit time from the change event, both from
 *       PostgreSQL's clock).</li>
 *   <li>Warm drain: the source is paused (stock: the Connect REST API's pause of the source
 *       connector; ours: capture's JVM frozen by SIGSTOP), {@code backlog} changes are committed,
 *       the source goes on. Rate = changes / (last − first of their rows written), from the rows'
 *       own {@code written_at}; CPU seconds per change of each process over the same span; peak
 *       resident memory.</li>
 *   <li>Whole pipeline (ours only; {@code --no-whole-pipeline} leaves it out): analytics-aggregator and
 *       cache-invalidator join, catch up, and one more steady phase at the first rate measures commit
 *       → audit row, and commit → cache key deleted and commit → counted from {@link PipelineProbes};
 *       the daily stats must then equal the comments counted by GROUP BY.</li>
 *   <li>Correctness: the rows of each pipeline by operation equal the workload's own count.</li>
 * </ol>
 *
 * <p>The server's WAL is that of a server past its first checkpoints ({@code --fresh-wal}: not):
 * 2 GB of WAL are written and checkpointed before the slots exist, each pipeline's measured
 * phases start after a checkpoint, and stock's slot is dropped when stock is done, so commits
 * write into recycled segments instead of zero-filling new ones. The harness learns that a phase
 * was written by looking up its last transaction's inserts by key, then counting once: counting a
 * phase's rows every 250 ms, as it did, cost PostgreSQL 250-300 ms a time on the audit log's wide
 * rows, on the same two cores as the pipeline it measured.
 *
 * Ours: cdc-capture and audit-sink, each in its own JVM with the heap of its distribution script.
 * Stock: one Connect worker JVM (source and sink), tuned as the issue that asked for this did:
 * producer batching and lz4, {@code poll.interval.ms=50}.
 */
final class EndToEndBenchmark {

    static final String OURS = "ours";
    static final String STOCK = "stock";

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
            double machineCpuSecondsPerKiloChange, Map<String, Long> peakRssMiB, double p50Millis, double p99Millis, double maxMillis) {
        double perSecond() {
            return changes / Math.max(0.001, seconds);
        }
    }

    private final EmbeddedInfrastructure infra;
    private final TestDatabase db;
    private final Workload workload;
    private final Path work;
    /** Where ours' JVMs write a flight recording (JFR, profile settings) when they stop; null: none. */
    private final Path profile;

    private EndToEndBenchmark(EmbeddedInfrastructure infra, TestDatabase db, Path work, Path profile) {
        this.profile = profile;
        this.infra = infra;
        this.db = db;
        this.workload = new Workload(db);
        this.work = work;
    }

    /** What to run: backlog size, steady phase length and rates, which pipelines, and where ours' flight recordings go (or null). */
    record Options(int backlog, int seconds, List<Integer> rates, Set<String> pipelines, Path profile, boolean wholePipeline,
                   boolean freshWal) {
    }

    /**
     * WAL written and checkpointed before the slots exist, so that stock's measured phases write
     * into recycled segments (ours' then reuse what stock and ours' own warm-up wrote, see
     * {@link #checkpoint}). Stock's part writes 0.7-0.8 GB of WAL at the defaults.
     */
    private static final int WAL_TO_RECYCLE_MB = 2048;

    static void run(Options options) throws Exception {
        int backlog = options.backlog();
        int seconds = options.seconds();
        List<Integer> rates = options.rates();
        Set<String> pipelines = options.pipelines();
        Path work = Files.createTempDirectory("cdc-bench-e2e-");
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.create().withPostgresSettings(BenchDatabase.SERVER_SETTINGS)
                .startAll()) {
            TestDatabase db = BenchDatabase.create(infra, "bench_e2e");
            EndToEndBenchmark bench = new EndToEndBenchmark(infra, db, work, options.profile());
            bench.workload.seed();
            // The stock sink's tables, made as its schema evolution would (the source's columns, all nullable, and the
            // unwrap's __deleted, __op and __source_ts_ms), plus written_at to measure; the sink refuses to add NOT
            // NULL columns to a table it did not create.
            for (String table : List.of("articles", "comments")) {
                db.execute("CREATE TABLE public.stock_" + table + " AS SELECT * FROM app." + table + " WITH NO DATA;"
                        + " ALTER TABLE public.stock_" + table + " ADD COLUMN __deleted text, ADD COLUMN __op text,"
                        + " ADD COLUMN __source_ts_ms bigint, ADD COLUMN written_at timestamptz NOT NULL DEFAULT clock_timestamp();"
                        // What an audit table is looked up by (ours has a unique index on the source key): the
                        // harness finds a transaction's rows through it instead of scanning.
                        + " CREATE INDEX ON public.stock_" + table + " (id)");
            }
            // Before the slots exist.
            BenchDatabase.prepareWal(db, WAL_TO_RECYCLE_MB, options.freshWal());
            db.execute("SELECT pg_create_logical_replication_slot('slot_ours', 'pgoutput');"
                    + " SELECT pg_create_logical_replication_slot('slot_stock', 'pgoutput')");
            long walAtStart = bench.walPosition();
            List<Phase> phases = new ArrayList<>();
            List<String> extraRows = new ArrayList<>();
            Counts committed = new Counts(0, 0, 0);
            Counts stockExpected = null;
            if (pipelines.contains(STOCK)) {
                // Stock: a cold start on a backlog (its warm-up, not measured), the steady rates, then the warm drain.
                committed = committed.plus(bench.backlog(backlog));
                try (KafkaConnectWorker stock = bench.startStock()) {
                    Written rows = bench.written(STOCK, () -> {
                        stock.assertHealthy("stock-source");
                        stock.assertHealthy("stock-sink");
                    });
                    bench.awaitWritten(STOCK, rows, EVERYTHING, committed.total());
                    bench.checkpoint("slot_stock", options.freshWal());
                    for (int rate : rates) {
                        bench.settle("slot_stock");
                        Counts steady = bench.steadyLoad(rate, seconds);
                        committed = committed.plus(steady);
                        phases.add(bench.steady(STOCK, rate, steady, rows));
                    }
                    bench.settle("slot_stock");
                    stock.pause("stock-source");
                    long before = committed.total();
                    committed = committed.plus(bench.backlog(backlog));
                    stock.resume("stock-source");
                    phases.add(bench.drain(STOCK, Map.of("connect", stock.pid()), committed.total() - before, rows));
                }
                // Done with: its slot would keep every later segment from being recycled.
                bench.dropSlot("slot_stock");
                System.out.printf(Locale.ROOT, "stock's part wrote %,d MB of WAL%n", (bench.walPosition() - walAtStart) >> 20);
                stockExpected = committed;
            }
            // Ours: a cold start catching up with everything stock was given (or a first backlog), the steady rates,
            // then the warm drain with capture frozen (SIGSTOP) while the backlog is committed.
            if (stockExpected == null) {
                committed = committed.plus(bench.backlog(backlog));
            }
            try (Ours ours = bench.startOurs()) {
                Written rows = bench.written(OURS, () -> { });
                bench.awaitWritten(OURS, rows, EVERYTHING, committed.total());
                bench.checkpoint("slot_ours", options.freshWal());
                committed = bench.oursSteady(ours, rows, rates, seconds, committed, phases);
                bench.settle("slot_ours");
                ours.capture().freeze();
                long before = committed.total();
                try {
                    committed = committed.plus(bench.backlog(backlog));
                } finally {
                    ours.capture().thaw();
                }
                phases.add(bench.drain(OURS, ours.processes(), committed.total() - before, rows));
                if (options.wholePipeline()) {
                    committed = bench.wholePipeline(rates.get(0), seconds, committed, phases, rows, extraRows);
                }
            }
            System.out.printf(Locale.ROOT, "the whole run wrote %,d MB of WAL%n", (bench.walPosition() - walAtStart) >> 20);
            bench.printCostliestStatements();
            Counts oursExpected = committed;
            report(phases, oursExpected, bench.byOp(OURS), stockExpected, stockExpected == null ? null : bench.byOp(STOCK), backlog,
                    seconds, extraRows);
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
        // Views and favorites too: analytics-aggregator waits for their topics (the workload writes none).
        capture.put("CAPTURE_TABLES", "app\\.articles,app\\.comments,app\\.article_views,app\\.user_favorites");
        Map<String, String> sink = new HashMap<>(db.passwordEnv("audit_user", BenchDatabase.PASSWORD));
        sink.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        sink.put("KAFKA_TOPIC_PREFIX", OURS);
        sink.put("KAFKA_REPLICATION_FACTOR", "1");
        sink.put("KAFKA_GROUP_INSTANCE_ID", "bench-audit-sink");
        sink.putAll(LocalCheckpoints.env(work.resolve("checkpoints")));
        sink.put("METRICS_BIND", "127.0.0.1");
        return new Ours(ServiceProcess.startWithHeap("capture", CaptureService.class.getName(), capture, work, DistributionHeaps.CAPTURE,
                        recording("capture")),
                ServiceProcess.startWithHeap("audit-sink", AuditSinkService.class.getName(), sink, work, DistributionHeaps.AUDIT_SINK,
                        recording("audit-sink")));
    }

    /** The JVM options of a flight recording of {@code name}'s whole run, or none. */
    private String[] recording(String name) {
        if (profile == null) {
            return new String[0];
        }
        Path file = profile.resolve(name + "-" + System.currentTimeMillis() + ".jfr");
        return new String[] {"-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + file};
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

    /** Ours at each steady rate, with what its audit-sink's batches looked like; returns the changes committed so far. */
    private Counts oursSteady(Ours ours, Written rows, List<Integer> rates, int seconds, Counts expected, List<Phase> phases)
            throws Exception {
        for (int rate : rates) {
            settle("slot_ours");
            double[] batchesBefore = sinkBatches(ours.sink());
            Counts steady = steadyLoad(rate, seconds);
            expected = expected.plus(steady);
            phases.add(steady(OURS, rate, steady, rows));
            printSinkBatches(batchesBefore, sinkBatches(ours.sink()));
        }
        return expected;
    }

    /**
     * One steady phase's load, and how much of a core the JIT compilers of the run's JVMs took
     * meanwhile: on two cores, compilers still busy made capture wait for a CPU and stall 100-330 ms
     * in {@code bench cache} (docs/benchmarks.md), so a phase's tail is read against this figure.
     */
    private Counts steadyLoad(int rate, int seconds) throws Exception {
        JitActivity jit = JitActivity.ofThisRun();
        JitActivity.Mark start = jit.mark();
        Counts steady = workload.commit(rate * seconds, rate);
        System.out.printf(Locale.ROOT, "      the %d JVMs' JIT compilers used %.0f %% of a core during the phase%n", jit.jvmCount(),
                jit.coreShareSince(start) * 100);
        return steady;
    }

    /** audit-sink's batches so far: count, seconds spent applying them, records in them (its own meters). */
    private static double[] sinkBatches(ServiceProcess sink) {
        double[] figures = new double[3];
        String text = sink.get("/metrics").map(r -> r.body()).orElse("");
        for (String line : text.split("\n")) {
            String[] parts = line.split(" ");
            if (parts.length < 2 || line.startsWith("#")) {
                continue;
            }
            if (parts[0].startsWith("audit_sink_batch_latency_seconds_count")) {
                figures[0] += Double.parseDouble(parts[1]);
            } else if (parts[0].startsWith("audit_sink_batch_latency_seconds_sum")) {
                figures[1] += Double.parseDouble(parts[1]);
            } else if (parts[0].startsWith("audit_sink_batch_size_sum")) {
                figures[2] += Double.parseDouble(parts[1]);
            }
        }
        return figures;
    }

    private static void printSinkBatches(double[] before, double[] after) {
        double batches = after[0] - before[0];
        System.out.printf(Locale.ROOT, "      audit-sink: %,.0f batches of %.0f records on average, %.1f ms each to apply%n", batches,
                (after[2] - before[2]) / Math.max(1, batches), (after[1] - before[1]) * 1000 / Math.max(1, batches));
    }

    /**
     * What a pipeline has written, as the harness polls it on the same two cores: a count of the
     * rows of the changes committed since a time (a scan of the phase's rows: about 300 ms of
     * PostgreSQL for a phase of the audit log's wide rows, so polled seldom), and how many of one
     * transaction's inserts it wrote (a lookup by key, cheap enough to poll often).
     */
    private interface Written {
        long since(Timestamp since) throws Exception;

        long of(Workload.Inserted transaction) throws Exception;
    }

    /** Before every change of the run: a count since then is the whole count. */
    private static final Timestamp EVERYTHING = new Timestamp(0);

    /**
     * Each pipeline's lookup of one transaction's inserted rows by key (articles' ids, then
     * comments'): ours through the audit log's unique index on (source_table, primary_key, ...),
     * stock through the index on id of its tables.
     */
    private static final Map<String, String> INSERTED = Map.of(
            OURS, "SELECT (SELECT count(*) FROM audit.change_log WHERE source_table = 'app.articles' AND op = 'c' AND primary_key"
                    + " = ANY (ARRAY(SELECT jsonb_build_object('id', g) FROM generate_series(?::bigint, ?::bigint) g)))"
                    + " + (SELECT count(*) FROM audit.change_log WHERE source_table = 'app.comments' AND op = 'c' AND primary_key"
                    + " = ANY (ARRAY(SELECT jsonb_build_object('id', g) FROM generate_series(?::bigint, ?::bigint) g)))",
            STOCK, "SELECT (SELECT count(*) FROM public.stock_articles WHERE __op = 'c' AND id BETWEEN ? AND ?)"
                    + " + (SELECT count(*) FROM public.stock_comments WHERE __op = 'c' AND id BETWEEN ? AND ?)");

    /** {@code pipeline}'s rows; {@code healthCheck} runs before each look and fails with the reason the pipeline stopped. */
    private Written written(String pipeline, Runnable healthCheck) {
        return new Written() {
            @Override
            public long since(Timestamp since) throws SQLException {
                healthCheck.run();
                // At millisecond precision, as both pipelines' commit times are (Debezium's ts_ms).
                return single("SELECT count(*) FROM (" + ROWS.get(pipeline) + ") r WHERE committed_at >= date_trunc('milliseconds',"
                        + " ?::timestamptz)", since);
            }

            @Override
            public long of(Workload.Inserted tx) throws SQLException {
                healthCheck.run();
                long last = Workload.Inserted.EACH - 1;
                return single(INSERTED.get(pipeline), tx.firstArticle(), tx.firstArticle() + last, tx.firstComment(),
                        tx.firstComment() + last);
            }
        };
    }

    // ---- phases --------------------------------------------------------------------------------

    /** Probes per second of each kind in the whole-pipeline phase: 300 in a 30 s phase, 2 % of its changes at 1,000/s. */
    private static final int PROBES_PER_SECOND = 10;

    /**
     * Ours as a whole: analytics-aggregator and cache-invalidator join capture and audit-sink (each
     * in its own JVM with its distribution heap), catch up with everything committed so far, then
     * one steady phase at {@code rate}: commit → audit row as in the other phases, and commit →
     * key deleted and commit → counted from {@link PipelineProbes}. Afterwards the daily stats must
     * equal the comments table counted by GROUP BY.
     */
    private Counts wholePipeline(int rate, int seconds, Counts expected, List<Phase> phases, Written rows,
                                 List<String> extraRows) throws Exception {
        Map<String, String> analyticsEnv = BenchDatabase.analyticsEnv(infra, db, OURS, "bench-analytics", work.resolve("analytics-state"));
        Map<String, String> cacheEnv = BenchDatabase.cacheEnv(infra, OURS, "bench-cache", "e2e:");
        try (PipelineProbes probes = new PipelineProbes(db, infra.redis().host(), infra.redis().port(), "e2e:",
                PROBES_PER_SECOND * seconds + 1);
             ServiceProcess analytics = ServiceProcess.startWithHeap("analytics-aggregator", AnalyticsService.class.getName(),
                     analyticsEnv, work, DistributionHeaps.ANALYTICS_AGGREGATOR, recording("analytics-aggregator"));
             ServiceProcess cache = ServiceProcess.startWithHeap("cache-invalidator", CacheInvalidatorService.class.getName(),
                     cacheEnv, work, DistributionHeaps.CACHE_INVALIDATOR, recording("cache-invalidator"))) {
            long start = System.nanoTime();
            expected = expected.plus(probes.prepare());
            expected = expected.plus(probes.awaitCaughtUp(Duration.ofMinutes(15)));
            System.out.printf(Locale.ROOT, "ours: analytics-aggregator and cache-invalidator caught up in %.1f s%n",
                    (System.nanoTime() - start) / 1e9);
            settle("slot_ours");
            Timestamp probesStart = clockTimestamp();
            java.util.concurrent.CompletableFuture<Counts> probing = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return probes.run(Duration.ofSeconds(seconds), PROBES_PER_SECOND);
                } catch (Exception e) {
                    throw new IllegalStateException("the probes failed", e);
                }
            });
            Counts steady = steadyLoad(rate, seconds);
            Counts probed = probing.get();
            expected = expected.plus(steady).plus(probed);
            String label = rate + "/s, whole pipeline";
            phases.add(steady(OURS, label, rate, steady.plus(probed), probesStart, rows));
            PipelineProbes.Result result = probes.result(Duration.ofMinutes(2));
            String deleted = result.describe(result.cacheMillis(), result.cacheProbes());
            String counted = result.describe(result.countMillis(), result.countProbes());
            System.out.printf(Locale.ROOT, "      commit -> cache key deleted %s%n      commit -> counted %s%n", deleted, counted);
            extraRows.add("| " + label + ": commit -> cache key deleted (probes), ms | " + deleted + " | - | |");
            extraRows.add("| " + label + ": commit -> counted in article_daily_stats (probes), ms | " + counted + " | - | |");
            if (result.cacheMillis().length < result.cacheProbes() || result.countMillis().length < result.countProbes()) {
                throw new IllegalStateException("probes lost: " + deleted + "; " + counted);
            }
            String rss = String.format(Locale.ROOT, "analytics-aggregator %d, cache-invalidator %d",
                    ProcessMemory.peakRssMiB(analytics.process.pid()), ProcessMemory.peakRssMiB(cache.process.pid()));
            System.out.println("      peak RSS MiB: " + rss);
            extraRows.add("| " + label + ": peak RSS MiB | " + rss + " | - | |");
            awaitCountsExact(Duration.ofMinutes(5));
            extraRows.add("| " + label + ": article_daily_stats against GROUP BY over app.comments | exact | - | |");
            System.out.printf(Locale.ROOT, "      article_daily_stats equal the comments counted by GROUP BY%n");
        }
        return expected;
    }

    /** Waits until every (article, day)'s comment count in analytics.article_daily_stats equals a GROUP BY over app.comments. */
    private void awaitCountsExact(Duration atMost) throws Exception {
        String differences = "SELECT count(*) FROM (SELECT article_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n"
                + " FROM app.comments GROUP BY 1, 2) truth FULL JOIN (SELECT article_id, day, comments AS n"
                + " FROM analytics.article_daily_stats WHERE comments <> 0) stats USING (article_id, day)"
                + " WHERE truth.n IS DISTINCT FROM stats.n";
        long deadline = System.nanoTime() + atMost.toNanos();
        long wrong;
        while ((wrong = single(differences)) > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(wrong + " (article, day) comment counts differ from app.comments after " + atMost);
            }
            Thread.sleep(1_000);
        }
    }

    /**
     * The backlog of {@code changes} just committed: waits until it is written; the rate from its
     * rows' written_at, CPU from the first transaction's first row to the last one's last.
     */
    private Phase drain(String pipeline, Map<String, Long> processes, long changes, Written rows) throws Exception {
        awaitInserted(pipeline, rows, workload.lastPhaseFirstTransaction(), 1);
        Map<String, Double> cpuAtFirst = cpuSeconds(processes);
        Map<Long, ServerProcess> serversAtFirst = serverProcesses();
        double machineAtFirst = ProcessCpu.machineCpuSeconds();
        awaitInserted(pipeline, rows, workload.lastPhaseLastTransaction(), workload.lastPhaseLastTransaction().rows());
        Map<String, Double> cpuAtEnd = cpuSeconds(processes);
        Map<Long, ServerProcess> serversAtEnd = serverProcesses();
        double machineAtEnd = ProcessCpu.machineCpuSeconds();
        awaitCount(pipeline, rows, workload.lastPhaseStart(), changes);
        double machine = (machineAtEnd - machineAtFirst) / changes * 1000;
        double seconds = spanSeconds(pipeline, workload.lastPhaseStart());
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (String name : processes.keySet()) {
            double used = cpuAtEnd.get(name) - cpuAtFirst.get(name);
            cpu.put(name, used / changes * 1000);
        }
        Map<String, Long> rss = new LinkedHashMap<>();
        processes.forEach((name, pid) -> rss.put(name, ProcessMemory.peakRssMiB(pid)));
        System.out.printf(Locale.ROOT, "%-5s drain: %,d changes in %.2f s = %,.0f changes/s; CPU s per 1,000 changes %s, whole"
                + " machine %.3f; peak RSS MiB %s%n", pipeline, changes, seconds, changes / seconds, format(cpu), machine, rss);
        System.out.println("      of which the servers' processes (alive over the whole drain), CPU s per 1,000 changes: "
                + format(serverCpuByKind(serversAtFirst, serversAtEnd, changes)));
        return new Phase(pipeline, "drain", changes, seconds, cpu, machine, rss, Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * Waits until the slot's walsender has decoded all WAL written so far. Every row a sink writes
     * into this database is WAL the walsender must decode (and filter out) before it reaches the
     * next captured commit: right after a pipeline caught up with a backlog, that tail still takes
     * seconds, and a phase started then would measure it, not the steady state.
     */
    private void settle(String slot) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Connection c = db.superuserConnection(); Statement now = c.createStatement(); PreparedStatement sent = c.prepareStatement(
                "SELECT r.sent_lsn >= ?::pg_lsn FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid"
                        + " WHERE s.slot_name = ?")) {
            String target;
            try (ResultSet rs = now.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                target = rs.getString(1);
            }
            sent.setString(1, target);
            sent.setString(2, slot);
            while (true) {
                try (ResultSet rs = sent.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(slot + "'s walsender did not reach " + target + " within 2 minutes");
                }
                Thread.sleep(100);
            }
        }
        Thread.sleep(1_000);
    }

    /**
     * Before a pipeline's measured phases, after its cold start: a checkpoint, as every server
     * makes, once the pipeline's slot no longer holds the WAL written so far. The segments behind
     * it are then renamed ahead of the insert position (recycled) instead of created, zero-filled,
     * by a committing backend during a phase: what a server past its first checkpoints does, and
     * what a fresh cluster does not. Both pipelines get it at the same point, so both start their
     * phases with the full-page images a checkpoint brings. {@code freshWal}: none, as before.
     */
    private void checkpoint(String slot, boolean freshWal) throws Exception {
        if (freshWal) {
            return;
        }
        settle(slot);
        // Stock's source sends no heartbeats: its slot may stay where its last change was (ours' holds all anyway then).
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        long held;
        // A heartbeat, then the offset flush, confirm the slot's position; until then it holds what it decoded.
        while ((held = single("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots"
                + " WHERE slot_name = ?", slot)) > 64L << 20 && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        long before = single(BenchDatabase.SEGMENTS_AHEAD);
        db.execute("CHECKPOINT");
        long ahead = single(BenchDatabase.SEGMENTS_AHEAD);
        System.out.printf(Locale.ROOT, "checkpoint before %s's phases: %s holds %,d MB of WAL; segments ahead %d -> %d%n",
                slot, slot, held >> 20, before, ahead);
    }

    /**
     * Where PostgreSQL's time went over the whole run (pg_stat_statements): the pipelines' writes,
     * and the harness's own polling, which runs on the same two cores.
     */
    private void printCostliestStatements() throws SQLException {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT calls, total_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements"
                        + " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                        + " ORDER BY total_exec_time DESC LIMIT 10")) {
            System.out.println("PostgreSQL's costliest statements (calls, total s, statement):");
            while (rs.next()) {
                System.out.printf(Locale.ROOT, "  %,9d %8.1f  %s%n", rs.getLong(1), rs.getDouble(2) / 1000, rs.getString(3));
            }
        }
    }

    private Timestamp clockTimestamp() throws SQLException {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }

    /** The WAL insert position, in bytes. */
    private long walPosition() throws SQLException {
        return single("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
    }

    /** Drops a slot once its walsender has gone (the pipeline was just stopped). */
    private void dropSlot(String slot) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (single("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active", slot) > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(slot + " is still in use 30 s after its pipeline stopped");
            }
            Thread.sleep(200);
        }
        single("SELECT count(pg_drop_replication_slot(?))", slot);
    }

    /** {@code changes} committed as fast as the workload can, while the pipeline is paused. */
    private Counts backlog(int changes) throws SQLException {
        long start = System.nanoTime();
        Counts counts = workload.commit(changes, 0);
        System.out.printf(Locale.ROOT, "backlog: %,d changes committed in %.1f s (%s)%n", changes, (System.nanoTime() - start) / 1e9,
                counts);
        return counts;
    }

    /** The paced changes were committed by the workload already: wait until written, then the latencies of that phase. */
    private Phase steady(String pipeline, int rate, Counts changes, Written rows) throws Exception {
        return steady(pipeline, rate + "/s", rate, changes, workload.lastPhaseStart(), rows);
    }

    /** {@code changes} were committed since {@code since}; the latencies are those of the workload's own (its last phase). */
    private Phase steady(String pipeline, String label, int rate, Counts changes, Timestamp since, Written rows)
            throws Exception {
        awaitWritten(pipeline, rows, since, changes.total());
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
        if (pipeline.equals(OURS)) {
            // Where ours spends it: commit -> captured (Debezium's ts_ms, in capture) and captured -> row.
            try (Connection c = db.superuserConnection(); PreparedStatement s = c.prepareStatement(
                    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY cap), percentile_cont(0.99) WITHIN GROUP (ORDER BY cap),"
                            + " percentile_cont(0.5) WITHIN GROUP (ORDER BY sink), percentile_cont(0.99) WITHIN GROUP (ORDER BY sink)"
                            + " FROM (SELECT extract(epoch FROM captured_at - committed_at) * 1000 AS cap,"
                            + " extract(epoch FROM written_at - captured_at) * 1000 AS sink FROM audit.change_log"
                            + " WHERE committed_at >= ?) l")) {
                s.setTimestamp(1, workload.lastPhaseStart());
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    System.out.printf(Locale.ROOT, "      of which commit -> captured p50 %.0f / p99 %.0f ms, captured -> row p50 %.0f"
                            + " / p99 %.0f ms%n", rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4));
                }
            }
            // The slowest transactions, with when they committed: to line up with a profile's timeline.
            try (Connection c = db.superuserConnection(); PreparedStatement s = c.prepareStatement(
                    "SELECT to_char(committed_at, 'HH24:MI:SS.MS'), max(extract(epoch FROM captured_at - committed_at) * 1000),"
                            + " max(extract(epoch FROM written_at - captured_at) * 1000) FROM audit.change_log WHERE committed_at >= ?"
                            + " GROUP BY committed_at ORDER BY max(extract(epoch FROM written_at - committed_at)) DESC LIMIT 5")) {
                s.setTimestamp(1, workload.lastPhaseStart());
                try (ResultSet rs = s.executeQuery()) {
                    StringBuilder slowest = new StringBuilder();
                    while (rs.next()) {
                        slowest.append(String.format(Locale.ROOT, " %s (%.0f + %.0f ms)", rs.getString(1), rs.getDouble(2),
                                rs.getDouble(3)));
                    }
                    System.out.println("      slowest commits (capture + sink):" + slowest);
                }
            }
        }
        return new Phase(pipeline, label, changes.total(), workload.lastPhaseDuration().toMillis() / 1000.0, Map.of(),
                Double.NaN, Map.of(), q[0], q[1], q[2]);
    }

    /**
     * Waits until the pipeline wrote the {@code expected} rows of the changes committed since
     * {@code since}: first the workload's last transaction by key, then the count, to be sure (a
     * partition can lag behind the others).
     */
    private void awaitWritten(String pipeline, Written rows, Timestamp since, long expected) throws Exception {
        Workload.Inserted last = workload.lastPhaseLastTransaction();
        awaitInserted(pipeline, rows, last, last.rows());
        awaitCount(pipeline, rows, since, expected);
    }

    /** Waits until the pipeline wrote at least {@code atLeast} of {@code transaction}'s inserts. */
    private void awaitInserted(String pipeline, Written rows, Workload.Inserted transaction, long atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        long n;
        while ((n = rows.of(transaction)) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pipeline + " wrote " + n + " of " + atLeast + " rows of " + transaction + " in 20 minutes");
            }
            Thread.sleep(100);
        }
    }

    private void awaitCount(String pipeline, Written rows, Timestamp since, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        long n;
        while ((n = rows.since(since)) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pipeline + " wrote " + n + " of " + expected + " rows in 20 minutes");
            }
            Thread.sleep(1_000);
        }
    }

    /** Seconds between the first and the last row written of the changes committed since {@code since}. */
    private double spanSeconds(String pipeline, Timestamp since) throws SQLException {
        String sql = "SELECT extract(epoch FROM max(written_at) - min(written_at)) FROM (" + ROWS.get(pipeline) + ") r"
                + " WHERE committed_at >= ?";
        try (Connection c = db.superuserConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setTimestamp(1, since);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getDouble(1);
            }
        }
    }

    /** One server process's CPU seconds so far, and what kind of process it is. */
    private record ServerProcess(String kind, double cpuSeconds) {
    }

    /**
     * Every PostgreSQL and Kafka process alive now, by pid: PostgreSQL's named by its process title
     * ({@code postgres: walsender cdc_user ...} → {@code walsender cdc_user}, a client's backend →
     * {@code backend <user>}, an auxiliary process → its role), Kafka's as kafka.
     */
    private Map<Long, ServerProcess> serverProcesses() {
        Map<Long, Boolean> isPostgres = new HashMap<>();
        infra.postgres().processes().forEach(p -> isPostgres.put(p.pid(), true));
        infra.kafka().processes().forEach(p -> isPostgres.put(p.pid(), false));
        Map<Long, ServerProcess> all = new HashMap<>();
        isPostgres.forEach((pid, postgres) -> {
            try {
                all.put(pid, new ServerProcess(postgres ? postgresKind(pid) : "kafka", ProcessCpu.cpuSeconds(pid)));
            } catch (java.io.IOException gone) {
                // A backend that ended meanwhile: its CPU is in the whole machine's figure only.
            }
        });
        return all;
    }

    private static String postgresKind(long pid) throws java.io.IOException {
        String title = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ').trim();
        if (!title.startsWith("postgres: ")) {
            return "postmaster";
        }
        String[] words = title.substring("postgres: ".length()).split(" ");
        // A client's backend reads "user database host(port) state"; an auxiliary process its role.
        boolean client = words.length > 2 && words[2].contains("(");
        return words[0].equals("walsender") && words.length > 1 ? "walsender " + words[1]
                : client ? "backend " + words[0] : words[0] + (words.length > 1 ? " " + words[1] : "");
    }

    /** The CPU of the processes alive at both readings, per 1,000 changes, summed by kind; largest first. */
    private static Map<String, Double> serverCpuByKind(Map<Long, ServerProcess> first, Map<Long, ServerProcess> end, long changes) {
        Map<String, Double> byKind = new HashMap<>();
        end.forEach((pid, now) -> {
            ServerProcess before = first.get(pid);
            if (before != null) {
                byKind.merge(before.kind(), (now.cpuSeconds() - before.cpuSeconds()) / changes * 1000, Double::sum);
            }
        });
        Map<String, Double> sorted = new LinkedHashMap<>();
        byKind.entrySet().stream().filter(e -> e.getValue() >= 0.0005).sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** utime + stime of each process, from /proc (Linux). */
    static Map<String, Double> cpuSeconds(Map<String, Long> processes) throws Exception {
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (Map.Entry<String, Long> p : processes.entrySet()) {
            cpu.put(p.getKey(), ProcessCpu.cpuSeconds(p.getValue()));
        }
        return cpu;
    }

    private static String format(Map<String, Double> cpu) {
        StringBuilder text = new StringBuilder("{");
        cpu.forEach((k, v) -> text.append(text.length() > 1 ? ", " : "").append(k).append('=')
                .append(String.format(Locale.ROOT, "%.3f", v)));
        return text.append('}').toString();
    }

    /** The first column of the first row of a query's result, with its parameters bound in order. */
    private long single(String sql, Object... parameters) throws SQLException {
        try (Connection c = db.superuserConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int k = 0; k < parameters.length; k++) {
                s.setObject(k + 1, parameters[k]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
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
            int backlog, int seconds, List<String> extraRows) {
        boolean withStock = stockExpected != null;
        Phase oursDrain = phases.stream().filter(p -> p.pipeline().equals(OURS) && p.phase().equals("drain")).findFirst().orElseThrow();
        Phase stockDrain = phases.stream().filter(p -> p.pipeline().equals(STOCK) && p.phase().equals("drain")).findFirst()
                .orElse(null);
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%n## End to end, against stock Kafka Connect (`./cdc-pipeline bench e2e --changes %d"
                + " --seconds %d`)%n%n", backlog, seconds));
        md.append(String.format(Locale.ROOT, "Machine: %d cores, %s, Java %s.%n%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), System.getProperty("java.version")));
        md.append("| phase | ours | stock Kafka Connect (tuned) | ours / stock |\n|---|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| backlog drain, changes/s | %,.0f | %s | %s |%n", oursDrain.perSecond(),
                stockDrain == null ? "-" : String.format(Locale.ROOT, "%,.0f", stockDrain.perSecond()),
                stockDrain == null ? "-" : String.format(Locale.ROOT, "**%.2fx**", oursDrain.perSecond() / stockDrain.perSecond())));
        double oursCpu = oursDrain.cpuSecondsPerKiloChange().values().stream().mapToDouble(Double::doubleValue).sum();
        md.append(String.format(Locale.ROOT, "| drain, JVM CPU s per 1,000 changes | %s | %s | %s |%n",
                format(oursDrain.cpuSecondsPerKiloChange()), stockDrain == null ? "-" : format(stockDrain.cpuSecondsPerKiloChange()),
                stockDrain == null ? "-" : String.format(Locale.ROOT, "%.2fx",
                        oursCpu / stockDrain.cpuSecondsPerKiloChange().values().stream().mapToDouble(Double::doubleValue).sum())));
        md.append(String.format(Locale.ROOT, "| drain, whole machine CPU s per 1,000 changes (PostgreSQL and Kafka included) | %.3f | %s |"
                + " %s |%n", oursDrain.machineCpuSecondsPerKiloChange(), stockDrain == null ? "-"
                        : String.format(Locale.ROOT, "%.3f", stockDrain.machineCpuSecondsPerKiloChange()), stockDrain == null ? "-"
                        : String.format(Locale.ROOT, "%.2fx", oursDrain.machineCpuSecondsPerKiloChange()
                                / stockDrain.machineCpuSecondsPerKiloChange())));
        md.append(String.format(Locale.ROOT, "| drain, peak RSS MiB | %s | %s | |%n", oursDrain.peakRssMiB(),
                stockDrain == null ? "-" : stockDrain.peakRssMiB()));
        for (Phase ours : phases) {
            if (!ours.pipeline().equals(OURS) || ours.phase().equals("drain")) {
                continue;
            }
            Phase stock = phases.stream().filter(p -> p.pipeline().equals(STOCK) && p.phase().equals(ours.phase())).findFirst()
                    .orElse(null);
            md.append(String.format(Locale.ROOT, "| %s: commit -> row p50 / p99 / max, ms | %.0f / %.0f / %.0f | %s | %s |%n",
                    ours.phase(), ours.p50Millis(), ours.p99Millis(), ours.maxMillis(),
                    stock == null ? "-" : String.format(Locale.ROOT, "%.0f / %.0f / %.0f", stock.p50Millis(), stock.p99Millis(),
                            stock.maxMillis()),
                    stock == null ? "-" : String.format(Locale.ROOT, "p99 %.2fx", ours.p99Millis() / stock.p99Millis())));
        }
        extraRows.forEach(row -> md.append(row).append('\n'));
        md.append(String.format(Locale.ROOT, "%nRows by operation (c / u / d): ours %s for %s committed: %s", oursByOp, oursExpected,
                oursByOp.equals(oursExpected) ? "exact" : "MISMATCH"));
        md.append(withStock ? String.format(Locale.ROOT, "; stock %s for %s: %s.%n", stockByOp, stockExpected,
                stockByOp.equals(stockExpected) ? "exact" : "MISMATCH") : ".\n");
        System.out.println(md);
        if (!oursByOp.equals(oursExpected)) {
            throw new IllegalStateException("the audit log does not hold exactly the committed changes");
        }
    }
}
