package io.cdcpipeline.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

class ZipfSamplerTest {

    @Test
    void shouldDrawTheFirstRanksMostAndStayBelowN() {
        ZipfSampler zipf = new ZipfSampler(1000, 1.1);
        Random random = new Random(7);
        int[] hits = new int[20];
        for (int i = 0; i < 100_000; i++) {
            int rank = zipf.sample(random, 20);
            assertThat(rank).isBetween(0, 19);
            hits[rank]++;
        }
        // Zipf with s = 1.1: rank 1 is drawn 2^1.1 = 2.14 times as often as rank 2.
        assertThat((double) hits[0] / hits[1]).isBetween(1.9, 2.4);
        assertThat(hits[0]).isGreaterThan(hits[19] * 10);
        assertThat(zipf.sample(random, 1)).isZero();
    }
}
