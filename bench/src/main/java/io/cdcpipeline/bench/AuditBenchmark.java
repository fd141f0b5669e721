package io.cdcpipeline.bench;

import io.cdcpipeline.common.service.ServiceThread;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cdcpipeline.audit.AuditSinkService;
import io.cdcpipeline.capture.CaptureService;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.ServiceProcess;
import io.cdcpipeline.testkit.TestDatabase;
import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;

/**
 * audit-sink throughput and latency.
 *
 * <ol>
 *   <li>Throughput: 500,000 change events pre-loaded on a change topic, written by audit-sink
 *       (batches, COPY, one transaction per batch), against the same events written one row per
 *       transaction (parse, hash, INSERT, COMMIT) in a second database, measured in the same run.
 *       Rates come from the rows' own {@code written_at} span.</li>
 *   <li>Latency: the whole pipeline (capture + audit-sink, each in its own JVM with the
 *       distribution's heap) at a steady 2,000 changes/s for 30 s after 15 s of the same load;
 *       p50/p99 of {@code written_at - committed_at}, both stamped by the same PostgreSQL clock.</li>
 * </ol>
 */
final class AuditBenchmark {

    private static final int EVENTS = 500_000;
    /** Distinct tags (rows, and so data subjects) the pre-loaded events change. */
    private static final int TAGS = 50_000;
    private static final int WARM_UP_EVENTS = 200_000;
    private static final int BASELINE_EVENTS = 20_000;
    private static final int RATE = 2_000;
    private static final Duration STEADY = Duration.ofSeconds(30);
    private static final Duration WARM_UP = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.create().withPostgresSettings(BenchDatabase.SERVER_SETTINGS).startAll()) {
            TestDatabase db = BenchDatabase.create(infra, "bench_audit");
            TestDatabase baselineDb = BenchDatabase.create(infra, "bench_audit_baseline");
            String prefix = "auditbench";
            String topic = prefix + ".app.tags";
            infra.kafka().topics().create(topic, 4);
            infra.kafka().topics().create(prefix + ".message", 4);
            long loadStart = System.nanoTime();
            preload(infra.kafka().bootstrapServers(), topic, EVENTS);
            System.out.printf("pre-loaded %,d change events in %.1f s%n", EVENTS, (System.nanoTime() - loadStart) / 1e9);

            // Warm-up: the JIT compiles the sink's paths on other data (its own topic, group and
            // database), so the measurement is of the steady state a long-running sink is in.
            String warmPrefix = "auditwarm";
            infra.kafka().topics().create(warmPrefix + ".app.tags", 4);
            infra.kafka().topics().create(warmPrefix + ".message", 4);
            preload(infra.kafka().bootstrapServers(), warmPrefix + ".app.tags", WARM_UP_EVENTS);
            TestDatabase warmDb = BenchDatabase.create(infra, "bench_audit_warm_up");
            try (ServiceThread sink = new ServiceThread("audit-sink-warm-up",
                    AuditSinkService.create(sinkEnv(infra, warmDb, warmPrefix, "bench-audit-warm-up")))) {
                awaitRows(warmDb, WARM_UP_EVENTS, Duration.ofMinutes(10));
            }
            System.out.printf("warm-up: %,d events at %,.0f rows/s%n", WARM_UP_EVENTS, rowsPerSecond(warmDb));

            Map<String, String> env = sinkEnv(infra, db, prefix, "bench-audit");
            try (ServiceThread sink = new ServiceThread("audit-sink", AuditSinkService.create(env))) {
                awaitRows(db, EVENTS, Duration.ofMinutes(10));
            }
            double ours = rowsPerSecond(db);

            // Crypto-shredding's cost: the same events with the tag's name declared personal, so
            // each event's two images are sealed (AES-GCM) under the key of its own subject, one per
            // tag (created in the write transactions as the sink meets them).
            TestDatabase personalDb = BenchDatabase.create(infra, "bench_audit_personal");
            Map<String, String> personalEnv = sinkEnv(infra, personalDb, prefix, "bench-audit-personal");
            personalEnv.put("AUDIT_PERSONAL_COLUMNS", "app.tags.name");
            personalEnv.put("AUDIT_DATA_SUBJECTS", "app.tags.id=tags");
            try (ServiceThread sink = new ServiceThread("audit-sink-personal", AuditSinkService.create(personalEnv))) {
                awaitRows(personalDb, EVENTS, Duration.ofMinutes(10));
            }
            double sealed = rowsPerSecond(personalDb);
            long subjects = query(personalDb, "SELECT count(*) FROM audit.subject_keys");
            long clearNames = query(personalDb, "SELECT count(*) FROM audit.change_log WHERE after->>'name' LIKE 'tag %'");
            if (subjects != TAGS || clearNames != 0) {
                throw new IllegalStateException("sealing: " + subjects + " subject keys (expected " + TAGS + "), " + clearNames
                        + " names stored in clear (expected 0)");
            }

            // Scale-out: two instances share the four partitions (another group, another database).
            TestDatabase twoDb = BenchDatabase.create(infra, "bench_audit_two");
            Map<String, String> twoEnv = sinkEnv(infra, twoDb, prefix, "bench-audit-two");
            try (ServiceThread first = new ServiceThread("audit-sink-1", AuditSinkService.create(twoEnv));
                 ServiceThread second = new ServiceThread("audit-sink-2", AuditSinkService.create(twoEnv))) {
                awaitRows(twoDb, EVENTS, Duration.ofMinutes(10));
            }
            double two = rowsPerSecond(twoDb);

            long baselineWall = System.nanoTime();
            int written = rowByRow(infra.kafka().bootstrapServers(), topic, baselineDb);
            double baseline = rowsPerSecond(baselineDb);
            System.out.printf("  audit-sink  %,d rows: %,9.0f rows/s%n", EVENTS, ours);
            System.out.printf("  row by row  %,d rows: %,9.0f rows/s (%.1f s)%n", written, baseline,
                    (System.nanoTime() - baselineWall) / 1e9);
            System.out.printf("  two audit-sink instances %,d rows: %,9.0f rows/s%n", EVENTS, two);
            System.out.printf("%nRESULT audit-sink %,.0f rows/s vs one row per transaction %,.0f rows/s: ratio %.1f"
                    + " (goal >= 50,000 rows/s)%n", ours, baseline, ours / baseline);
            System.out.printf("RESULT audit-sink sealing personal columns %,.0f rows/s: %.2f x without (two sealed values per row,"
                    + " %,d subjects)%n", sealed, sealed / ours, subjects);
            System.out.printf("RESULT two audit-sink instances %,.0f rows/s: %.2f x one instance, ratio %.1f to the baseline%n", two,
                    two / ours, two / baseline);

            latency(infra, db);
        }
    }

    /** Checkpoint keys and files of this run, under target/ (never committed). */
    private static final java.nio.file.Path CHECKPOINTS = java.nio.file.Path.of("target", "bench-audit-checkpoints",
            Long.toString(System.currentTimeMillis()));

    private static Map<String, String> sinkEnv(EmbeddedInfrastructure infra, TestDatabase db, String prefix, String group) {
        Map<String, String> env = new HashMap<>(db.passwordEnv("audit_user", BenchDatabase.PASSWORD));
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        env.put("KAFKA_TOPIC_PREFIX", prefix);
        env.put("AUDIT_CONSUMER_GROUP", group);
        env.put("KAFKA_REPLICATION_FACTOR", "1");
        env.putAll(LocalCheckpoints.env(CHECKPOINTS.resolve(group)));
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        // Sink settings to compare (e.g. AUDIT_PARALLEL_WRITERS=1) pass through from the environment;
        // the benchmark's own (topics, group) win.
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("AUDIT_")) {
                env.putIfAbsent(name, value);
            }
        });
        return env;
    }

    /** Realistic update envelopes (before and after images), as capture publishes them. */
    private static void preload(String bootstrap, String topic, int events) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            long now = System.currentTimeMillis();
            for (int i = 1; i <= events; i++) {
                long lsn = 1_000_000L + i * 100L;
                int id = i % TAGS;
                String value = "{\"before\":{\"id\":" + id + ",\"org_id\":1,\"name\":\"tag " + id + "\",\"slug\":\"t-" + id + "\"},"
                        + "\"after\":{\"id\":" + id + ",\"org_id\":1,\"name\":\"tag " + id + " v" + i + "\",\"slug\":\"t-" + id + "\"},"
                        + "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"auditbench\",\"ts_ms\":"
                        + (now - 60_000 + i / 10) + ",\"snapshot\":\"false\",\"db\":\"blog\",\"sequence\":\"[\\\"" + (lsn - 50)
                        + "\\\",\\\"" + lsn + "\\\"]\",\"schema\":\"app\",\"table\":\"tags\",\"txId\":" + (1000 + i / 10) + ",\"lsn\":"
                        + lsn + ",\"xmin\":null},\"transaction\":null,\"op\":\"u\",\"ts_ms\":" + (now - 59_000 + i / 10) + "}";
                producer.send(new ProducerRecord<>(topic, "{\"id\":" + id + "}", value));
            }
            producer.flush();
        }
    }

    private static void awaitRows(TestDatabase db, long rows, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (query(db, "SELECT coalesce(sum(next_offset), 0) FROM audit.chains") >= rows) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("audit-sink did not write " + rows + " rows in " + timeout);
    }

    private static double rowsPerSecond(TestDatabase db) throws Exception {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), extract(epoch FROM max(written_at) - min(written_at)) FROM audit.change_log")) {
            rs.next();
            return rs.getLong(1) / Math.max(0.001, rs.getDouble(2));
        }
    }

    /** The baseline: each event parsed, hashed and INSERTed in its own transaction. */
    private static int rowByRow(String bootstrap, String topic, TestDatabase db) throws Exception {
        String url = db.jdbcUrl();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] prev = new byte[32];
        int written = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "baseline-" + UUID.randomUUID(),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
             Connection c = java.sql.DriverManager.getConnection(url, "audit_user", BenchDatabase.PASSWORD);
             PreparedStatement insert = c.prepareStatement("INSERT INTO audit.change_log (source_table, op, primary_key, before,"
                     + " after, tx_id, source_lsn, committed_at, captured_at, chain_topic, chain_partition, chain_offset, prev_hash,"
                     + " row_hash) VALUES (?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (written < BASELINE_EVENTS) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (written >= BASELINE_EVENTS) {
                        break;
                    }
                    JsonNode v = JSON.readTree(r.value());
                    JsonNode source = v.get("source");
                    sha.reset();
                    sha.update(prev);
                    sha.update(r.value().getBytes(StandardCharsets.UTF_8));
                    byte[] hash = sha.digest();
                    insert.setString(1, "app.tags");
                    insert.setString(2, v.get("op").asText());
                    insert.setString(3, r.key());
                    insert.setString(4, v.get("before").toString());
                    insert.setString(5, v.get("after").toString());
                    insert.setLong(6, source.get("txId").asLong());
                    insert.setLong(7, source.get("lsn").asLong());
                    insert.setTimestamp(8, Timestamp.from(Instant.ofEpochMilli(source.get("ts_ms").asLong())));
                    insert.setTimestamp(9, Timestamp.from(Instant.ofEpochMilli(v.get("ts_ms").asLong())));
                    insert.setString(10, r.topic());
                    insert.setInt(11, r.partition());
                    insert.setLong(12, r.offset());
                    insert.setBytes(13, prev);
                    insert.setBytes(14, hash);
                    insert.executeUpdate();
                    prev = hash;
                    written++;
                }
            }
        }
        return written;
    }

    /** The whole pipeline at a steady rate: commit → audit row latency. */
    private static void latency(EmbeddedInfrastructure infra, TestDatabase db) throws Exception {
        Map<String, String> captureEnv = BenchDatabase.captureEnv(infra, db, "live");
        db.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'live', 'live') ON CONFLICT DO NOTHING");
        // Each service in its own JVM with the distribution's heap, as deployed (in this JVM they shared
        // its JIT and collector with the writer), and warm: the same load first, not measured.
        java.nio.file.Path work = infra.root().resolve("bench-audit-live");
        try (ServiceProcess capture = ServiceProcess.startWithHeap("capture", CaptureService.class.getName(), captureEnv, work, DistributionHeaps.CAPTURE);
             ServiceProcess sink = ServiceProcess.startWithHeap("audit-sink", AuditSinkService.class.getName(),
                     sinkEnv(infra, db, "live", "bench-live"), work, DistributionHeaps.AUDIT_SINK)) {
            // Warm up: the first tag creates its topic, which the sink's pattern subscription sees
            // only at its next metadata refresh (up to 5 s); measure from when the path is open.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!capture.ready() || !sink.ready()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("capture and audit-sink were not ready within 60 s");
                }
                Thread.sleep(100);
            }
            db.execute("INSERT INTO app.tags (org_id, name, slug) VALUES (1, 'warm-up', 'warm-up')");
            while (query(db, "SELECT count(*) FROM audit.change_log WHERE chain_topic = 'live.app.tags'") == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the warm-up change was not audited within 60 s");
                }
                Thread.sleep(100);
            }
            steadyWorkload(db, "warm", WARM_UP);
            Thread.sleep(2_000);
            Instant from = Instant.now();
            int changes = steadyWorkload(db, "live", STEADY);
            Thread.sleep(5_000);
            try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*),"
                         + " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM written_at - committed_at) * 1000),"
                         + " percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM written_at - committed_at) * 1000)"
                         + " FROM audit.change_log WHERE chain_topic LIKE 'live.%' AND committed_at >= '" + from + "'")) {
                rs.next();
                System.out.printf("%nRESULT latency at %,d changes/s for %d s (%,d changes, %,d audited): commit -> audit row"
                        + " p50 %.0f ms, p99 %.0f ms%n", RATE, STEADY.toSeconds(), changes, rs.getLong(1), rs.getDouble(2), rs.getDouble(3));
            }
        }
    }

    /** {@link #RATE} changes per second for {@code length}: every 10 ms one transaction inserting 20 tags, slugs {@code <label>-...}. */
    private static int steadyWorkload(TestDatabase db, String label, Duration length) throws Exception {
        int perTick = RATE / 100;
        int changes = 0;
        try (Connection c = db.superuserConnection(); PreparedStatement insert = c.prepareStatement(
                "INSERT INTO app.tags (org_id, name, slug) SELECT 1, ?, ? || '-' || ? || '-' || g FROM generate_series(1, ?) g")) {
            long start = System.nanoTime();
            long ticks = length.toMillis() / 10;
            for (long tick = 0; tick < ticks; tick++) {
                long due = start + tick * 10_000_000L;
                // Sleep, not spin: a spinning writer would take one of the machine's two cores.
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                insert.setString(1, label);
                insert.setString(2, label);
                insert.setLong(3, tick);
                insert.setInt(4, perTick);
                insert.executeUpdate();
                changes += perTick;
            }
        }
        return changes;
    }

    private static long query(TestDatabase db, String sql) throws Exception {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
