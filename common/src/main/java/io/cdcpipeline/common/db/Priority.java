package io.cdcpipeline.common.db;

import java.time.Duration;
import java.util.Locale;

/**
 * Connection pools by the importance of their work. Each is a separate HikariCP pool with its own
 * size and timeouts, so saturating {@link #BULK} never delays {@link #CRITICAL}.
 */
public enum Priority {
    /** Audit writes, cache-invalidation bookkeeping: short transactions that must not wait. */
    CRITICAL(Duration.ofSeconds(30)),
    /** Aggregation writes. */
    STANDARD(Duration.ofSeconds(60)),
    /** Materialized-view refresh, maintenance, analyst queries: long and few. */
    BULK(Duration.ofMinutes(15));

    private final Duration defaultStatementTimeout;

    Priority(Duration defaultStatementTimeout) {
        this.defaultStatementTimeout = defaultStatementTimeout;
    }

    public Duration defaultStatementTimeout() {
        return defaultStatementTimeout;
    }

    /** {@code critical}, {@code standard}, {@code bulk}: pool names and metric tags. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Prefix of this pool's own variables, e.g. {@code DB_BULK_}. */
    String variablePrefix() {
        return "DB_" + name() + "_";
    }
}
