package io.cdcpipeline.capture;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cdcpipeline.schema.Migrator;
import io.cdcpipeline.schema.Role;
import io.cdcpipeline.schema.SchemaConfig;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.KafkaBroker;
import io.cdcpipeline.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A migrated database, its own topic prefix, slot and offsets topic on the shared servers, and
 * ways to run the capture (in this JVM or as a separate process) and read what it published.
 * Shared with the sinks' tests through this module's test jar.
 */
public final class CaptureFixture {

    private static final AtomicInteger IDS = new AtomicInteger();
    /** Passwords of the service roles; roles are cluster-wide, so every fixture sets the same ones. */
    public static final String PASSWORD = "test-only-password";
    public static final ObjectMapper JSON = new ObjectMapper();

    public final TestDatabase db;
    public final KafkaBroker kafka;
    public final String prefix;
    /** The environment of cdc-capture for this fixture. */
    public final Map<String, String> env;

    private CaptureFixture(TestDatabase db, KafkaBroker kafka, String prefix, Map<String, String> env) {
        this.db = db;
        this.kafka = kafka;
        this.prefix = prefix;
        this.env = env;
    }

    public static CaptureFixture create(String hint) throws SQLException {
        return create(hint, EmbeddedInfrastructure.shared().postgres());
    }

    /** The same on another PostgreSQL server (another version), with the shared Kafka. */
    public static CaptureFixture create(String hint, io.cdcpipeline.testkit.PostgresServer postgres) throws SQLException {
        return create(hint, postgres, true);
    }

    /** {@code withExample} false: only the pipeline's own objects, as in a database of the user's own tables. */
    public static CaptureFixture create(String hint, io.cdcpipeline.testkit.PostgresServer postgres, boolean withExample)
            throws SQLException {
        EmbeddedInfrastructure infra = EmbeddedInfrastructure.shared();
        TestDatabase db = postgres.createDatabase(hint);
        Map<String, String> schemaEnv = new HashMap<>(db.superuserEnv());
        schemaEnv.put("SCHEMA_EXAMPLE", String.valueOf(withExample));
        for (Role role : Role.values()) {
            if (role != Role.CDC_USER) {
                schemaEnv.put(role.passwordSetting().name(), PASSWORD);
            }
        }
        if (!new Migrator(SchemaConfig.from(schemaEnv)).migrate(Optional.empty()).ok()) {
            throw new IllegalStateException("schema verification failed");
        }
        String prefix = "cap" + IDS.incrementAndGet() + UUID.randomUUID().toString().substring(0, 4);
        Map<String, String> env = new HashMap<>(db.certificateEnv("cdc_user"));
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        env.put("KAFKA_TOPIC_PREFIX", prefix);
        env.put("CAPTURE_SLOT_NAME", "slot_" + prefix.toLowerCase());
        env.put("CAPTURE_TOPIC_PARTITIONS", "3");
        env.put("KAFKA_REPLICATION_FACTOR", "1");
        env.put("CAPTURE_HEARTBEAT_INTERVAL", "500");
        env.put("CAPTURE_OFFSET_FLUSH_INTERVAL", "500");
        env.put("CAPTURE_LEADER_CHECK_INTERVAL", "200");
        env.put("CAPTURE_RESTART_DELAY", "200");
        env.put("CAPTURE_MAX_RESTART_DELAY", "2000");
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        return new CaptureFixture(db, infra.kafka(), prefix, env);
    }

    /** The environment a sink logging in as {@code role} (with the test password) gets for this fixture. */
    public Map<String, String> serviceEnv(Role role) {
        Map<String, String> service = new HashMap<>(db.passwordEnv(role.roleName(), PASSWORD));
        service.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        service.put("METRICS_BIND", "127.0.0.1");
        service.put("METRICS_PORT", "0");
        service.put("DB_MIN_CONNECTIONS", "1");
        service.put("DB_MAX_CONNECTIONS", "4");
        return service;
    }

    public CaptureConfig config() {
        return CaptureConfig.from(env);
    }

    /** A capture running in this JVM; close() stops it cleanly. */
    public final class InProcess implements AutoCloseable {
        public final CaptureRunner runner;
        public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final Future<?> running;

        InProcess(CaptureConfig config) {
            runner = new CaptureRunner(config, registry);
            running = thread.submit(() -> {
                runner.run();
                return null;
            });
        }

        public void awaitStreaming() {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                if (running.isDone()) {
                    running.get();
                }
                return runner.isStreaming();
            });
        }

        @Override
        public void close() throws Exception {
            runner.stop();
            running.get(90, TimeUnit.SECONDS);
            thread.shutdownNow();
        }
    }

    public InProcess startInProcess() {
        return new InProcess(config());
    }

    /** Executes SQL as the superuser in this database, in one transaction. */
    public void sql(String... statements) throws SQLException {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (String statement : statements) {
                s.execute(statement);
            }
            c.commit();
        }
    }

    /**
     * A consumer of its own group, subscribed to {@code topics} from their beginning; topics that
     * appear later are found within half a second. Commits nothing.
     */
    public KafkaConsumer<String, String> consumer(Pattern topics) {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
        consumer.subscribe(topics);
        return consumer;
    }

    /** Every record on this fixture's topics (by pattern) from the beginning, until {@code done} holds or the timeout. */
    public List<ConsumerRecord<String, String>> consumeUntil(Predicate<List<ConsumerRecord<String, String>>> done, Duration timeout) {
        try (KafkaConsumer<String, String> consumer = consumer(Pattern.compile(Pattern.quote(prefix) + "\\..*"))) {
            return consumeUntil(consumer, done, timeout);
        }
    }

    /** What {@code consumer} reads from now on, until {@code done} holds of it or the timeout. */
    public static List<ConsumerRecord<String, String>> consumeUntil(KafkaConsumer<String, String> consumer,
                                                                    Predicate<List<ConsumerRecord<String, String>>> done,
                                                                    Duration timeout) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        // A new topic matching the pattern rebalances the consumer, which (committing nothing)
        // starts those partitions over: keep each record once.
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (System.nanoTime() < deadline && !done.test(records)) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
                if (seen.add(r.topic() + "/" + r.partition() + "/" + r.offset())) {
                    records.add(r);
                }
            }
        }
        return records;
    }

    /**
     * Waits until capture has published everything committed so far: Debezium confirms an LSN to
     * the slot only after the records up to it were acknowledged by Kafka and its offsets flushed
     * (heartbeats keep the confirmed LSN moving when nothing else changes).
     */
    public void awaitPublished(Duration timeout) throws SQLException {
        String slot = config().slotName();
        String target;
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            target = rs.getString(1);
        }
        org.awaitility.Awaitility.await("capture confirms " + target + " on slot " + slot).atMost(timeout)
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    try (Connection c = db.superuserConnection();
                         java.sql.PreparedStatement s = c.prepareStatement("SELECT confirmed_flush_lsn >= ?::pg_lsn"
                                 + " FROM pg_replication_slots WHERE slot_name = ?")) {
                        s.setString(1, target);
                        s.setString(2, slot);
                        try (java.sql.ResultSet rs = s.executeQuery()) {
                            return rs.next() && rs.getBoolean(1);
                        }
                    }
                });
    }

    public static JsonNode json(String text) {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static long count(List<ConsumerRecord<String, String>> records, String topic) {
        return records.stream().filter(r -> r.topic().equals(topic)).count();
    }

    public String topic(String table) {
        return prefix + ".app." + table;
    }
}
