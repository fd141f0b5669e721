package io.cdcpipeline.common.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.config.ConfigurationException;

class ServiceRunnerTest {

    @Test
    void shouldExitWithTwoOnAConfigurationError() {
        int code = ServiceRunner.runUntilStopped("svc", env -> {
            throw new ConfigurationException("svc", List.of("DB_HOST is missing"));
        }, Map.of(), false);
        assertThat(code).isEqualTo(2);
    }

    @Test
    void shouldCloseResourcesInReverseOrderAfterTheLoopReturns() {
        List<String> closed = new ArrayList<>();
        CountDownLatch stop = new CountDownLatch(1);
        Thread stopper = new Thread(stop::countDown);
        int code = ServiceRunner.runUntilStopped("svc", env -> Service.of(
                () -> {
                    stopper.start();
                    stop.await();
                    closed.add("loop finished");
                },
                stop::countDown,
                () -> closed.add("metrics"), () -> closed.add("database")), Map.of(), false);

        assertThat(code).isZero();
        assertThat(closed).containsExactly("loop finished", "database", "metrics");
    }

    @Test
    void shouldExitWithOneWhenTheLoopFails() {
        List<String> closed = new ArrayList<>();
        int code = ServiceRunner.runUntilStopped("svc", env -> Service.of(() -> {
            throw new IllegalStateException("boom");
        }, () -> { }, () -> closed.add("db")), Map.of(), false);
        assertThat(code).isEqualTo(1);
        assertThat(closed).containsExactly("db");
    }
}
