package io.cdcpipeline.bench;

/** The benchmarks' one definition of a latency quantile. */
final class Percentiles {

    private Percentiles() {
    }

    /** The nearest-rank {@code q} quantile of sorted values. */
    static long nearestRank(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
