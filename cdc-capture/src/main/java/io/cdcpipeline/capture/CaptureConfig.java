package io.cdcpipeline.capture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.cdcpipeline.common.config.Secret;
import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;
import io.cdcpipeline.common.kafka.KafkaSettings;
import io.cdcpipeline.common.metrics.MetricsConfig;

/**
 * Configuration of cdc-capture. The database connection is the replication role's
 * ({@code DB_USER=cdc_user}, client certificate in {@code DB_SSL_CERT}/{@code DB_SSL_KEY}).
 */
public record CaptureConfig(ConnectionSettings database, KafkaSettings kafka, MetricsConfig metrics, String topicPrefix,
                            String slotName, String publication, String tables, String excludedColumns,
                            String maskedColumns, Optional<Secret> maskSalt, SnapshotMode snapshotMode, int topicPartitions,
                            Optional<Short> topicReplicationFactor, String offsetsTopic, Duration heartbeatInterval,
                            Duration offsetFlushInterval, boolean jsonWithSchemas, Duration leaderCheckInterval,
                            Duration restartDelay, Duration maxRestartDelay, int maxMessageBytes, Duration pollInterval) {

    static final int DEFAULT_METRICS_PORT = 9401;

    /** This configuration capturing {@code tableIncludeList} (regular expressions, comma-separated). */
    CaptureConfig withTables(String tableIncludeList) {
        return new CaptureConfig(database, kafka, metrics, topicPrefix, slotName, publication, tableIncludeList, excludedColumns,
                maskedColumns, maskSalt, snapshotMode, topicPartitions, topicReplicationFactor, offsetsTopic, heartbeatInterval,
                offsetFlushInterval, jsonWithSchemas, leaderCheckInterval, restartDelay, maxRestartDelay, maxMessageBytes, pollInterval);
    }

    public static final Setting<String> CAPTURE_TOPIC_PREFIX = Setting.string("CAPTURE_TOPIC_PREFIX",
            "deprecated: KAFKA_TOPIC_PREFIX")
            .requiring(s -> s.matches("[A-Za-z0-9_-]+"), "letters, digits, '_' or '-'");
    public static final Setting<String> CAPTURE_SLOT_NAME = Setting.string("CAPTURE_SLOT_NAME",
            "logical replication slot (created on first start)").withDefault("cdc_slot")
            .requiring(s -> s.matches("[a-z0-9_]{1,63}"), "lower-case letters, digits and '_'");
    public static final Setting<String> CAPTURE_PUBLICATION = Setting.string("CAPTURE_PUBLICATION",
            "publication created by `schema migrate`").withDefault("cdc_pub");
    public static final Setting<String> CAPTURE_TABLES = Setting.string("CAPTURE_TABLES",
            "regular expressions of schema.table to capture (Debezium table.include.list). Unset: every table of the"
            + " publication but capture's own (schema cdc), read again at each start, so a table `schema enroll` added"
            + " is captured from the next restart on");
    public static final Setting<String> CAPTURE_EXCLUDED_COLUMNS = Setting.string("CAPTURE_EXCLUDED_COLUMNS",
            "schema.table.column expressions that never leave the database")
            .withDefault("app\\.users\\.password_hash,app\\.articles\\.searchable");
    public static final Setting<String> CAPTURE_MASKED_COLUMNS = Setting.string("CAPTURE_MASKED_COLUMNS",
            "schema.table.column expressions of text columns replaced by a salted SHA-256 hash");
    public static final Setting<String> CAPTURE_MASK_SALT = Setting.string("CAPTURE_MASK_SALT",
            "salt of the masking hash (required with CAPTURE_MASKED_COLUMNS)").secret();
    public static final Setting<SnapshotMode> CAPTURE_SNAPSHOT_MODE = Setting.oneOf("CAPTURE_SNAPSHOT_MODE", SnapshotMode.class,
            "what to read before streaming").withDefault("initial");
    public static final Setting<Integer> CAPTURE_TOPIC_PARTITIONS = Setting.integer("CAPTURE_TOPIC_PARTITIONS",
            "partitions of each change topic created by capture").withDefault("3").between(1, 1000);
    public static final Setting<Integer> CAPTURE_TOPIC_REPLICATION_FACTOR = Setting.integer("CAPTURE_TOPIC_REPLICATION_FACTOR",
            "deprecated: KAFKA_REPLICATION_FACTOR").between(1, 10);
    public static final Setting<String> CAPTURE_OFFSETS_TOPIC = Setting.string("CAPTURE_OFFSETS_TOPIC",
            "compacted topic holding the capture position (default cdc-capture.<prefix>.offsets)");
    public static final Setting<Duration> CAPTURE_HEARTBEAT_INTERVAL = Setting.millis("CAPTURE_HEARTBEAT_INTERVAL",
            "ms between heartbeats (a write to cdc.heartbeat), so the slot advances while captured tables are idle")
            .withDefault("10000").requiring(d -> d.toMillis() >= 100, "at least 100 ms");
    public static final Setting<Duration> CAPTURE_OFFSET_FLUSH_INTERVAL = Setting.millis("CAPTURE_OFFSET_FLUSH_INTERVAL",
            "ms between commits of the acknowledged position (and so of the slot)").withDefault("1000");
    public static final Setting<Boolean> CAPTURE_JSON_SCHEMAS = Setting.bool("CAPTURE_JSON_SCHEMAS",
            "embed JSON schemas in every message, for stock Kafka Connect sinks").withDefault("false");
    public static final Setting<Duration> CAPTURE_LEADER_CHECK_INTERVAL = Setting.millis("CAPTURE_LEADER_CHECK_INTERVAL",
            "ms between a standby's attempts to become active, and the active's checks that it still is")
            .withDefault("1000").requiring(d -> d.toMillis() >= 50, "at least 50 ms");
    public static final Setting<Duration> CAPTURE_RESTART_DELAY = Setting.millis("CAPTURE_RESTART_DELAY",
            "ms before restarting a failed engine; doubles up to CAPTURE_MAX_RESTART_DELAY").withDefault("1000")
            .requiring(d -> d.toMillis() >= 1, "at least 1 ms");
    public static final Setting<Duration> CAPTURE_MAX_RESTART_DELAY = Setting.millis("CAPTURE_MAX_RESTART_DELAY",
            "ms cap of the restart delay").withDefault("30000");

    public static final Setting<Integer> CAPTURE_MAX_MESSAGE_BYTES = Setting.integer("CAPTURE_MAX_MESSAGE_BYTES",
            "largest change event capture publishes (before + after of a wide row); set on the topics it creates")
            .withDefault("16777216").between(1_048_576, 268_435_456);
    public static final Setting<Duration> CAPTURE_POLL_INTERVAL = Setting.millis("CAPTURE_POLL_INTERVAL",
            "ms Debezium waits when the replication stream, or its queue, has nothing new: the floor of commit -> Kafka latency"
                    + " when idle (each wait costs one wake-up, not a query)")
            .withDefault("5").requiring(d -> d.toMillis() >= 1 && d.toMillis() <= 10_000, "between 1 and 10000 ms");

    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(ConnectionSettings.SETTINGS);
        all.addAll(KafkaSettings.SETTINGS);
        all.addAll(MetricsConfig.settings(DEFAULT_METRICS_PORT));
        all.addAll(List.of(CAPTURE_SLOT_NAME, CAPTURE_PUBLICATION, CAPTURE_TABLES, CAPTURE_EXCLUDED_COLUMNS,
                CAPTURE_MASKED_COLUMNS, CAPTURE_MASK_SALT, CAPTURE_SNAPSHOT_MODE, CAPTURE_TOPIC_PARTITIONS,
                CAPTURE_OFFSETS_TOPIC, CAPTURE_HEARTBEAT_INTERVAL, CAPTURE_OFFSET_FLUSH_INTERVAL,
                CAPTURE_JSON_SCHEMAS, CAPTURE_LEADER_CHECK_INTERVAL, CAPTURE_RESTART_DELAY, CAPTURE_MAX_RESTART_DELAY,
                CAPTURE_MAX_MESSAGE_BYTES, CAPTURE_POLL_INTERVAL));
        return all;
    }

    public static CaptureConfig from(Map<String, String> env) {
        Settings s = new Settings(env);
        ConnectionSettings database = ConnectionSettings.read(s, "cdc-capture");
        KafkaSettings kafka = KafkaSettings.read(s);
        MetricsConfig metrics = MetricsConfig.read(s, DEFAULT_METRICS_PORT);
        String prefix = KafkaSettings.topicPrefix(s, CAPTURE_TOPIC_PREFIX);
        String masked = s.optional(CAPTURE_MASKED_COLUMNS).orElse("");
        Optional<Secret> salt = s.optional(CAPTURE_MASK_SALT).map(Secret::new);
        if (!masked.isBlank() && salt.isEmpty()) {
            s.problem(CAPTURE_MASK_SALT.name() + " is missing: CAPTURE_MASKED_COLUMNS needs a salt for its hash");
        }
        Integer partitions = s.required(CAPTURE_TOPIC_PARTITIONS);
        CaptureConfig config = new CaptureConfig(database, kafka, metrics, prefix, s.required(CAPTURE_SLOT_NAME),
                s.required(CAPTURE_PUBLICATION), s.optional(CAPTURE_TABLES).orElse(""), s.required(CAPTURE_EXCLUDED_COLUMNS), masked, salt,
                s.required(CAPTURE_SNAPSHOT_MODE), partitions == null ? 1 : partitions,
                KafkaSettings.replicationFactor(s, CAPTURE_TOPIC_REPLICATION_FACTOR),
                s.optional(CAPTURE_OFFSETS_TOPIC).orElse("cdc-capture." + prefix + ".offsets"),
                s.required(CAPTURE_HEARTBEAT_INTERVAL), s.required(CAPTURE_OFFSET_FLUSH_INTERVAL),
                Boolean.TRUE.equals(s.required(CAPTURE_JSON_SCHEMAS)), s.required(CAPTURE_LEADER_CHECK_INTERVAL),
                s.required(CAPTURE_RESTART_DELAY), s.required(CAPTURE_MAX_RESTART_DELAY),
                java.util.Objects.requireNonNullElse(s.required(CAPTURE_MAX_MESSAGE_BYTES), 1_048_576),
                s.required(CAPTURE_POLL_INTERVAL));
        s.validate("cdc-capture");
        return config;
    }

    /** Debezium's {@code <prefix>.<schema>.<table>}. */
    public String topicOf(String schema, String table) {
        return topicPrefix + "." + schema + "." + table;
    }
}
