package io.cdcpipeline.launcher.demo;

import java.util.List;
import java.util.function.Predicate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * One reading of the services' own meters (what their /metrics endpoints export), summed over the
 * services and instances that have each meter.
 *
 * @param captured       change events capture published to Kafka (tables of the application; no heartbeats or tombstones)
 * @param captureLag     commit to Kafka acknowledgement
 * @param auditRows      audit rows committed
 * @param auditLag       commit to audit row committed
 * @param analyticsEvents change events the analytics topology counted
 * @param analyticsRows  daily-stats rows written
 * @param viewAgeSeconds how far the materialized view is behind (0 right after a refresh)
 * @param invalidations  cache keys deleted
 * @param invalidationLag commit to keys deleted
 * @param deadLetters    records sent to a dead-letter topic, every service
 * @param consumerLag    records on the consumers' partitions not consumed yet, every consumer
 */
record PipelineFigures(long captured, LatencyBuckets captureLag, long auditRows, LatencyBuckets auditLag, long analyticsEvents,
        long analyticsRows, double viewAgeSeconds, long invalidations, LatencyBuckets invalidationLag, long deadLetters,
        long consumerLag) {

    static final PipelineFigures ZERO = new PipelineFigures(0, LatencyBuckets.EMPTY, 0, LatencyBuckets.EMPTY, 0, 0, 0, 0,
            LatencyBuckets.EMPTY, 0, 0);

    static PipelineFigures read(List<MeterRegistry> registries) {
        return new PipelineFigures(
                count(registries, "capture.events", PipelineFigures::applicationChange),
                latency(registries, "capture.lag"),
                count(registries, "audit.rows.written", m -> true),
                latency(registries, "audit.lag"),
                count(registries, "analytics.events.aggregated", m -> true),
                count(registries, "analytics.rows.upserted", m -> true),
                gauge(registries, "analytics.view.staleness"),
                count(registries, "cache.keys.invalidated", m -> true),
                latency(registries, "cache.invalidation.lag"),
                deadLetters(registries),
                Math.round(gauge(registries, "consumer.lag.records")));
    }

    /**
     * A change of an application table: capture also publishes transaction boundaries
     * ({@code transaction}), logical messages ({@code message}), heartbeats and the tombstones
     * after deletes, none of which is a row change.
     */
    private static boolean applicationChange(Meter m) {
        String table = String.valueOf(m.getId().getTag("table"));
        return !"tombstone".equals(m.getId().getTag("op")) && table.indexOf('.') > 0 && !table.startsWith("__")
                && !table.startsWith("cdc.");
    }

    private static long count(List<MeterRegistry> registries, String name, Predicate<Meter> which) {
        double sum = 0;
        for (MeterRegistry r : registries) {
            for (Counter c : r.find(name).counters()) {
                if (which.test(c)) {
                    sum += c.count();
                }
            }
        }
        return Math.round(sum);
    }

    private static double gauge(List<MeterRegistry> registries, String name) {
        double sum = 0;
        for (MeterRegistry r : registries) {
            for (Gauge g : r.find(name).gauges()) {
                double v = g.value();
                sum += Double.isFinite(v) ? v : 0;
            }
        }
        return sum;
    }

    private static LatencyBuckets latency(List<MeterRegistry> registries, String name) {
        LatencyBuckets sum = LatencyBuckets.EMPTY;
        for (MeterRegistry r : registries) {
            for (Timer t : r.find(name).timers()) {
                sum = sum.plus(LatencyBuckets.of(t));
            }
        }
        return sum;
    }

    /** Every service's {@code <service>.dlq.records}. */
    private static long deadLetters(List<MeterRegistry> registries) {
        double sum = 0;
        for (MeterRegistry r : registries) {
            for (Meter m : r.getMeters()) {
                if (m.getId().getName().endsWith(".dlq.records") && m instanceof Counter c) {
                    sum += c.count();
                }
            }
        }
        return Math.round(sum);
    }
}
