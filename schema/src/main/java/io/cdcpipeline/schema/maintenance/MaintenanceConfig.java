package io.cdcpipeline.schema.maintenance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;
import io.cdcpipeline.common.metrics.MetricsConfig;

/**
 * Configuration of {@code schema maintain}: how to connect (like {@code migrate}: a role that may
 * {@code SET ROLE admin_user}, the owner of every table), when an action is due, and how long an
 * action may wait for a lock or run.
 */
public record MaintenanceConfig(ConnectionSettings connection, Thresholds thresholds, Duration lockTimeout,
                                Duration statementTimeout, MetricsConfig metrics) {

    static final int DEFAULT_METRICS_PORT = 9406;

    /** When each action is due; the defaults are close to autovacuum's, so maintain catches what it fell behind on. */
    public record Thresholds(long analyzeMinChanges, double analyzeScale, long vacuumMinDead, double vacuumDeadRatio,
                             double reindexBloatRatio, long reindexMinBytes) {
    }

    public static final Setting<Long> MAINTAIN_ANALYZE_MIN_CHANGES = Setting.longInteger("MAINTAIN_ANALYZE_MIN_CHANGES",
            "ANALYZE a table when rows changed since its last analyze exceed this + MAINTAIN_ANALYZE_SCALE x its rows")
            .withDefault("500").between(0L, Long.MAX_VALUE);
    public static final Setting<Double> MAINTAIN_ANALYZE_SCALE = fraction("MAINTAIN_ANALYZE_SCALE",
            "fraction of a table's rows that must have changed for ANALYZE", "0.1");
    public static final Setting<Long> MAINTAIN_VACUUM_MIN_DEAD = Setting.longInteger("MAINTAIN_VACUUM_MIN_DEAD",
            "VACUUM a table only with at least this many dead rows").withDefault("1000").between(0L, Long.MAX_VALUE);
    public static final Setting<Double> MAINTAIN_VACUUM_DEAD_RATIO = fraction("MAINTAIN_VACUUM_DEAD_RATIO",
            "VACUUM a table when dead rows / all rows reach this", "0.1");
    public static final Setting<Double> MAINTAIN_REINDEX_BLOAT_RATIO = fraction("MAINTAIN_REINDEX_BLOAT_RATIO",
            "REINDEX CONCURRENTLY an index whose estimated bloat reaches this fraction of its size", "0.5");
    public static final Setting<Long> MAINTAIN_REINDEX_MIN_BYTES = Setting.longInteger("MAINTAIN_REINDEX_MIN_BYTES",
            "leave indexes smaller than this alone (rebuilding them gains nothing)").withDefault("8388608")
            .between(0L, Long.MAX_VALUE);
    public static final Setting<Duration> MAINTAIN_LOCK_TIMEOUT = Setting.millis("MAINTAIN_LOCK_TIMEOUT",
            "ms an action waits for its lock before it is skipped (lock_timeout): maintenance never queues behind the application")
            .withDefault("5000");
    public static final Setting<Duration> MAINTAIN_STATEMENT_TIMEOUT = Setting.millis("MAINTAIN_STATEMENT_TIMEOUT",
            "ms one action may run (statement_timeout)").withDefault("3600000");

    private static Setting<Double> fraction(String name, String description, String defaultValue) {
        return Setting.string(name, description).map(Double::valueOf).withDefault(defaultValue)
                .requiring(d -> d > 0 && d <= 1, "a fraction above 0, at most 1");
    }

    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(ConnectionSettings.SETTINGS);
        all.addAll(MetricsConfig.settings(DEFAULT_METRICS_PORT));
        all.addAll(List.of(MAINTAIN_ANALYZE_MIN_CHANGES, MAINTAIN_ANALYZE_SCALE, MAINTAIN_VACUUM_MIN_DEAD, MAINTAIN_VACUUM_DEAD_RATIO,
                MAINTAIN_REINDEX_BLOAT_RATIO, MAINTAIN_REINDEX_MIN_BYTES, MAINTAIN_LOCK_TIMEOUT, MAINTAIN_STATEMENT_TIMEOUT));
        return all;
    }

    public static MaintenanceConfig from(Map<String, String> env) {
        Settings s = new Settings(env);
        ConnectionSettings connection = ConnectionSettings.read(s, "cdc-maintain");
        Thresholds thresholds = new Thresholds(orZero(s.required(MAINTAIN_ANALYZE_MIN_CHANGES)), orOne(s.required(MAINTAIN_ANALYZE_SCALE)),
                orZero(s.required(MAINTAIN_VACUUM_MIN_DEAD)), orOne(s.required(MAINTAIN_VACUUM_DEAD_RATIO)),
                orOne(s.required(MAINTAIN_REINDEX_BLOAT_RATIO)), orZero(s.required(MAINTAIN_REINDEX_MIN_BYTES)));
        Duration lockTimeout = s.required(MAINTAIN_LOCK_TIMEOUT);
        Duration statementTimeout = s.required(MAINTAIN_STATEMENT_TIMEOUT);
        MetricsConfig metrics = MetricsConfig.read(s, DEFAULT_METRICS_PORT);
        s.validate("schema maintain");
        return new MaintenanceConfig(connection, thresholds, lockTimeout, statementTimeout, metrics);
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    private static double orOne(Double value) {
        return value == null ? 1 : value;
    }
}
