package io.cdcpipeline.analytics;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.DatabaseConfig;
import io.cdcpipeline.common.kafka.DeadLetterReplay;
import io.cdcpipeline.common.kafka.KafkaSettings;
import io.cdcpipeline.common.metrics.MetricsConfig;

/**
 * Configuration of analytics-aggregator. It logs in as {@code analytics_user}: upserts go
 * through the {@code standard} pool, refreshes through {@code bulk}.
 */
public record AnalyticsConfig(DatabaseConfig database, KafkaSettings kafka, MetricsConfig metrics, String topicPrefix,
                              String applicationId, Path stateDir, Duration refreshInterval, Duration refreshTimeout,
                              Duration commitInterval, Optional<Short> replicationFactor, int partitions,
                              String deadLetterTopic) {

    static final int DEFAULT_METRICS_PORT = 9403;

    public static final Setting<String> ANALYTICS_TOPIC_PREFIX = Setting.string("ANALYTICS_TOPIC_PREFIX",
            "deprecated: KAFKA_TOPIC_PREFIX");
    public static final Setting<String> ANALYTICS_APPLICATION_ID = Setting.string("ANALYTICS_APPLICATION_ID",
            "Kafka Streams application id: instances with the same id share the work").withDefault("analytics-aggregator")
            .requiring(s -> s.matches("[A-Za-z0-9._-]+"), "letters, digits, '.', '_' or '-'");
    public static final Setting<Path> ANALYTICS_STATE_DIR = Setting.string("ANALYTICS_STATE_DIR",
            "directory of the local state stores (rebuilt from changelog topics when lost)").withDefault(
            Path.of(System.getProperty("java.io.tmpdir"), "analytics-aggregator").toString()).map(Path::of);
    public static final Setting<Duration> ANALYTICS_REFRESH_INTERVAL = Setting.millis("ANALYTICS_REFRESH_INTERVAL",
            "ms: the materialized view is refreshed at most once per interval, and only after stats changed").withDefault("60000");
    public static final Setting<Duration> ANALYTICS_REFRESH_TIMEOUT = Setting.millis("ANALYTICS_REFRESH_TIMEOUT",
            "ms statement_timeout of one refresh").withDefault("600000").requiring(d -> d.toMillis() >= 1000, "at least 1000 ms");
    public static final Setting<Duration> ANALYTICS_COMMIT_INTERVAL = Setting.millis("ANALYTICS_COMMIT_INTERVAL",
            "ms between Kafka Streams commits (exactly_once_v2 transactions)").withDefault("1000")
            .requiring(d -> d.toMillis() >= 10, "at least 10 ms");
    public static final Setting<Integer> ANALYTICS_REPLICATION_FACTOR = Setting.integer("ANALYTICS_REPLICATION_FACTOR",
            "deprecated: KAFKA_REPLICATION_FACTOR").between(1, 10);
    public static final Setting<Integer> ANALYTICS_PARTITIONS = Setting.integer("ANALYTICS_PARTITIONS",
            "partitions of the stats topic, and of counted change topics created before capture made them")
            .withDefault("3").between(1, 1000);

    public static final Setting<String> ANALYTICS_DEAD_LETTER_TOPIC = Setting.string("ANALYTICS_DEAD_LETTER_TOPIC",
            "topic of the records the topology cannot read (Kafka Connect's dead-letter headers)")
            .withDefault("analytics-aggregator.dlq");

    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(DatabaseConfig.settings());
        all.addAll(KafkaSettings.SETTINGS);
        all.addAll(MetricsConfig.settings(DEFAULT_METRICS_PORT));
        all.addAll(List.of(ANALYTICS_APPLICATION_ID, ANALYTICS_STATE_DIR, ANALYTICS_REFRESH_INTERVAL,
                ANALYTICS_REFRESH_TIMEOUT, ANALYTICS_COMMIT_INTERVAL, ANALYTICS_PARTITIONS,
                ANALYTICS_DEAD_LETTER_TOPIC));
        return all;
    }

    /** What {@code replay-dead-letters} needs: KAFKA_* and the dead-letter topic. */
    public static DeadLetterReplay.Target replayTarget(Map<String, String> env) {
        Settings s = new Settings(env);
        DeadLetterReplay.Target target = new DeadLetterReplay.Target(KafkaSettings.read(s), s.required(ANALYTICS_DEAD_LETTER_TOPIC));
        s.validate("analytics-aggregator replay-dead-letters");
        return target;
    }

    public static AnalyticsConfig from(Map<String, String> env) {
        Settings s = new Settings(env);
        DatabaseConfig database = DatabaseConfig.read(s, "analytics-aggregator");
        KafkaSettings kafka = KafkaSettings.read(s);
        MetricsConfig metrics = MetricsConfig.read(s, DEFAULT_METRICS_PORT);
        Integer partitions = s.required(ANALYTICS_PARTITIONS);
        AnalyticsConfig config = new AnalyticsConfig(database, kafka, metrics, KafkaSettings.topicPrefix(s, ANALYTICS_TOPIC_PREFIX),
                s.required(ANALYTICS_APPLICATION_ID), s.required(ANALYTICS_STATE_DIR), s.required(ANALYTICS_REFRESH_INTERVAL),
                s.required(ANALYTICS_REFRESH_TIMEOUT), s.required(ANALYTICS_COMMIT_INTERVAL),
                KafkaSettings.replicationFactor(s, ANALYTICS_REPLICATION_FACTOR),
                partitions == null ? 1 : partitions, s.required(ANALYTICS_DEAD_LETTER_TOPIC));
        s.validate("analytics-aggregator");
        return config;
    }

    /** Absolute counts per (article, day), between the topology and the database sink. */
    public String statsTopic() {
        return applicationId + ".daily-stats";
    }

    /** The change topic of {@code app.articles}, which the materialized view joins. */
    String articlesTopic() {
        return topicPrefix + ".app.articles";
    }

    List<String> countedTopics() {
        return List.of(topicPrefix + ".app.article_views", topicPrefix + ".app.comments", topicPrefix + ".app.user_favorites");
    }
}
