package io.cdcpipeline.schema.monitor;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.db.PriorityPool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Runs every {@link Collector}, each in its own transaction with
 * {@code statement_timeout} and {@code lock_timeout}, so a slow catalog query or a table locked
 * by a migration costs one family one round, never the exporter. Exports its own health:
 * {@code pg_up}, per-collector duration and errors, the time of the last complete collection.
 */
final class MonitorExporter {

    private static final Logger LOG = LoggerFactory.getLogger(MonitorExporter.class);

    private final PriorityPool pool;
    private final List<Collector> collectors;
    private final Duration statementTimeout;
    private final MeterRegistry registry;
    private final GaugeFamily up;
    private final AtomicLong lastSuccess = new AtomicLong();

    MonitorExporter(PriorityPool pool, List<Collector> collectors, Duration interval, MeterRegistry registry) {
        this.pool = pool;
        this.collectors = collectors;
        // A collection must finish well within one interval.
        this.statementTimeout = Duration.ofMillis(Math.max(1000, Math.min(10_000, interval.toMillis() / 2)));
        this.registry = registry;
        this.up = new GaugeFamily(registry, "pg.up", "1 when the last collection reached PostgreSQL");
        Gauge.builder("pg.exporter.last.collection.timestamp.seconds", lastSuccess, v -> v.get() / 1000.0)
                .description("end of the last collection in which every collector succeeded (Unix time)").strongReference(true)
                .register(registry);
        // Zero from the start, so rate() and alerts see the first error.
        collectors.forEach(this::errors);
    }

    /** One round over every collector; true when all of them succeeded. */
    boolean collectOnce() {
        boolean reached = false;
        boolean allOk = true;
        for (Collector collector : collectors) {
            long started = System.nanoTime();
            try {
                pool.inTransaction(c -> {
                    try (Statement s = c.createStatement()) {
                        s.execute("SET LOCAL statement_timeout = " + statementTimeout.toMillis());
                        // Shorter than the statement timeout, so a lock wait is reported as one.
                        s.execute("SET LOCAL lock_timeout = " + statementTimeout.toMillis() / 2);
                    }
                    collector.collect(c);
                    return null;
                });
                reached = true;
            } catch (SQLException | RuntimeException e) {
                allOk = false;
                errors(collector).increment();
                LOG.warn("collector {} failed: {}", collector.name(), e.getMessage());
            } finally {
                duration(collector).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
        }
        up.set(reached ? 1 : 0);
        if (allOk) {
            lastSuccess.set(System.currentTimeMillis());
        }
        return allOk;
    }

    /** Milliseconds since the last complete collection (Long.MAX_VALUE before the first). */
    long sinceLastSuccess() {
        long last = lastSuccess.get();
        return last == 0 ? Long.MAX_VALUE : System.currentTimeMillis() - last;
    }

    private Counter errors(Collector collector) {
        return Counter.builder("pg.exporter.collect.errors").description("failed collections").tag("collector", collector.name())
                .register(registry);
    }

    private Timer duration(Collector collector) {
        return Timer.builder("pg.exporter.collect.duration").description("time of one collection").tag("collector", collector.name())
                .register(registry);
    }
}
