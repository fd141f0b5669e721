package io.cdcpipeline.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.metrics.LatencyHistogram;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

class LatencyBucketsTest {

    @Test
    void shouldInterpolateInsideTheBucketAsPrometheusDoes() {
        // 100 observations: 50 at or below 10 ms, 40 more up to 25 ms, 10 more up to 50 ms.
        LatencyBuckets b = new LatencyBuckets(new double[] {10, 25, 50}, new double[] {50, 90, 100}, 100);
        assertThat(b.quantileMillis(0.5)).isCloseTo(10, within(1e-9));
        assertThat(b.quantileMillis(0.7)).isCloseTo(17.5, within(1e-9)); // halfway through (10, 25]
        assertThat(b.quantileMillis(0.99)).isCloseTo(47.5, within(1e-9));
        assertThat(LatencyBuckets.EMPTY.quantileMillis(0.5)).isNaN();
    }

    @Test
    void shouldReportTheLastBoundForObservationsBeyondIt() {
        LatencyBuckets b = new LatencyBuckets(new double[] {10, 25}, new double[] {1, 2}, 10);
        assertThat(b.quantileMillis(0.99)).isEqualTo(25);
    }

    @Test
    void shouldReadTheServicesTimersAndTakeTheWindowAndTheSumOfInstances() {
        PrometheusMeterRegistry one = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PrometheusMeterRegistry two = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Timer a = LatencyHistogram.timer("audit.lag", "test").register(one);
        Timer b = LatencyHistogram.timer("audit.lag", "test").register(two);
        for (int i = 0; i < 90; i++) {
            a.record(Duration.ofMillis(3));
        }
        LatencyBuckets before = LatencyBuckets.of(a);
        for (int i = 0; i < 10; i++) {
            a.record(Duration.ofMillis(200));
        }
        b.record(Duration.ofMillis(7));
        LatencyBuckets sum = LatencyBuckets.of(a).plus(LatencyBuckets.of(b));
        assertThat(sum.total()).isEqualTo(101);
        assertThat(sum.quantileMillis(0.5)).as("cumulative counts: most are at or below 5 ms").isLessThanOrEqualTo(5);
        assertThat(sum.quantileMillis(0.99)).isBetween(100.0, 250.0);
        LatencyBuckets window = LatencyBuckets.of(a).minus(before);
        assertThat(window.total()).isEqualTo(10);
        assertThat(window.quantileMillis(0.5)).as("only the slow ones in the window").isBetween(100.0, 250.0);
    }
}
