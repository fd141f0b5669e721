package io.cdcpipeline.common.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class PeriodicTest {

    @Test
    void shouldReadIntervalsAsTypedOnACommandLine() {
        assertThat(Periodic.parseInterval("45s")).contains(Duration.ofSeconds(45));
        assertThat(Periodic.parseInterval(" 30m ")).contains(Duration.ofMinutes(30));
        assertThat(Periodic.parseInterval("6h")).contains(Duration.ofHours(6));
        assertThat(Periodic.parseInterval("1d")).contains(Duration.ofDays(1));
        assertThat(Periodic.parseInterval("0h")).isEmpty();
        assertThat(Periodic.parseInterval("6")).isEmpty();
        assertThat(Periodic.parseInterval("-1h")).isEmpty();
        assertThat(Periodic.parseInterval("1w")).isEmpty();
        assertThat(Periodic.parseInterval("PT6H")).isEmpty();
    }

    @Test
    void shouldRunTheJobNowAndAgainAfterEachIntervalUntilStopped() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch third = new CountDownLatch(3);
        AtomicInteger closed = new AtomicInteger();
        Service service = Periodic.every(Duration.ofMillis(20), "periodic-test", () -> {
            runs.incrementAndGet();
            third.countDown();
        }, closed::incrementAndGet);
        Thread loop = new Thread(() -> {
            try {
                service.run().run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        loop.start();
        assertThat(third.await(5, TimeUnit.SECONDS)).as("three runs").isTrue();
        service.stop().run();
        loop.join(5_000);
        assertThat(loop.isAlive()).as("the run loop returned once stopped").isFalse();
        int after = runs.get();
        Thread.sleep(100);
        assertThat(runs.get()).as("no run after the stop").isEqualTo(after);
        assertThat(service.resources()).hasSize(1);
    }
}
