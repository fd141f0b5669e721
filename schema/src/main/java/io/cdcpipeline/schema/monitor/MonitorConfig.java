package io.cdcpipeline.schema.monitor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.DatabaseConfig;
import io.cdcpipeline.common.metrics.MetricsConfig;

/** Configuration of {@code schema monitor}: the database (as monitor_user), the endpoint, what and how often to collect. */
public record MonitorConfig(DatabaseConfig database, MetricsConfig metrics, Duration interval, int topStatements,
                            Duration longTransaction, Optional<Path> dataDirectory) {

    static final int DEFAULT_METRICS_PORT = 9405;

    public static final Setting<Duration> MONITOR_INTERVAL = Setting.millis("MONITOR_INTERVAL",
            "ms between collections (set the Prometheus scrape interval to the same)").withDefault("15000")
            .requiring(d -> d.toMillis() >= 100, "at least 100 ms");
    public static final Setting<Integer> MONITOR_TOP_STATEMENTS = Setting.integer("MONITOR_TOP_STATEMENTS",
            "statements exported from pg_stat_statements: the top N by total time and the top N by mean time")
            .withDefault("20").between(1, 500);
    public static final Setting<Duration> MONITOR_LONG_TRANSACTION = Setting.millis("MONITOR_LONG_TRANSACTION",
            "ms after which an open transaction counts as long-running").withDefault("300000");
    public static final Setting<Path> MONITOR_DATA_DIRECTORY = Setting.string("MONITOR_DATA_DIRECTORY",
            "path whose file system's free space is exported (default: the server's data_directory when this host sees it)")
            .map(Path::of);

    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(DatabaseConfig.settings());
        all.addAll(MetricsConfig.settings(DEFAULT_METRICS_PORT));
        all.addAll(List.of(MONITOR_INTERVAL, MONITOR_TOP_STATEMENTS, MONITOR_LONG_TRANSACTION, MONITOR_DATA_DIRECTORY));
        return all;
    }

    public static MonitorConfig from(Map<String, String> env) {
        Settings s = new Settings(env);
        DatabaseConfig database = DatabaseConfig.read(s, "cdc-monitor");
        MetricsConfig metrics = MetricsConfig.read(s, DEFAULT_METRICS_PORT);
        Duration interval = s.required(MONITOR_INTERVAL);
        Integer top = s.required(MONITOR_TOP_STATEMENTS);
        Duration longTransaction = s.required(MONITOR_LONG_TRANSACTION);
        Optional<Path> dataDirectory = s.optional(MONITOR_DATA_DIRECTORY);
        s.validate("schema monitor");
        return new MonitorConfig(database, metrics, interval, top, longTransaction, dataDirectory);
    }
}
