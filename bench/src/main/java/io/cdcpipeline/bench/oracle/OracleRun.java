package io.cdcpipeline.bench.oracle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.cdcpipeline.analytics.AnalyticsService;
import io.cdcpipeline.audit.AuditSinkConfig;
import io.cdcpipeline.audit.AuditSinkService;
import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;
import io.cdcpipeline.bench.BenchDatabase;
import io.cdcpipeline.cache.CacheConfig;
import io.cdcpipeline.cache.CacheInvalidatorService;
import io.cdcpipeline.capture.CaptureService;
import io.cdcpipeline.testkit.ChildJvm;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.ServiceProcess;
import io.cdcpipeline.testkit.TestDatabase;
import io.cdcpipeline.testkit.oracle.AnalyticsComparison;
import io.cdcpipeline.testkit.oracle.AuditComparison;
import io.cdcpipeline.testkit.oracle.RandomWorkload;
import io.cdcpipeline.testkit.oracle.TruthRecorder;
import redis.clients.jedis.RedisClient;

/**
 * The differential check: the pipeline (capture, two audit-sink instances, analytics-aggregator
 * and cache-invalidator, each a separate process) runs while {@link RandomWorkload} writes, an
 * application reads articles through {@code LeasedCache} ({@link CacheReaders}) and faults are
 * injected. Once everything committed has been consumed it compares: {@code audit.change_log}
 * with the oracle ({@link TruthRecorder}), the chains with {@code audit-sink verify}, the daily
 * stats with SQL counts of the raw tables, and every cached article with its row.
 */
public final class OracleRun {

    /** A fault, injected once the run has made {@code at} (0..1) of its progress. */
    public record Fault(String name, double at) {
    }

    /**
     * @param targetChanges stop writing once the oracle holds this many rows (0: no limit)
     * @param duration      stop writing after this long (null: no limit)
     * @param pauseMillis   each writing connection's pause between transactions
     */
    public record Settings(long seed, int workers, long targetChanges, Duration duration, List<String> faults, long pauseMillis) {
    }

    /** What the run did and found. */
    public record Result(long seed, long oracleRows, AuditComparison.Report audit, int verifyExitCode, String verifyOutput,
                         List<String> analytics, List<String> staleCacheEntries, long cacheReads, List<String> faultsInjected,
                         String workload, Duration writing) {

        public boolean exact() {
            return audit.exact() && verifyExitCode == 0 && analytics.isEmpty() && staleCacheEntries.isEmpty();
        }

        public String describe() {
            return String.format("seed %d: %,d oracle rows written in %.0f s, faults injected: %s%n%s%nverify (exit %d): %s%n"
                            + "analytics: %s%ncache: %,d reads, %s%nworkload: %s",
                    seed, oracleRows, writing.toMillis() / 1000.0, faultsInjected, audit.describe(10), verifyExitCode,
                    verifyOutput.strip(), analytics.isEmpty() ? "article_daily_stats equals the counts of the raw tables"
                            : analytics.size() + " (article, day) differ, first: " + analytics.subList(0, Math.min(5, analytics.size())),
                    cacheReads, staleCacheEntries.isEmpty() ? "no stale entry" : staleCacheEntries.size() + " stale entries, first: "
                            + staleCacheEntries.subList(0, Math.min(5, staleCacheEntries.size())), workload);
        }
    }

    public static final String KILL_CAPTURE = "kill -9 capture";
    public static final String KILL_SINK = "kill -9 an audit-sink instance";
    public static final String ADD_SINK = "audit-sink instance added";
    public static final String REMOVE_SINK = "audit-sink instance removed";
    public static final String RESTART_POSTGRES = "PostgreSQL restart";
    public static final String RESTART_KAFKA = "Kafka broker restart";
    public static final String KILL_ANALYTICS = "kill -9 analytics-aggregator";

    private static final int BATCH_RECORDS = 500;
    private static final Duration CATCH_UP = Duration.ofMinutes(5);
    private static final Duration FAULT_WAIT = Duration.ofSeconds(20);
    private static final Duration ANALYTICS_SETTLE = Duration.ofSeconds(60);

    private final EmbeddedInfrastructure infra;
    private final TestDatabase db;
    private final Path workDir;
    private final String prefix;
    private final Map<String, String> captureEnv;
    private final Map<String, String> sinkEnv;
    private final Map<String, String> analyticsEnv;
    private final Map<String, String> cacheEnv;
    private ServiceProcess capture;
    private ServiceProcess analytics;
    private ServiceProcess cacheInvalidator;
    private final List<ServiceProcess> sinks = new ArrayList<>();
    private int started;

    private OracleRun(EmbeddedInfrastructure infra, TestDatabase db, Path workDir, String prefix) {
        this.infra = infra;
        this.db = db;
        this.workDir = workDir;
        this.prefix = prefix;
        this.captureEnv = new HashMap<>(db.certificateEnv("cdc_user"));
        captureEnv.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        captureEnv.put("KAFKA_TOPIC_PREFIX", prefix);
        captureEnv.put("CAPTURE_SLOT_NAME", "slot_" + prefix);
        captureEnv.put("CAPTURE_TOPIC_PARTITIONS", "3");
        captureEnv.put("KAFKA_REPLICATION_FACTOR", "1");
        captureEnv.put("CAPTURE_OFFSETS_TOPIC", prefix + "-offsets");
        captureEnv.put("CAPTURE_HEARTBEAT_INTERVAL", "500");
        captureEnv.put("CAPTURE_OFFSET_FLUSH_INTERVAL", "1000");
        captureEnv.put("CAPTURE_RESTART_DELAY", "200");
        captureEnv.put("CAPTURE_MAX_RESTART_DELAY", "2000");
        captureEnv.put("CAPTURE_LEADER_CHECK_INTERVAL", "200");
        captureEnv.put("METRICS_BIND", "127.0.0.1");
        this.sinkEnv = new HashMap<>(db.passwordEnv("audit_user", BenchDatabase.PASSWORD));
        sinkEnv.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        sinkEnv.put("KAFKA_TOPIC_PREFIX", prefix);
        sinkEnv.put("AUDIT_CONSUMER_GROUP", prefix + "-audit");
        sinkEnv.put("KAFKA_REPLICATION_FACTOR", "1");
        sinkEnv.put("AUDIT_BATCH_RECORDS", Integer.toString(BATCH_RECORDS));
        sinkEnv.put("AUDIT_PARALLEL_WRITERS", "2");
        sinkEnv.put("AUDIT_CHECKPOINT_INTERVAL", "1000");
        sinkEnv.putAll(LocalCheckpoints.env(workDir.resolve("audit-checkpoints")));
        sinkEnv.put("DB_MIN_CONNECTIONS", "1");
        sinkEnv.put("DB_MAX_CONNECTIONS", "4");
        sinkEnv.put("METRICS_BIND", "127.0.0.1");
        this.analyticsEnv = BenchDatabase.analyticsEnv(infra, db, prefix, prefix + "-analytics", workDir.resolve("analytics-state"));
        analyticsEnv.put("ANALYTICS_REFRESH_INTERVAL", "1000");
        analyticsEnv.put("ANALYTICS_COMMIT_INTERVAL", "200");
        analyticsEnv.put("DB_MIN_CONNECTIONS", "1");
        analyticsEnv.put("DB_MAX_CONNECTIONS", "4");
        this.cacheEnv = BenchDatabase.cacheEnv(infra, prefix, prefix + "-cache", prefix + ":");
    }

    /** A fresh migrated database with the oracle installed, on {@code infra}; nothing runs yet. */
    public static OracleRun prepare(EmbeddedInfrastructure infra, String name, Path workDir) throws Exception {
        TestDatabase db = BenchDatabase.create(infra, name);
        try (Connection c = db.superuserConnection()) {
            TruthRecorder.install(c);
        }
        return new OracleRun(infra, db, workDir, name.toLowerCase().replaceAll("[^a-z0-9]", ""));
    }

    public TestDatabase database() {
        return db;
    }

    public Result run(Settings settings) throws Exception {
        Files.createDirectories(workDir);
        capture = ServiceProcess.start("capture-" + started++, CaptureService.class.getName(), captureEnv, workDir);
        sinks.add(startSink());
        sinks.add(startSink());
        analytics = ServiceProcess.start("analytics-" + started++, AnalyticsService.class.getName(), analyticsEnv, workDir);
        cacheInvalidator = ServiceProcess.start("cache-invalidator-" + started++, CacheInvalidatorService.class.getName(), cacheEnv,
                workDir);
        awaitReady(capture);
        RandomWorkload workload = new RandomWorkload(db::superuserConnection, settings.seed(), settings.workers(),
                BATCH_RECORDS * 3, settings.pauseMillis());
        RedisClient redis = RedisClient.create(infra.redis().host(), infra.redis().port());
        CacheReaders readers = new CacheReaders(db, redis, cacheEnv.get("CACHE_KEY_PREFIX"), 2, settings.seed());
        long start = System.nanoTime();
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                workload.run(() -> progress(settings, start) >= 1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<String> injected = new ArrayList<>();
        List<String> pending = new ArrayList<>(settings.faults());
        long lastInjection = System.nanoTime();
        while (!writing.isDone() || !pending.isEmpty()) {
            double progress = faultProgress(settings, start);
            boolean due = progress >= (injected.size() + 1.0) / (settings.faults().size() + 1);
            // Once writing has ended the sinks' progress may stall short of a threshold: inject anyway.
            boolean stalled = writing.isDone() && System.nanoTime() - lastInjection > FAULT_WAIT.toNanos();
            if (!pending.isEmpty() && (due || stalled)) {
                String fault = pending.remove(0);
                inject(fault);
                injected.add(fault);
                lastInjection = System.nanoTime();
                System.out.printf("oracle run: %s at %.0f%% of the run%n", fault, progress * 100);
            }
            Thread.sleep(100);
        }
        writing.get();
        readers.stopReading();
        Duration wrote = Duration.ofNanos(System.nanoTime() - start);
        awaitCaughtUp();
        awaitConsumed(cacheEnv.get("CACHE_CONSUMER_GROUP"), CacheConfig.from(cacheEnv).topics());
        List<String> stale = readers.staleEntries();
        redis.close();
        awaitConsumed(analyticsEnv.get("ANALYTICS_APPLICATION_ID"), Pattern.compile(Pattern.quote(prefix)
                + "\\.app\\.(article_views|comments|user_favorites)"));
        List<String> analyticsDifferences = awaitAnalytics();
        AuditComparison.Report report;
        long oracleRows;
        try (Connection c = db.superuserConnection()) {
            report = new AuditComparison(AuditComparison.defaultNotCaptured(c)).compare(c);
            oracleRows = count(c, "SELECT count(*) FROM oracle.changes");
        }
        Path verifyLog = ChildJvm.logFile(workDir, "verify");
        Files.deleteIfExists(verifyLog);
        Map<String, String> verifyEnv = new HashMap<>(db.superuserEnv());
        verifyEnv.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        verifyEnv.put("KAFKA_TOPIC_PREFIX", sinkEnv.get("KAFKA_TOPIC_PREFIX"));
        verifyEnv.putAll(LocalCheckpoints.env(workDir.resolve("audit-checkpoints")));
        Process verify = ChildJvm.start("verify", workDir, AuditSinkService.class.getName(), List.of("verify"), verifyEnv,
                List.of("-Xmx512m"));
        if (!verify.waitFor(5, TimeUnit.MINUTES)) {
            verify.destroyForcibly();
        }
        return new Result(settings.seed(), oracleRows, report, verify.exitValue(), Files.readString(verifyLog),
                analyticsDifferences, stale, readers.reads.get(), injected, workload.stats().toString(), wrote);
    }

    /**
     * How far the run is, for placing faults: by time when it has a duration, else by the records
     * the sinks have consumed (so that a fault hits the pipeline while it works, not only the writer).
     */
    private double faultProgress(Settings settings, long start) {
        if (settings.duration() != null) {
            return progress(settings, start);
        }
        try {
            return storedPositions().values().stream().mapToLong(Long::longValue).sum() / (double) settings.targetChanges();
        } catch (SQLException e) {
            return 0;
        }
    }

    private void awaitReady(ServiceProcess service) throws InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (!service.ready()) {
            check(deadline, service.name + " did not report ready");
        }
    }

    private double progress(Settings settings, long start) {
        double byTime = settings.duration() == null ? 0 : (System.nanoTime() - start) / (double) settings.duration().toNanos();
        double byChanges = 0;
        if (settings.targetChanges() > 0) {
            try (Connection c = db.superuserConnection()) {
                // The sequence, not count(*): cheap on a large table (rolled-back rows only make it a little early).
                byChanges = count(c, "SELECT coalesce(max(seq), 0) FROM oracle.changes") / (double) settings.targetChanges();
            } catch (SQLException e) {
                byChanges = 0; // PostgreSQL restarting: no progress known
            }
        }
        return Math.max(byTime, byChanges);
    }

    private void inject(String fault) throws Exception {
        switch (fault) {
            case KILL_CAPTURE -> {
                capture.kill();
                capture = ServiceProcess.start("capture-" + started++, CaptureService.class.getName(), captureEnv, workDir);
            }
            case KILL_SINK -> {
                sinks.get(0).kill();
                sinks.set(0, startSink());
            }
            case ADD_SINK -> sinks.add(startSink());
            case REMOVE_SINK -> sinks.remove(sinks.size() - 1).close();
            case RESTART_POSTGRES -> {
                infra.postgres().stop();
                Thread.sleep(2000);
                infra.postgres().start();
            }
            case RESTART_KAFKA -> infra.kafka().restart();
            case KILL_ANALYTICS -> {
                analytics.kill();
                analytics = ServiceProcess.start("analytics-" + started++, AnalyticsService.class.getName(), analyticsEnv, workDir);
            }
            default -> throw new IllegalArgumentException("unknown fault: " + fault);
        }
    }

    private ServiceProcess startSink() {
        return ServiceProcess.start("audit-sink-" + started++, AuditSinkService.class.getName(), sinkEnv, workDir);
    }

    /**
     * Everything committed is in the log: capture confirmed the current WAL position to its slot
     * (it does so only after Kafka acknowledged the records up to it), and the sinks' group has
     * stored a position at the end of every partition it reads.
     */
    private void awaitCaughtUp() throws Exception {
        String target;
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            target = rs.getString(1);
        }
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (!slotConfirmed(target)) {
            check(deadline, "capture did not confirm " + target + " to its slot");
        }
        Map<TopicPartition, Long> ends = infra.kafka().topics().endOffsets(AuditSinkConfig.from(sinkEnv).topics());
        while (!reached(ends)) {
            check(deadline, "audit-sink did not reach " + ends + "; stored " + storedPositions());
        }
    }

    /** Waits until consumer group {@code group} has committed the end of every partition of {@code topics}. */
    private void awaitConsumed(String group, Pattern topics) throws Exception {
        Map<TopicPartition, Long> ends = infra.kafka().topics().endOffsets(topics);
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafka().bootstrapServers()))) {
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                if (ends.entrySet().stream().allMatch(e -> e.getValue() == 0 || (committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() >= e.getValue()))) {
                    return;
                }
                check(deadline, "consumer group " + group + " did not reach " + ends + "; committed " + committed);
            }
        }
    }

    /**
     * The stats sink's own group reads a transactional topic (its committed offset can stay one
     * short of the end, a transaction marker): with the topology caught up, the counts must agree
     * within a short wait, or the differences are reported.
     */
    private List<String> awaitAnalytics() throws Exception {
        long deadline = System.nanoTime() + ANALYTICS_SETTLE.toNanos();
        while (true) {
            List<String> differences;
            try (Connection c = db.superuserConnection()) {
                differences = AnalyticsComparison.differences(c);
            }
            if (differences.isEmpty() || System.nanoTime() > deadline) {
                return differences;
            }
            Thread.sleep(500);
        }
    }

    private void check(long deadline, String what) throws InterruptedException {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(what + " within " + CATCH_UP + " (logs in " + workDir + ")");
        }
        Thread.sleep(200);
    }

    private boolean slotConfirmed(String lsn) throws SQLException {
        try (Connection c = db.superuserConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, lsn);
            s.setString(2, captureEnv.get("CAPTURE_SLOT_NAME"));
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private boolean reached(Map<TopicPartition, Long> ends) throws SQLException {
        Map<TopicPartition, Long> stored = storedPositions();
        return ends.entrySet().stream().allMatch(e -> e.getValue() == 0 || stored.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }

    private Map<TopicPartition, Long> storedPositions() throws SQLException {
        Map<TopicPartition, Long> stored = new HashMap<>();
        try (Connection c = db.superuserConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT chain_topic, chain_partition, next_offset FROM audit.chains")) {
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    stored.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                }
            }
        }
        return stored;
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Stops every process of the run (the servers belong to the caller). */
    public void stop() throws InterruptedException {
        if (capture != null) {
            capture.close();
        }
        for (ServiceProcess sink : sinks) {
            sink.close();
        }
        sinks.clear();
        for (ServiceProcess service : new ServiceProcess[] {analytics, cacheInvalidator}) {
            if (service != null) {
                service.close();
            }
        }
    }
}
