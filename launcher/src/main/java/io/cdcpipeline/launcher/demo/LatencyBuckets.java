package io.cdcpipeline.launcher.demo;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

/**
 * A latency histogram as the services export it (cumulative counts at fixed bounds, see
 * {@code LatencyHistogram}), and its quantiles estimated as Prometheus' {@code histogram_quantile}
 * does: linear interpolation inside the bucket that holds the quantile. So the demo shows the
 * figures a dashboard would. {@link #minus} gives the histogram of a window (the last redraw).
 *
 * @param boundsMillis upper bound of each bucket
 * @param cumulative   observations at or below each bound
 * @param total        all observations, also those above the last bound
 */
record LatencyBuckets(double[] boundsMillis, double[] cumulative, long total) {

    static final LatencyBuckets EMPTY = new LatencyBuckets(new double[0], new double[0], 0);

    static LatencyBuckets of(Timer timer) {
        if (timer == null) {
            return EMPTY;
        }
        HistogramSnapshot snapshot = timer.takeSnapshot();
        CountAtBucket[] buckets = snapshot.histogramCounts();
        double[] bounds = new double[buckets.length];
        double[] counts = new double[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
            counts[i] = buckets[i].count();
        }
        return new LatencyBuckets(bounds, counts, snapshot.count());
    }

    /** Adds the instances of one latency (two audit-sinks, say), as {@code sum by (le)} does. */
    LatencyBuckets plus(LatencyBuckets other) {
        if (total == 0 && boundsMillis.length == 0) {
            return other;
        }
        if (other.boundsMillis.length == 0) {
            return this;
        }
        double[] counts = new double[cumulative.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = cumulative[i] + other.cumulative[i];
        }
        return new LatencyBuckets(boundsMillis, counts, total + other.total);
    }

    /** The observations made since {@code earlier} (a snapshot of the same histogram). */
    LatencyBuckets minus(LatencyBuckets earlier) {
        if (earlier.boundsMillis.length != boundsMillis.length) {
            return this;
        }
        double[] counts = new double[cumulative.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = cumulative[i] - earlier.cumulative[i];
        }
        return new LatencyBuckets(boundsMillis, counts, total - earlier.total);
    }

    /**
     * The {@code q} quantile in milliseconds, NaN without observations. Above the last bound it is
     * that bound (the histogram cannot tell more), as Prometheus reports it.
     */
    double quantileMillis(double q) {
        if (total <= 0 || boundsMillis.length == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (int i = 0; i < boundsMillis.length; i++) {
            if (cumulative[i] >= rank) {
                double inBucket = cumulative[i] - lowerCount;
                double fraction = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
                return lowerBound + (boundsMillis[i] - lowerBound) * fraction;
            }
            lowerBound = boundsMillis[i];
            lowerCount = cumulative[i];
        }
        return boundsMillis[boundsMillis.length - 1];
    }
}
