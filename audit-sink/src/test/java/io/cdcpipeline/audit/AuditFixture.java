package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.UUID;

import org.apache.kafka.common.TopicPartition;

import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;
import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.schema.Role;
import io.cdcpipeline.testkit.oracle.AuditComparison;
import io.cdcpipeline.testkit.oracle.TruthRecorder;

/**
 * A capture plus audit-sink instances (in this JVM) for one test database, with the oracle
 * ({@link TruthRecorder}) recording every committed change from the start.
 */
final class AuditFixture implements AutoCloseable {

    final CaptureFixture capture;
    /** The capture running in this JVM, or null when the test runs capture as its own process. */
    final CaptureFixture.InProcess captureRunner;
    final String group = "audit-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<ServiceThread> sinks = new ArrayList<>();

    private AuditFixture(CaptureFixture capture, CaptureFixture.InProcess captureRunner) {
        this.capture = capture;
        this.captureRunner = captureRunner;
    }

    static AuditFixture start(String hint) throws Exception {
        return start(hint, Map.of());
    }

    /** With capture settings of the test's own (e.g. CAPTURE_JSON_SCHEMAS=true). */
    static AuditFixture start(String hint, Map<String, String> captureSettings) throws Exception {
        CaptureFixture f = withOracle(hint);
        f.env.putAll(captureSettings);
        CaptureFixture.InProcess runner = f.startInProcess();
        runner.awaitStreaming();
        return new AuditFixture(f, runner);
    }

    /** Without a capture: the test starts it (as a process it can kill). */
    static AuditFixture withoutCapture(String hint) throws Exception {
        return new AuditFixture(withOracle(hint), null);
    }

    private static CaptureFixture withOracle(String hint) throws SQLException {
        CaptureFixture f = CaptureFixture.create(hint);
        try (Connection c = f.db.superuserConnection()) {
            TruthRecorder.install(c);
        }
        return f;
    }

    /**
     * Waits until everything committed is in the log, then compares the log with the oracle: the
     * same changes, each exactly once, and nothing else.
     */
    void assertMatchesOracle(Duration timeout) throws Exception {
        awaitCaughtUp(timeout);
        try (Connection c = capture.db.superuserConnection()) {
            AuditComparison.Report report = new AuditComparison(AuditComparison.defaultNotCaptured(c)).compare(c);
            assertThat(report.exact()).as(report.describe(10)).isTrue();
            assertThat(report.expected()).as("the oracle saw the workload").isPositive();
        }
    }

    Map<String, String> sinkEnv(String... overrides) {
        Map<String, String> env = new HashMap<>(capture.serviceEnv(Role.AUDIT_USER));
        env.put("KAFKA_TOPIC_PREFIX", capture.prefix);
        env.put("AUDIT_CONSUMER_GROUP", group);
        env.put("KAFKA_REPLICATION_FACTOR", "1");
        env.put("AUDIT_CHECKPOINT_INTERVAL", "200");
        env.putAll(LocalCheckpoints.env(checkpointHome()));
        env.put("AUDIT_BATCH_RECORDS", "500");
        for (int i = 0; i < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return env;
    }

    /** This fixture's checkpoint key pair and files (under target/, generated at test time). */
    Path checkpointHome() {
        return Path.of("target", "audit-checkpoints", group).toAbsolutePath();
    }

    /** What {@code audit-sink verify} needs: a role that may read the log, Kafka, the public key and the checkpoint files. */
    Map<String, String> verifyEnv() {
        Map<String, String> env = new HashMap<>(capture.db.superuserEnv());
        env.put("KAFKA_BOOTSTRAP_SERVERS", capture.kafka.bootstrapServers());
        env.put("KAFKA_TOPIC_PREFIX", capture.prefix);
        env.putAll(LocalCheckpoints.env(checkpointHome()));
        return env;
    }

    /** An audit-sink in this JVM, wired by the production factory; closed with the fixture. */
    ServiceThread startSink(String... overrides) throws Exception {
        ServiceThread sink = new ServiceThread("audit-sink", AuditSinkService.create(sinkEnv(overrides)));
        sinks.add(sink);
        return sink;
    }

    long count(String sql) throws SQLException {
        try (Connection c = capture.db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Audit rows of the tags table: what {@link MixedWorkload} changes (its one organization row aside). */
    long auditRows() throws SQLException {
        return count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.tags'");
    }

    /**
     * Waits until everything committed so far is in the log: capture has published it, and this
     * fixture's group has stored a position at the end of every partition it reads. Stronger than
     * "the count stopped growing": nothing can arrive after it.
     */
    void awaitCaughtUp(Duration timeout) throws Exception {
        capture.awaitPublished(timeout);
        Map<TopicPartition, Long> ends = capture.kafka.topics().endOffsets(AuditSinkConfig.from(sinkEnv()).topics());
        await("audit-sink group " + group + " reaches " + ends).atMost(timeout).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Map<TopicPartition, Long> stored = storedPositions();
                    return ends.entrySet().stream().allMatch(e -> e.getValue() == 0 || stored.getOrDefault(e.getKey(), -1L) >= e.getValue());
                });
    }

    /** What {@code audit-sink verify} printed, and its exit code. */
    record Verification(int exitCode, String output) {
    }

    /** Runs {@code audit-sink verify} as a user would (one-shot command, exit code). */
    Verification verify(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        int code = AuditSinkService.verify(verifyEnv(), new java.io.PrintWriter(out, true), args);
        return new Verification(code, out.toString());
    }

    /**
     * Runs {@code verify --every} as a service until its first run ends with {@code outcome}
     * (ok or broken), and returns what it exported for the alert.
     */
    io.cdcpipeline.testkit.PrometheusText scheduledVerification(String outcome) throws Exception {
        Map<String, String> env = new HashMap<>(verifyEnv());
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        try (ServiceThread verifier = new ServiceThread("audit-verify", ScheduledVerification.create(env, java.util.Optional.empty(),
                java.util.Optional.empty(), Duration.ofHours(1)))) {
            int port = verifier.metrics().port();
            await("a scheduled verification ending " + outcome).atMost(Duration.ofSeconds(60)).until(() ->
                    io.cdcpipeline.testkit.PrometheusText.scrape(port).value("audit_verify_runs_total", "outcome", outcome).orElse(0.0) >= 1);
            return io.cdcpipeline.testkit.PrometheusText.scrape(port);
        }
    }

    /** Waits until every chain's head is covered by a published checkpoint. */
    void awaitCheckpointed(Duration timeout) {
        await("every chain checkpointed at its head").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> count(
                "SELECT count(*) FROM audit.chains WHERE head_offset IS NOT NULL AND checkpoint_offset IS DISTINCT FROM head_offset") == 0);
    }

    Map<TopicPartition, Long> storedPositions() throws SQLException {
        Map<TopicPartition, Long> stored = new HashMap<>();
        try (Connection c = capture.db.superuserConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT chain_topic, chain_partition, next_offset FROM audit.chains")) {
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    stored.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                }
            }
        }
        return stored;
    }

    @Override
    public void close() throws Exception {
        for (ServiceThread sink : sinks) {
            sink.close();
        }
        if (captureRunner != null) {
            captureRunner.close();
        }
    }
}
