package io.cdcpipeline.launcher;

import io.cdcpipeline.analytics.AnalyticsConfig;
import io.cdcpipeline.cache.CacheConfig;
import io.cdcpipeline.audit.AuditSinkConfig;
import io.cdcpipeline.capture.CaptureConfig;
import io.cdcpipeline.common.config.SettingsReference;
import io.cdcpipeline.common.db.DatabaseConfig;
import io.cdcpipeline.common.metrics.MetricsConfig;
import io.cdcpipeline.schema.SchemaConfig;
import io.cdcpipeline.schema.maintenance.MaintenanceConfig;
import io.cdcpipeline.schema.monitor.MonitorConfig;

/**
 * The configuration reference ({@code docs/configuration.md}), generated from the {@code Setting}
 * declarations of every module (the launcher depends on all of them). {@code ./cdc-pipeline
 * reference --update docs/configuration.md} rewrites the block between the markers; a test fails
 * when the page is out of date.
 */
public final class ConfigurationReference {

    static final String BEGIN = "<!-- BEGIN GENERATED CONFIGURATION REFERENCE: ./cdc-pipeline reference --update docs/configuration.md -->";
    static final String END = "<!-- END GENERATED CONFIGURATION REFERENCE -->";

    private ConfigurationReference() {
    }

    static String markdown() {
        return new SettingsReference()
                .group("Database (every service; `common`)", DatabaseConfig.settings())
                .group("Metrics and health endpoint (every service)", MetricsConfig.settings(0))
                .group("Schema tool (`schema`)", SchemaConfig.settings())
                .group("Kafka (every service)", io.cdcpipeline.common.kafka.KafkaSettings.SETTINGS)
                .group("cdc-capture (also DB_*, KAFKA_BOOTSTRAP_SERVERS, METRICS_*; DB_USER=cdc_user with its client certificate)",
                        CaptureConfig.settings().stream().filter(s -> s.name().startsWith("CAPTURE_")).toList())
                .group("audit-sink (also DB_*, KAFKA_BOOTSTRAP_SERVERS, METRICS_*; DB_USER=audit_user)",
                        AuditSinkConfig.settings().stream().filter(s -> s.name().startsWith("AUDIT_")).toList())
                .group("audit-sink verify and retain (also DB_* as a role that may read the log, the tables' owner for retain;"
                        + " KAFKA_BOOTSTRAP_SERVERS; KAFKA_TOPIC_PREFIX and the masking settings; AUDIT_CHECKPOINT_KEY_FILE for retain)",
                        AuditSinkConfig.verifySettings().stream().filter(s -> !s.name().equals("AUDIT_CHECKPOINT_KEY_FILE")).toList())
                .group("analytics-aggregator (also DB_*, KAFKA_BOOTSTRAP_SERVERS, METRICS_*; DB_USER=analytics_user)",
                        AnalyticsConfig.settings().stream().filter(s -> s.name().startsWith("ANALYTICS_")).toList())
                .group("cache-invalidator (also KAFKA_BOOTSTRAP_SERVERS, METRICS_*; no database)",
                        CacheConfig.settings().stream().filter(s -> s.name().startsWith("REDIS_") || s.name().startsWith("CACHE_")).toList())
                .group("schema monitor (also DB_*, METRICS_* with default port 9405; DB_USER=monitor_user)",
                        MonitorConfig.settings().stream().filter(s -> s.name().startsWith("MONITOR_")).toList())
                .group("schema maintain (also the schema tool's DB_* connection, METRICS_* with default port 9406)",
                        MaintenanceConfig.settings().stream().filter(s -> s.name().startsWith("MAINTAIN_")).toList())
                .markdown();
    }

    /** {@code page} with the generated block replaced by the current reference. */
    static String updated(String page) {
        int begin = page.indexOf(BEGIN);
        int end = page.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException("the file has no generated configuration block (" + BEGIN + " ... " + END + ")");
        }
        return page.substring(0, begin + BEGIN.length()) + "\n\n" + markdown() + page.substring(end);
    }
}
