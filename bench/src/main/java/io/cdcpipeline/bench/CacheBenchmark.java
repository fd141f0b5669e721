package io.cdcpipeline.bench;

import io.cdcpipeline.common.service.ServiceThread;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cdcpipeline.common.change.ChangeEvent;
import io.cdcpipeline.common.change.ChangeEventParser;
import io.cdcpipeline.cache.CacheInvalidatorService;
import io.cdcpipeline.cache.KeyRules;
import io.cdcpipeline.cache.LeasedCache;
import io.cdcpipeline.capture.CaptureService;
import io.cdcpipeline.common.service.Service;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.ServiceProcess;
import io.cdcpipeline.testkit.TestDatabase;
import redis.clients.jedis.RedisClient;

/**
 * cache-invalidator throughput and latency, and what the cache buys a reader.
 *
 * <ol>
 *   <li>Throughput: 500,000 article update events pre-loaded on a change topic, invalidated by
 *       the service (keys of both images, one pipelined round trip per batch, then the offset
 *       commit), against a plain consumer deleting each key with its own DEL, measured in the
 *       same run. Rates are from the first batch to the last commit.</li>
 *   <li>Latency: capture and cache-invalidator running, each in its own JVM with the
 *       distribution's heap, a steady 2,000 article updates/s for 30 s after the same load on
 *       other articles until the JIT has settled (the warm-up: at least 15 s, then until the run's
 *       JVMs compiled for less than a tenth of a core over 5 s, at most 120 s; {@link JitActivity});
 *       p50/p99 from each transaction's commit (returned to the
 *       writer) to the deletion of its {@code article:<id>} key, observed through Redis keyspace
 *       notifications. One JVM clock stamps both. Before it, 512 MB of WAL are written and
 *       checkpointed so that the phase writes into recycled segments, as a server that has run
 *       through checkpoints does ({@link BenchDatabase#recycleWal}; {@code --fresh-wal} leaves the
 *       fresh cluster's WAL as it is).</li>
 *   <li>Reads: {@link LeasedCache} hits against a direct PostgreSQL read (prepared statement on
 *       an open TLS connection) of the same articles, interleaved in blocks.</li>
 * </ol>
 */
final class CacheBenchmark {

    private static final int EVENTS = 500_000;
    private static final int BASELINE_EVENTS = 50_000;
    private static final int RATE = 2_000;
    private static final Duration STEADY = Duration.ofSeconds(30);
    /**
     * The same load before the measured phase, on other articles, in chunks of this length: until
     * then capture has decoded a handful of updates, and the JIT compiling its hot path during the
     * phase's first seconds (a flight recording: about one core of the two compiling for 15 s)
     * stalled capture 1-2 s. A running pipeline is warm; the measured phase is the steady state.
     */
    private static final Duration WARM_UP_CHUNK = Duration.ofSeconds(5);
    private static final Duration WARM_UP_MIN = Duration.ofSeconds(15);
    /**
     * 15 s were not enough on two cores: a scheduler trace showed the four JVMs' compilers taking
     * 12-40 % of the machine through the warm-up and the measured phase, and capture's streaming
     * thread waiting for a CPU: a 100-330 ms stall in most runs. Once they had settled (50-102 s on
     * that machine) none of six runs had one. So the warm-up goes on until the compilers settle
     * ({@link #JIT_SETTLED}), within this bound.
     */
    private static final Duration WARM_UP_MAX = Duration.ofSeconds(120);
    /** Settled: the run's JVMs together compiled for less than this share of one core over a chunk. */
    private static final double JIT_SETTLED = 0.10;
    /** Articles 1.. are the measured phase's, the next ones the warm-up's (reused chunk after chunk), the last one the first probe's. */
    private static final int MEASURED_ARTICLES = RATE * (int) STEADY.toSeconds();
    private static final int WARM_UP_ARTICLES = RATE * (int) WARM_UP_MIN.toSeconds();
    private static final int LIVE_ARTICLES = MEASURED_ARTICLES + WARM_UP_ARTICLES + 1;
    private static final int READS = 20_000;
    /** More than the warm-up and the phase write (about 3 MB/s of WAL at this rate, most of it full-page images). */
    private static final int WAL_TO_RECYCLE_MB = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CacheBenchmark() {
    }

    /** All three parts; {@code freshWal}: the latency phase on the fresh cluster's WAL as it is. */
    static void run(boolean freshWal) throws Exception {
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.create().startAll();
             RedisClient redis = RedisClient.create(infra.redis().host(), infra.redis().port())) {
            throughput(infra, redis);
            TestDatabase db = BenchDatabase.create(infra, "bench_cache");
            db.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'B', 'b');"
                    + " INSERT INTO app.users (id, org_id, email, username, password_hash)"
                    + " SELECT g, 1, 'u' || g || '@b.io', 'u' || g, 'h' FROM generate_series(1, 100) g;"
                    + " INSERT INTO app.articles (id, org_id, author_id, slug, title, summary, status, published_at)"
                    + " SELECT g, 1, 1 + g % 100, 'a-' || g, 'Article ' || g, repeat('summary ', 20), 'published', now()"
                    + " FROM generate_series(1, " + LIVE_ARTICLES + ") g");
            latency(infra, db, redis, freshWal);
            reads(db, redis);
        }
    }

    // ---- 1. throughput --------------------------------------------------------------------

    private static void throughput(EmbeddedInfrastructure infra, RedisClient redis) throws Exception {
        String prefix = "cachebench";
        String topic = prefix + ".app.articles";
        infra.kafka().topics().create(topic, 3);
        long load = System.nanoTime();
        preload(infra.kafka().bootstrapServers(), topic);
        System.out.printf("pre-loaded %,d change events in %.1f s%n", EVENTS, (System.nanoTime() - load) / 1e9);

        String group = "bench-cache";
        Map<String, String> env = BenchDatabase.cacheEnv(infra, prefix, group, "tp:");
        Service service = CacheInvalidatorService.create(env);
        io.micrometer.core.instrument.MeterRegistry registry = service.resources().stream()
                .filter(io.cdcpipeline.common.metrics.MetricsServer.class::isInstance)
                .map(r -> ((io.cdcpipeline.common.metrics.MetricsServer) r).registry()).findFirst().orElseThrow();
        double ours;
        double keys;
        try (ServiceThread invalidator = new ServiceThread("cache-invalidator", service);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers()))) {
            long first = 0;
            while (registry.counter("cache.keys.invalidated").count() == 0) {
                Thread.sleep(1);
            }
            first = System.nanoTime();
            awaitCommitted(admin, group, topic, EVENTS, Duration.ofMinutes(10));
            double seconds = (System.nanoTime() - first) / 1e9;
            ours = EVENTS / seconds;
            keys = registry.counter("cache.keys.invalidated").count() / seconds;
        }
        double baseline = keyByKey(infra.kafka().bootstrapServers(), topic, redis);
        System.out.printf("  cache-invalidator  %,d events: %,9.0f events/s (%,.0f keys/s)%n", EVENTS, ours, keys);
        System.out.printf("  DEL per key        %,d events: %,9.0f events/s%n", BASELINE_EVENTS, baseline);
        System.out.printf("%nRESULT invalidations %,.0f events/s vs one DEL per key %,.0f events/s: ratio %.1f%n", ours, baseline,
                ours / baseline);
    }

    /** Article updates as capture publishes them; every fifth one changes the slug. */
    private static void preload(String bootstrap, String topic) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            long now = System.currentTimeMillis();
            for (int i = 1; i <= EVENTS; i++) {
                int id = i % 50_000;
                String newSlug = i % 5 == 0 ? "a-" + id + "-v" + i : "a-" + id;
                String value = "{\"before\":{\"id\":" + id + ",\"org_id\":1,\"author_id\":" + (1 + id % 100) + ",\"slug\":\"a-" + id
                        + "\",\"title\":\"Article " + id + "\",\"status\":\"published\"},"
                        + "\"after\":{\"id\":" + id + ",\"org_id\":1,\"author_id\":" + (1 + id % 100) + ",\"slug\":\"" + newSlug
                        + "\",\"title\":\"Article " + id + " v" + i + "\",\"status\":\"published\"},"
                        + "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"cachebench\",\"ts_ms\":"
                        + (now + i / 10) + ",\"snapshot\":\"false\",\"db\":\"blog\",\"schema\":\"app\",\"table\":\"articles\","
                        + "\"txId\":" + (1000 + i / 10) + ",\"lsn\":" + (1_000_000L + i * 100L) + "},\"op\":\"u\",\"ts_ms\":"
                        + (now + i / 10) + "}";
                producer.send(new ProducerRecord<>(topic, "{\"id\":" + id + "}", value));
            }
            producer.flush();
        }
    }

    private static void awaitCommitted(Admin admin, String group, String topic, long events, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        long end = admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        if (end < events) {
            throw new IllegalStateException("only " + end + " events on " + topic);
        }
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            if (committed.values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum() >= end) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the invalidator did not commit " + events + " events in " + timeout);
    }

    /** The baseline: the same parsing and key rules, then one DEL round trip per key. */
    private static double keyByKey(String bootstrap, String topic, RedisClient redis) throws Exception {
        KeyRules rules = KeyRules.load(Optional.empty());
        int done = 0;
        long start = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "baseline-" + UUID.randomUUID(),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (done < BASELINE_EVENTS) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (start == 0) {
                        start = System.nanoTime();
                    }
                    if (done >= BASELINE_EVENTS) {
                        break;
                    }
                    ChangeEvent change = ChangeEventParser.parse(r.topic(), r.partition(), r.offset(), r.key(), r.value());
                    for (String key : rules.keysFor("app.articles", change.before(), change.after())) {
                        redis.del("base:" + key);
                    }
                    done++;
                }
            }
        }
        return done / ((System.nanoTime() - start) / 1e9);
    }

    // ---- 2. latency -----------------------------------------------------------------------

    private static void latency(EmbeddedInfrastructure infra, TestDatabase db, RedisClient redis, boolean freshWal) throws Exception {
        // Before capture's slot exists.
        BenchDatabase.prepareWal(db, WAL_TO_RECYCLE_MB, freshWal);
        // The articles exist before; only the steady updates are measured (no snapshot).
        Map<String, String> captureEnv = BenchDatabase.captureEnv(infra, db, "live");
        Map<String, String> cacheEnv = BenchDatabase.cacheEnv(infra, "live", "bench-cache-live", "live:");

        // Every deletion of a live key, stamped when Redis tells us (keyspace notifications).
        // The stamps stay readable after close(), which only ends the subscription.
        KeyDeletions deletions = KeyDeletions.listen(infra.redis().host(), infra.redis().port(), "live:article:");

        Map<String, Long> committedAt = new HashMap<>();
        // Each service in its own JVM with the distribution's heap, as deployed: in this JVM they
        // shared the JIT, the heap and the collector with the writer and the listener measuring them.
        Path work = infra.root().resolve("bench-cache-live");
        try (ServiceProcess capture = ServiceProcess.startWithHeap("capture", CaptureService.class.getName(), captureEnv, work, DistributionHeaps.CAPTURE);
             ServiceProcess invalidator = ServiceProcess.startWithHeap("cache-invalidator", CacheInvalidatorService.class.getName(), cacheEnv,
                     work, DistributionHeaps.CACHE_INVALIDATOR)) {
            firstChangeThrough(db, redis);
            warmUp(db, redis, deletions);
            Thread.sleep(2_000);
            steadyUpdates(db, redis, committedAt, STEADY, 1);
            Thread.sleep(5_000);
        } finally {
            deletions.close();
        }
        long[] latencies = commitToDeleted(committedAt, deletions);
        System.out.printf("%nRESULT latency at %,d changes/s for %d s (%,d updates, %,d keys deleted): commit -> key deleted"
                        + " p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", RATE, STEADY.toSeconds(), committedAt.size(), latencies.length,
                Percentiles.nearestRank(latencies, 0.5) / 1e6, Percentiles.nearestRank(latencies, 0.99) / 1e6, latencies[latencies.length - 1] / 1e6);
        // The two legs, split at the Kafka record's timestamp (capture's send, wall clock).
        RecordTimes times = recordTimes(infra.kafka().bootstrapServers(), "live.app.articles");
        Map<String, Long> onKafka = times.sent();
        long[] toKafka = committedAt.keySet().stream().filter(onKafka::containsKey)
                .mapToLong(k -> onKafka.get(k) - times.committed().get(k)).sorted().toArray();
        long[] toRedis = committedAt.keySet().stream().filter(k -> onKafka.containsKey(k) && deletions.of(k) != null)
                .mapToLong(k -> deletions.of(k).millis() - onKafka.get(k)).sorted().toArray();
        System.out.printf("  commit -> on Kafka (cdc-capture):         p50 %5d ms, p99 %5d ms%n", Percentiles.nearestRank(toKafka, 0.5),
                Percentiles.nearestRank(toKafka, 0.99));
        System.out.printf("  on Kafka -> key deleted (cache-invalidator): p50 %5d ms, p99 %5d ms%n", Percentiles.nearestRank(toRedis, 0.5),
                Percentiles.nearestRank(toRedis, 0.99));
        // When capture was slowest, counted from the phase's first commit: a stall shows as one cluster.
        long first = committedAt.keySet().stream().filter(onKafka::containsKey).mapToLong(k -> times.committed().get(k)).min().orElse(0);
        String slowest = committedAt.keySet().stream().filter(onKafka::containsKey)
                .sorted(java.util.Comparator.comparingLong((String k) -> onKafka.get(k) - times.committed().get(k)).reversed()).limit(5)
                .map(k -> String.format(java.util.Locale.ROOT, "+%.1f s (%d ms)", (times.committed().get(k) - first) / 1000.0,
                        onKafka.get(k) - times.committed().get(k)))
                .collect(java.util.stream.Collectors.joining(", "));
        System.out.println("  slowest commits to Kafka: " + slowest + "; the phase's first commit at " + java.time.Instant.ofEpochMilli(first));
        System.out.println("  " + maintenanceDuring(db, first));
        System.out.println("  " + slowestUpdate(db));
    }

    /**
     * The steady load on the warm-up's articles, chunk after chunk, until the JIT has settled: at
     * least {@link #WARM_UP_MIN}, then until a chunk in which the run's JVMs compiled for less than
     * {@link #JIT_SETTLED} of a core, at most {@link #WARM_UP_MAX}. Prints how long it took, and
     * the latency of the first {@link #WARM_UP_MIN} after the services started (each warm-up
     * article is updated once in that span), which is what a restart costs while the JIT compiles.
     */
    private static void warmUp(TestDatabase db, RedisClient redis, KeyDeletions deletions) throws Exception {
        JitActivity jit = JitActivity.ofThisRun();
        int chunkArticles = RATE * (int) WARM_UP_CHUNK.toSeconds();
        Map<String, Long> afterStart = new HashMap<>();
        long start = System.nanoTime();
        double compiling;
        int chunk = 0;
        Duration elapsed;
        do {
            JitActivity.Mark chunkStart = jit.mark();
            int first = MEASURED_ARTICLES + 1 + (chunk * chunkArticles) % WARM_UP_ARTICLES;
            boolean firstRound = (chunk + 1) * chunkArticles <= WARM_UP_ARTICLES;
            steadyUpdates(db, redis, firstRound ? afterStart : new HashMap<>(), WARM_UP_CHUNK, first);
            compiling = jit.coreShareSince(chunkStart);
            chunk++;
            elapsed = Duration.ofNanos(System.nanoTime() - start);
        } while (elapsed.compareTo(WARM_UP_MAX) < 0 && (elapsed.compareTo(WARM_UP_MIN) < 0 || compiling >= JIT_SETTLED));
        System.out.printf(Locale.ROOT, "warm-up: %d s at %,d updates/s; the %d JVMs' JIT compilers used %.0f %% of a core in its last %d s%s%n",
                elapsed.toSeconds(), RATE, jit.jvmCount(), compiling * 100, WARM_UP_CHUNK.toSeconds(),
                compiling >= JIT_SETTLED ? " (not settled within " + WARM_UP_MAX.toSeconds() + " s)" : "");
        long[] latencies = commitToDeleted(afterStart, deletions);
        if (latencies.length > 0) {
            System.out.printf(Locale.ROOT, "  its first %d s, right after the services started: commit -> key deleted p50 %.1f ms, p99 %.1f ms,"
                            + " max %.1f ms (%,d keys)%n", WARM_UP_MIN.toSeconds(), Percentiles.nearestRank(latencies, 0.5) / 1e6,
                    Percentiles.nearestRank(latencies, 0.99) / 1e6, latencies[latencies.length - 1] / 1e6, latencies.length);
        }
    }

    /** Commit -> key deleted, in nanoseconds and sorted, of every committed key whose deletion was seen. */
    private static long[] commitToDeleted(Map<String, Long> committedAt, KeyDeletions deletions) {
        return committedAt.entrySet().stream().filter(e -> deletions.of(e.getKey()) != null)
                .mapToLong(e -> deletions.of(e.getKey()).nanos() - e.getValue()).sorted().toArray();
    }

    /**
     * Every table of the database (catalogs included) autovacuum vacuumed or analyzed from 60 s
     * before the phase's first commit on, and when the last checkpoint began, relative to that
     * commit: does a stall of capture line up with maintenance.
     */
    private static String maintenanceDuring(TestDatabase db, long firstCommitMillis) throws SQLException {
        StringBuilder out = new StringBuilder("maintenance around the phase:");
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT schemaname || '.' || relname, 'vacuum', (extract(epoch FROM last_autovacuum) * 1000)::bigint FROM pg_stat_all_tables"
                        + " WHERE last_autovacuum IS NOT NULL"
                        + " UNION ALL SELECT schemaname || '.' || relname, 'analyze', (extract(epoch FROM last_autoanalyze) * 1000)::bigint"
                        + " FROM pg_stat_all_tables WHERE last_autoanalyze IS NOT NULL"
                        + " UNION ALL SELECT 'last checkpoint', 'began', (extract(epoch FROM checkpoint_time) * 1000)::bigint FROM pg_control_checkpoint()"
                        + " ORDER BY 3")) {
            while (rs.next()) {
                long at = rs.getLong(3);
                if (at >= firstCommitMillis - 60_000 || rs.getString(1).equals("last checkpoint")) {
                    out.append(String.format(java.util.Locale.ROOT, " %s %s %s;", rs.getString(1), rs.getString(2), relative(at, firstCommitMillis)));
                }
            }
        }
        return out.toString();
    }

    /**
     * The writer's slowest UPDATE as PostgreSQL timed it (pg_stat_statements, warm-up included): a
     * stall that shows here was inside PostgreSQL (WAL segment creation, relation extension), one
     * that does not was downstream of the commit.
     */
    private static String slowestUpdate(TestDatabase db) throws SQLException {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT max(max_exec_time), sum(calls) FROM pg_stat_statements"
                        + " WHERE query LIKE 'UPDATE app.articles SET title = title || $% WHERE id BETWEEN%'"
                        + " AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
            rs.next();
            return String.format(java.util.Locale.ROOT, "slowest of the writer's %d UPDATEs inside PostgreSQL: %.0f ms", rs.getLong(2),
                    rs.getDouble(1));
        }
    }

    private static String relative(long epochMillis, long firstCommitMillis) {
        return String.format(java.util.Locale.ROOT, "at %+.1f s", (epochMillis - firstCommitMillis) / 1000.0);
    }

    /** Per article key: when capture sent its change (record timestamp) and when it was committed ({@code source.ts_ms}). */
    record RecordTimes(Map<String, Long> sent, Map<String, Long> committed) {
    }

    private static RecordTimes recordTimes(String bootstrap, String topic) throws Exception {
        RecordTimes times = new RecordTimes(new HashMap<>(), new HashMap<>());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "latency-" + UUID.randomUUID(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() != null) {
                        JsonNode change = JSON.readTree(r.value());
                        String key = "live:article:" + change.get("after").get("id").asLong();
                        times.sent().put(key, r.timestamp());
                        times.committed().put(key, change.get("source").get("ts_ms").asLong());
                    }
                }
            }
        }
        return times;
    }

    /**
     * Until one change went all the way through: capture streaming, the topic created, and the
     * invalidator subscribed to it (a pattern subscription sees a new topic at its next metadata
     * refresh). Then the warm-up at the measured rate.
     */
    private static void firstChangeThrough(TestDatabase db, RedisClient redis) throws Exception {
        String key = "live:article:" + LIVE_ARTICLES;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            redis.set(key, "\"cached\"");
            db.execute("UPDATE app.articles SET title = title || '.' WHERE id = " + LIVE_ARTICLES);
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < waitUntil) {
                if (!redis.exists(key)) {
                    Thread.sleep(2_000);
                    return;
                }
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("no invalidation went through within 2 minutes");
    }

    /**
     * {@link #RATE} article updates per second for {@code length}, from {@code firstArticle} on: every
     * 10 ms the next 20 articles' keys are cached, then one transaction updates those articles; each
     * key's commit time is when COMMIT returned.
     */
    private static void steadyUpdates(TestDatabase db, RedisClient redis, Map<String, Long> committedAt, Duration length, int firstArticle)
            throws Exception {
        int perTick = RATE / 100;
        try (Connection c = db.superuserConnection(); PreparedStatement update = c.prepareStatement(
                "UPDATE app.articles SET title = title || '.' WHERE id BETWEEN ? AND ?")) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            long ticks = length.toMillis() / 10;
            for (long tick = 0; tick < ticks; tick++) {
                long due = start + tick * 10_000_000L;
                // Sleep, not spin: a spinning writer would take one of the machine's two cores.
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                int from = (int) (tick * perTick) + firstArticle;
                String[] keys = new String[perTick];
                try (var pipeline = redis.pipelined()) {
                    for (int i = 0; i < perTick; i++) {
                        keys[i] = "live:article:" + (from + i);
                        pipeline.set(keys[i], "\"cached\"");
                    }
                    pipeline.sync();
                }
                update.setInt(1, from);
                update.setInt(2, from + perTick - 1);
                update.executeUpdate();
                c.commit();
                long committed = System.nanoTime();
                for (String key : keys) {
                    committedAt.put(key, committed);
                }
            }
        }
    }

    // ---- 3. reads -------------------------------------------------------------------------

    private static void reads(TestDatabase db, RedisClient redis) throws Exception {
        LeasedCache cache = new LeasedCache(redis, "read:", Duration.ofSeconds(5), true, JSON);
        try (Connection c = db.superuserConnection(); PreparedStatement select = c.prepareStatement(
                "SELECT id, slug, title, summary, status FROM app.articles WHERE id = ?")) {
            LeasedCache.Loader<Article> noLoad = () -> {
                throw new IllegalStateException("a benchmark read missed the cache");
            };
            for (int id = 1; id <= 1_000; id++) {
                long article = id;
                cache.get("article:" + id, Article.class, () -> load(select, article), Duration.ofMinutes(10));
            }
            long[] fromCache = new long[READS];
            long[] fromPostgres = new long[READS];
            int block = 1_000;
            for (int round = -2; round < READS / block; round++) {
                // Two warm-up rounds first, then blocks alternate between the two paths.
                for (int i = 0; i < block; i++) {
                    long id = 1 + (i * 7919L) % 1_000;
                    long t0 = System.nanoTime();
                    Article cached = cache.get("article:" + id, Article.class, noLoad, Duration.ofMinutes(10));
                    long t1 = System.nanoTime();
                    Article direct = load(select, id);
                    long t2 = System.nanoTime();
                    if (cached.id() != direct.id()) {
                        throw new IllegalStateException("cache and database disagree on article " + id);
                    }
                    if (round >= 0) {
                        fromCache[round * block + i] = t1 - t0;
                        fromPostgres[round * block + i] = t2 - t1;
                    }
                }
            }
            Arrays.sort(fromCache);
            Arrays.sort(fromPostgres);
            double cacheMean = Arrays.stream(fromCache).average().orElseThrow() / 1e3;
            double pgMean = Arrays.stream(fromPostgres).average().orElseThrow() / 1e3;
            System.out.printf("%n  LeasedCache hit  p50 %6.0f us  p99 %6.0f us  mean %6.0f us%n", Percentiles.nearestRank(fromCache, 0.5) / 1e3,
                    Percentiles.nearestRank(fromCache, 0.99) / 1e3, cacheMean);
            System.out.printf("  PostgreSQL read  p50 %6.0f us  p99 %6.0f us  mean %6.0f us%n", Percentiles.nearestRank(fromPostgres, 0.5) / 1e3,
                    Percentiles.nearestRank(fromPostgres, 0.99) / 1e3, pgMean);
            System.out.printf("%nRESULT cache hit %.0f us vs direct PostgreSQL read %.0f us (p50): %.1fx faster (%,d reads each)%n",
                    Percentiles.nearestRank(fromCache, 0.5) / 1e3, Percentiles.nearestRank(fromPostgres, 0.5) / 1e3,
                    (double) Percentiles.nearestRank(fromPostgres, 0.5) / Percentiles.nearestRank(fromCache, 0.5), READS);
        }
    }

    /** What an application caches for an article page. */
    record Article(long id, String slug, String title, String summary, String status) {
    }

    private static Article load(PreparedStatement select, long id) throws Exception {
        select.setLong(1, id);
        try (ResultSet rs = select.executeQuery()) {
            rs.next();
            return new Article(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
        }
    }
}
