package io.cdcpipeline.common.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.Timer;

/**
 * Latencies as Prometheus histograms with the same fixed buckets everywhere ({@code _bucket{le=...}}),
 * so that a dashboard or an alert can add the instances of a service and take a quantile of the
 * sum ({@code histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))}). Quantiles computed
 * inside each instance cannot be added. The buckets run from 5 ms to 5 min, the alert thresholds
 * (10 s, 30 s, 60 s) among them.
 */
public final class LatencyHistogram {

    static final Duration[] BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300)};

    private LatencyHistogram() {
    }

    /** A timer named {@code name} with the shared buckets. */
    public static Timer.Builder timer(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(BUCKETS);
    }
}
