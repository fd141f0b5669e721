package io.cdcpipeline.cache;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.kafka.DeadLetterReplay;
import io.cdcpipeline.common.kafka.KafkaSettings;
import io.cdcpipeline.common.metrics.MetricsConfig;

/** Configuration of cache-invalidator. It needs Kafka and Redis, not PostgreSQL. */
public record CacheConfig(KafkaSettings kafka, RedisSettings redis, MetricsConfig metrics, String topicPrefix, String consumerGroup,
                          KeyRules rules, String keyPrefix, Optional<String> publishChannel, Optional<Short> replicationFactor,
                          String deadLetterTopic) {

    static final int DEFAULT_METRICS_PORT = 9404;

    public static final Setting<String> CACHE_TOPIC_PREFIX = Setting.string("CACHE_TOPIC_PREFIX",
            "deprecated: KAFKA_TOPIC_PREFIX");
    public static final Setting<String> CACHE_CONSUMER_GROUP = Setting.string("CACHE_CONSUMER_GROUP",
            "Kafka consumer group; instances in one group share the partitions").withDefault("cache-invalidator");
    public static final Setting<Path> CACHE_RULES_FILE = Setting.readableFile("CACHE_RULES_FILE",
            "JSON key rules (table → key templates); unset: the built-in rules");
    public static final Setting<String> CACHE_KEY_PREFIX = Setting.string("CACHE_KEY_PREFIX",
            "prefix of every cache key (shared with the applications' LeasedCache)")
            .requiring(p -> p.indexOf('{') < 0 && p.indexOf('}') < 0, "text without braces (a Redis Cluster hash tag is the lease's)");
    public static final Setting<String> CACHE_PUBLISH_CHANNEL = Setting.string("CACHE_PUBLISH_CHANNEL",
            "Redis channel on which invalidated keys are published for in-process near caches; unset: none");
    public static final Setting<Integer> CACHE_TOPIC_REPLICATION_FACTOR = Setting.integer("CACHE_TOPIC_REPLICATION_FACTOR",
            "deprecated: KAFKA_REPLICATION_FACTOR").between(1, 10);

    public static final Setting<String> CACHE_DEAD_LETTER_TOPIC = Setting.string("CACHE_DEAD_LETTER_TOPIC",
            "topic of the records cache-invalidator cannot read (Kafka Connect's dead-letter headers)")
            .withDefault("cache-invalidator.dlq");

    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
        all.addAll(RedisSettings.SETTINGS);
        all.addAll(MetricsConfig.settings(DEFAULT_METRICS_PORT));
        all.addAll(List.of(CACHE_CONSUMER_GROUP, CACHE_RULES_FILE, CACHE_KEY_PREFIX, CACHE_PUBLISH_CHANNEL,
                CACHE_DEAD_LETTER_TOPIC));
        return all;
    }

    /** What {@code replay-dead-letters} needs: KAFKA_* and the dead-letter topic. */
    public static DeadLetterReplay.Target replayTarget(Map<String, String> env) {
        Settings s = new Settings(env);
        DeadLetterReplay.Target target = new DeadLetterReplay.Target(KafkaSettings.read(s), s.required(CACHE_DEAD_LETTER_TOPIC));
        s.validate("cache-invalidator replay-dead-letters");
        return target;
    }

    public static CacheConfig from(Map<String, String> env) {
        Settings s = new Settings(env);
        KafkaSettings kafka = KafkaSettings.read(s);
        RedisSettings redis = RedisSettings.read(s);
        MetricsConfig metrics = MetricsConfig.read(s, DEFAULT_METRICS_PORT);
        Optional<Path> rulesFile = s.optional(CACHE_RULES_FILE);
        KeyRules rules = null;
        // An unreadable path is already a problem of its own; otherwise the file or the built-in rules.
        if (s.raw(CACHE_RULES_FILE.name()) == null || rulesFile.isPresent()) {
            try {
                rules = KeyRules.load(rulesFile);
            } catch (KeyRules.InvalidRulesException e) {
                s.problem(CACHE_RULES_FILE.name() + " " + e.getMessage());
            }
        }
        CacheConfig config = new CacheConfig(kafka, redis, metrics, KafkaSettings.topicPrefix(s, CACHE_TOPIC_PREFIX),
                s.required(CACHE_CONSUMER_GROUP), rules, s.optional(CACHE_KEY_PREFIX).orElse(""), s.optional(CACHE_PUBLISH_CHANNEL),
                KafkaSettings.replicationFactor(s, CACHE_TOPIC_REPLICATION_FACTOR),
                s.required(CACHE_DEAD_LETTER_TOPIC));
        s.validate("cache-invalidator");
        return config;
    }

    /** The change topics of the tables that have rules, and the replayed dead letters. */
    public Pattern topics() {
        return Pattern.compile(topics(topicPrefix, rules).pattern() + "|" + Pattern.quote(DeadLetterQueue.replayTopic(deadLetterTopic)));
    }

    static Pattern topics(String topicPrefix, KeyRules rules) {
        List<String> tables = rules.tables().stream().map(t -> Pattern.quote(t.substring(t.indexOf('.') + 1))).toList();
        return Pattern.compile(Pattern.quote(topicPrefix) + "\\.app\\.(?:" + String.join("|", tables) + ")");
    }
}
