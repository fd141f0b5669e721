package io.cdcpipeline.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.nio.file.Path;

import io.cdcpipeline.audit.personal.PersonalColumns;
import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.DatabaseConfig;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.kafka.DeadLetterReplay;
import io.cdcpipeline.common.kafka.KafkaSettings;
import io.cdcpipeline.common.metrics.MetricsConfig;

/**
 * Configuration of audit-sink. It logs in as {@code audit_user} ({@code DB_USER}) and writes
 * through the {@code critical} pool.
 */
public record AuditSinkConfig(DatabaseConfig database, KafkaSettings kafka, MetricsConfig metrics, String topicPrefix,
                              List<String> schemas, String consumerGroup, boolean includeSnapshots,
                              Map<String, Set<String>> maskedColumns, boolean dropMasked, PersonalColumns personal,
                              int batchRecords, int batchBytes,
                              int parallelWriters, Checkpoints checkpoints, Duration chainTakeoverAfter,
                              Optional<Short> replicationFactor, String deadLetterTopic) {

    /** Where and how often the chain heads are signed and published. */
    public record Checkpoints(Path keyFile, Path directory, Duration interval, String topic) {
    }

    static final int DEFAULT_METRICS_PORT = 9402;

    /** How configured columns are hidden. */
    public enum MaskMode { MASK, DROP }

    public static final Setting<String> AUDIT_TOPIC_PREFIX = Setting.string("AUDIT_TOPIC_PREFIX",
            "deprecated: KAFKA_TOPIC_PREFIX");
    public static final Setting<String> AUDIT_SCHEMAS = Setting.string("AUDIT_SCHEMAS",
            "comma-separated schemas whose change topics are audited. Unset: every table capture publishes (every"
            + " <prefix>.<schema>.<table> topic but capture's own schema cdc), new ones as they appear");
    public static final Setting<String> AUDIT_CONSUMER_GROUP = Setting.string("AUDIT_CONSUMER_GROUP",
            "Kafka consumer group; instances in one group share the partitions").withDefault("audit-sink");
    public static final Setting<Boolean> AUDIT_INCLUDE_SNAPSHOTS = Setting.bool("AUDIT_INCLUDE_SNAPSHOTS",
            "also record snapshot reads (op r) as audit rows").withDefault("false");
    public static final Setting<String> AUDIT_MASKED_COLUMNS = Setting.string("AUDIT_MASKED_COLUMNS",
            "comma-separated schema.table.column hidden before they reach the audit log");
    public static final Setting<MaskMode> AUDIT_MASK_MODE = Setting.oneOf("AUDIT_MASK_MODE", MaskMode.class,
            "mask: replace the value by ****; drop: remove the column").withDefault("mask");
    public static final Setting<Integer> AUDIT_BATCH_RECORDS = Setting.integer("AUDIT_BATCH_RECORDS",
            "maximum records per batch (one transaction)").withDefault("5000").between(1, 100_000);
    public static final Setting<Integer> AUDIT_BATCH_BYTES = Setting.integer("AUDIT_BATCH_BYTES",
            "maximum bytes fetched per batch").withDefault("16777216").between(65_536, 268_435_456);
    public static final Setting<Integer> AUDIT_PARALLEL_WRITERS = Setting.integer("AUDIT_PARALLEL_WRITERS",
            "transactions writing one batch at once, each with a share of its partitions (connections of the critical pool)")
            .withDefault("2").between(1, 32);
    public static final Setting<Path> AUDIT_CHECKPOINT_KEY_FILE = Setting.readableFile("AUDIT_CHECKPOINT_KEY_FILE",
            "Ed25519 private key (PKCS#8 PEM) that signs the checkpoints; keep it outside the database and its backups").secret();
    public static final Setting<String> AUDIT_CHECKPOINT_DIR = Setting.string("AUDIT_CHECKPOINT_DIR",
            "directory the signed checkpoints are appended to (one file per process and hour); ship it to storage that"
                    + " refuses deletion");
    public static final Setting<Duration> AUDIT_CHECKPOINT_INTERVAL = Setting.millis("AUDIT_CHECKPOINT_INTERVAL",
            "ms between signed checkpoints of the chains written since the last: a careful rewrite of rows newer than the"
                    + " newest checkpoint is not detected").withDefault("10000")
            .requiring(d -> d.toMillis() >= 100, "at least 100 ms");
    public static final Setting<String> AUDIT_CHECKPOINT_TOPIC = Setting.string("AUDIT_CHECKPOINT_TOPIC",
            "compacted topic of the newest checkpoint per chain (default <KAFKA_TOPIC_PREFIX>.audit-checkpoints)");
    public static final Setting<Duration> AUDIT_CHAIN_TAKEOVER_AFTER = Setting.millis("AUDIT_CHAIN_TAKEOVER_AFTER",
            "ms a chain must be left unwritten by its group before another consumer group may continue it").withDefault("30000")
            .requiring(d -> d.toMillis() >= 0, "not negative");
    public static final Setting<String> AUDIT_DEAD_LETTER_TOPIC = Setting.string("AUDIT_DEAD_LETTER_TOPIC",
            "topic of the records audit-sink cannot read (Kafka Connect's dead-letter headers)").withDefault("audit-sink.dlq");
    public static final Setting<Integer> AUDIT_TOPIC_REPLICATION_FACTOR = Setting.integer("AUDIT_TOPIC_REPLICATION_FACTOR",
            "deprecated: KAFKA_REPLICATION_FACTOR").between(1, 10);

    public static final Setting<Path> AUDIT_CHECKPOINT_PUBLIC_KEY_FILE = Setting.readableFile("AUDIT_CHECKPOINT_PUBLIC_KEY_FILE",
            "Ed25519 public keys (X.509 PEM, one or more: the current key and those it replaced) the checkpoints must be signed"
                    + " with");

    /**
     * Settings of {@code audit-sink verify} and {@code retain} besides DB_* (a role that may read the
     * log; for retain, the audit tables' owner) and KAFKA_BOOTSTRAP_SERVERS; they also read
     * KAFKA_TOPIC_PREFIX and the settings that shape rows (masking, personal columns, snapshots) to
     * rebuild rows from the change topics; with a role that may read the subjects' keys, verify
     * compares personal values too.
     */
    public static List<Setting<?>> verifySettings() {
        return List.of(AUDIT_CHECKPOINT_PUBLIC_KEY_FILE, AUDIT_CHECKPOINT_DIR, AUDIT_CHECKPOINT_TOPIC, AUDIT_CHECKPOINT_KEY_FILE);
    }

    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(DatabaseConfig.settings());
        all.addAll(KafkaSettings.SETTINGS);
        all.addAll(MetricsConfig.settings(DEFAULT_METRICS_PORT));
        all.addAll(List.of(AUDIT_SCHEMAS, AUDIT_CONSUMER_GROUP, AUDIT_INCLUDE_SNAPSHOTS, AUDIT_MASKED_COLUMNS,
                AUDIT_MASK_MODE, PersonalColumns.AUDIT_PERSONAL_COLUMNS, PersonalColumns.AUDIT_DATA_SUBJECTS, AUDIT_BATCH_RECORDS, AUDIT_BATCH_BYTES, AUDIT_PARALLEL_WRITERS, AUDIT_CHECKPOINT_KEY_FILE,
                AUDIT_CHECKPOINT_DIR, AUDIT_CHECKPOINT_INTERVAL, AUDIT_CHECKPOINT_TOPIC, AUDIT_CHAIN_TAKEOVER_AFTER,
                AUDIT_DEAD_LETTER_TOPIC));
        return all;
    }

    /** What {@code replay-dead-letters} needs: KAFKA_* and the dead-letter topic. */
    public static DeadLetterReplay.Target replayTarget(Map<String, String> env) {
        Settings s = new Settings(env);
        DeadLetterReplay.Target settings = new DeadLetterReplay.Target(KafkaSettings.read(s), s.required(AUDIT_DEAD_LETTER_TOPIC));
        s.validate("audit-sink replay-dead-letters");
        return settings;
    }

    public static AuditSinkConfig from(Map<String, String> env) {
        Settings s = new Settings(env);
        DatabaseConfig database = DatabaseConfig.read(s, "audit-sink");
        KafkaSettings kafka = KafkaSettings.read(s);
        MetricsConfig metrics = MetricsConfig.read(s, DEFAULT_METRICS_PORT);
        List<String> schemas = s.optional(AUDIT_SCHEMAS).map(v -> List.of(v.trim().split("\\s*,\\s*"))).orElse(List.of());
        Map<String, Set<String>> masked = maskedColumns(s);
        PersonalColumns personal = PersonalColumns.read(s);
        String prefix = KafkaSettings.topicPrefix(s, AUDIT_TOPIC_PREFIX);
        String checkpointDir = s.required(AUDIT_CHECKPOINT_DIR);
        Checkpoints checkpoints = new Checkpoints(s.required(AUDIT_CHECKPOINT_KEY_FILE), checkpointDir == null ? null : Path.of(checkpointDir),
                s.required(AUDIT_CHECKPOINT_INTERVAL), checkpointTopic(s, prefix));
        AuditSinkConfig config = new AuditSinkConfig(database, kafka, metrics, prefix, schemas,
                s.required(AUDIT_CONSUMER_GROUP), Boolean.TRUE.equals(s.required(AUDIT_INCLUDE_SNAPSHOTS)), Map.copyOf(masked),
                s.required(AUDIT_MASK_MODE) == MaskMode.DROP, personal, orOne(s.required(AUDIT_BATCH_RECORDS)),
                orOne(s.required(AUDIT_BATCH_BYTES)), orOne(s.required(AUDIT_PARALLEL_WRITERS)), checkpoints,
                s.required(AUDIT_CHAIN_TAKEOVER_AFTER), KafkaSettings.replicationFactor(s, AUDIT_TOPIC_REPLICATION_FACTOR),
                s.required(AUDIT_DEAD_LETTER_TOPIC));
        s.validate("audit-sink");
        return config;
    }

    private static int orOne(Integer value) {
        return value == null ? 1 : value;
    }

    /** {@code <prefix>.message}: the audit.context messages. */
    public String messageTopic() {
        return topicPrefix + ".message";
    }

    /**
     * Change topics of the audited schemas (all but cdc when none are named), the erasures
     * ({@code audit.erasures}, always), the message topic, and the replayed dead letters.
     */
    public Pattern topics() {
        String schemaAlternatives = schemas.isEmpty() ? "(?!cdc\\.)[^.]+"
                : String.join("|", schemas.stream().map(Pattern::quote).toList());
        return Pattern.compile(Pattern.quote(topicPrefix) + "\\.(?:(?:" + schemaAlternatives + ")\\.[^.]+|audit\\.erasures|message)|"
                + Pattern.quote(DeadLetterQueue.replayTopic(deadLetterTopic)));
    }

    private static Map<String, Set<String>> maskedColumns(Settings s) {
        Map<String, Set<String>> masked = new HashMap<>();
        for (String column : s.optional(AUDIT_MASKED_COLUMNS).map(v -> v.split("\\s*,\\s*")).orElse(new String[0])) {
            String[] parts = column.split("\\.");
            if (parts.length != 3) {
                s.problem(AUDIT_MASKED_COLUMNS.name() + " entry '" + column + "' is invalid: expected schema.table.column");
                continue;
            }
            masked.computeIfAbsent(parts[0] + "." + parts[1], t -> new HashSet<>()).add(parts[2]);
        }
        return masked;
    }

    /** The checkpoint topic: set, or named after the change topics' prefix (one audited database per prefix). */
    static String checkpointTopic(Settings s, String prefix) {
        return s.optional(AUDIT_CHECKPOINT_TOPIC).orElse(prefix + ".audit-checkpoints");
    }

    /** The parser of the sink's records, from the settings that shape audit rows (verify rebuilds rows with it too). */
    static EnvelopeParser parser(Settings s) {
        return new EnvelopeParser(KafkaSettings.topicPrefix(s, AUDIT_TOPIC_PREFIX) + ".message", Boolean.TRUE.equals(s.required(AUDIT_INCLUDE_SNAPSHOTS)),
                maskedColumns(s), s.required(AUDIT_MASK_MODE) == MaskMode.DROP, PersonalColumns.read(s));
    }

    EnvelopeParser parser() {
        return new EnvelopeParser(messageTopic(), includeSnapshots, maskedColumns, dropMasked, personal);
    }
}
