package io.cdcpipeline.launcher.demo;

import java.util.Arrays;
import java.util.Random;

/**
 * Ranks drawn by a Zipf law over the first {@code n} ranks, for any {@code n} up to a maximum: the
 * cumulative weights {@code sum 1/k^s} are computed once, and a draw is a binary search below the
 * total of the first {@code n}. Rank 0 is the most likely.
 */
final class ZipfSampler {

    private final double[] cumulative;

    ZipfSampler(int maxRanks, double exponent) {
        cumulative = new double[maxRanks];
        double sum = 0;
        for (int k = 0; k < maxRanks; k++) {
            sum += 1 / Math.pow(k + 1, exponent);
            cumulative[k] = sum;
        }
    }

    /** A rank in {@code [0, n)}. */
    int sample(Random random, int n) {
        int ranks = Math.min(n, cumulative.length);
        if (ranks <= 0) {
            throw new IllegalArgumentException("no ranks to draw from");
        }
        double u = random.nextDouble() * cumulative[ranks - 1];
        int i = Arrays.binarySearch(cumulative, 0, ranks, u);
        return Math.min(i >= 0 ? i : -i - 1, ranks - 1);
    }
}
