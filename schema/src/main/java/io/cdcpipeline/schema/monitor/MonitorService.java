package io.cdcpipeline.schema.monitor;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.cdcpipeline.common.db.Database;
import io.cdcpipeline.common.db.Priority;
import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.Service;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * {@code schema monitor}: the database exporter. Collects every {@link MonitorConfig#interval()}
 * through the {@code bulk} pool (connect as monitor_user: a member of pg_monitor that reads no
 * application data) and serves the figures on {@code /metrics}; {@code /health/ready} is up while
 * collections succeed.
 */
public final class MonitorService {

    private MonitorService() {
    }

    /** The running exporter, wired as in production (the CLI, the launcher and tests use this). */
    public static Service create(Map<String, String> env) throws Exception {
        MonitorConfig config = MonitorConfig.from(env);
        MetricsServer metrics = MetricsServer.start(config.metrics(), "db-monitor");
        Database db;
        try {
            db = Database.open(config.database(), metrics.registry(), EnumSet.of(Priority.BULK));
        } catch (Exception e) {
            metrics.close();
            throw e;
        }
        MonitorExporter exporter = exporter(config, db, metrics.registry());
        long staleAfter = 3 * config.interval().toMillis() + 10_000;
        metrics.addReadinessCheck("collections", () -> exporter.sinceLastSuccess() < staleAfter);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "db-monitor"));
        CountDownLatch stopped = new CountDownLatch(1);
        return Service.of(() -> {
            scheduler.scheduleWithFixedDelay(exporter::collectOnce, 0, config.interval().toMillis(), TimeUnit.MILLISECONDS);
            stopped.await();
            scheduler.shutdownNow();
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        }, stopped::countDown, metrics, db);
    }

    /** One collection's metrics in the Prometheus text format; {@code complete}: every collector succeeded. */
    public record Collection(boolean complete, String metrics) {
    }

    /** {@code schema monitor --once}: collect once and return the exposition, no endpoint. */
    public static Collection collectOnce(Map<String, String> env) throws Exception {
        MonitorConfig config = MonitorConfig.from(env);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Database db = Database.open(config.database(), registry, EnumSet.of(Priority.BULK))) {
            boolean complete = exporter(config, db, registry).collectOnce();
            return new Collection(complete, registry.scrape());
        } finally {
            registry.close();
        }
    }

    static MonitorExporter exporter(MonitorConfig config, Database db, MeterRegistry registry) {
        List<Collector> collectors = List.of(
                new ActivityCollector(registry, config.longTransaction()),
                new QueryStatsCollector(registry, config.topStatements()),
                new StorageCollector(registry, config.dataDirectory()),
                new ReplicationCollector(registry),
                new IndexAndViewCollector(registry));
        return new MonitorExporter(db.bulk(), collectors, config.interval(), registry);
    }
}
