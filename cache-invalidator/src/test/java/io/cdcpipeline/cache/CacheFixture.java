package io.cdcpipeline.cache;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;

import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.RedisServer;
import io.micrometer.core.instrument.MeterRegistry;
import redis.clients.jedis.RedisClient;

/** Capture, Redis and cache-invalidator instances for one test database, with a key prefix of its own. */
final class CacheFixture implements AutoCloseable {

    final CaptureFixture capture;
    final CaptureFixture.InProcess captureRunner;
    final RedisServer redisServer = EmbeddedInfrastructure.shared().redis();
    final String keyPrefix = RedisServer.newKeyPrefix("cache");
    final String group = "cache-" + UUID.randomUUID().toString().substring(0, 8);
    final RedisClient redis = RedisClient.create(redisServer.host(), redisServer.port());
    private final List<Invalidator> invalidators = new ArrayList<>();

    private CacheFixture(CaptureFixture capture, CaptureFixture.InProcess captureRunner) {
        this.capture = capture;
        this.captureRunner = captureRunner;
    }

    static CacheFixture start(String hint) throws Exception {
        return start(hint, java.util.Map.of());
    }

    /** With capture settings of the test's own (e.g. CAPTURE_JSON_SCHEMAS=true). */
    static CacheFixture start(String hint, java.util.Map<String, String> captureSettings) throws Exception {
        CaptureFixture f = CaptureFixture.create(hint);
        f.env.putAll(captureSettings);
        CaptureFixture.InProcess runner = f.startInProcess();
        runner.awaitStreaming();
        return new CacheFixture(f, runner);
    }

    Map<String, String> env(String redisUrl, String... overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", capture.kafka.bootstrapServers());
        env.put("REDIS_URL", redisUrl);
        env.put("KAFKA_TOPIC_PREFIX", capture.prefix);
        env.put("CACHE_CONSUMER_GROUP", group);
        env.put("CACHE_KEY_PREFIX", keyPrefix);
        env.put("KAFKA_REPLICATION_FACTOR", "1");
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        for (int i = 0; i < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return env;
    }

    /** A cache-invalidator in this JVM, wired by the production factory. */
    static final class Invalidator implements AutoCloseable {
        private final ServiceThread service;

        Invalidator(Map<String, String> env) {
            service = new ServiceThread("cache-invalidator", CacheInvalidatorService.create(env));
        }

        /** The service's own metrics (what its /metrics endpoint exports). */
        MeterRegistry registry() {
            return service.registry();
        }

        @Override
        public void close() {
            service.close();
        }
    }

    Invalidator startInvalidator(String redisUrl, String... overrides) {
        Invalidator invalidator = new Invalidator(env(redisUrl, overrides));
        invalidators.add(invalidator);
        return invalidator;
    }

    Invalidator startInvalidator() {
        return startInvalidator(redisServer.url());
    }

    void setCached(String... keys) {
        for (String key : keys) {
            redis.set(keyPrefix + key, "\"cached\"");
        }
    }

    boolean cached(String key) {
        return redis.exists(keyPrefix + key);
    }

    /**
     * Waits until everything committed so far has been captured (the slot confirmed past the
     * current WAL position) and invalidated (the group's committed offsets reached the topics' ends).
     */
    void awaitDrained() throws SQLException {
        String lsn;
        try (Connection c = capture.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            lsn = rs.getString(1);
        }
        String slot = capture.config().slotName();
        Awaitility.await("captured").atMost(Duration.ofSeconds(60)).until(() -> {
            try (Connection c = capture.db.superuserConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT confirmed_flush_lsn >= '" + lsn + "'::pg_lsn FROM pg_replication_slots"
                         + " WHERE slot_name = '" + slot + "'")) {
                return rs.next() && rs.getBoolean(1);
            }
        });
        // The topics the invalidators consume: those of tables with (default) rules.
        Pattern topics = CacheConfig.topics(capture.prefix, KeyRules.load(java.util.Optional.empty()));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, capture.kafka.bootstrapServers()))) {
            Awaitility.await("invalidated").atMost(Duration.ofSeconds(60)).until(() -> {
                List<String> names = admin.listTopics().names().get().stream().filter(t -> topics.matcher(t).matches()).toList();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                admin.describeTopics(names).allTopicNames().get().forEach((name, d) ->
                        d.partitions().forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
                        || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset()));
            });
        }
    }

    @Override
    public void close() throws Exception {
        for (Invalidator invalidator : invalidators) {
            invalidator.close();
        }
        redis.close();
        captureRunner.close();
    }
}
