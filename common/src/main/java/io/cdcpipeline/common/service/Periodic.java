package io.cdcpipeline.common.service;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jobs an operator runs on a schedule as a service ({@code schema maintain --every 6h},
 * {@code audit-sink verify --every 6h}): the interval as typed on a command line, and the service
 * that runs the job now and then every interval.
 */
public final class Periodic {

    private static final Pattern INTERVAL = Pattern.compile("([0-9]{1,9})([smhd])");

    private Periodic() {
    }

    /** {@code 45s}, {@code 30m}, {@code 6h} or {@code 1d}; empty for anything else, zero included. */
    public static Optional<Duration> parseInterval(String text) {
        Matcher m = INTERVAL.matcher(text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        return Optional.of(switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        });
    }

    /**
     * Runs {@code job} now and then {@code every} after the previous run ended (runs never overlap),
     * on a thread named {@code name}, until the service is stopped; {@code resources} are closed
     * after. The job handles its own failures: a run that throws ends the schedule's thread.
     */
    public static Service every(Duration every, String name, Runnable job, AutoCloseable... resources) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(name));
        CountDownLatch stopped = new CountDownLatch(1);
        return Service.of(() -> {
            scheduler.scheduleWithFixedDelay(job, 0, every.toMillis(), TimeUnit.MILLISECONDS);
            stopped.await();
            scheduler.shutdownNow();
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        }, stopped::countDown, resources);
    }
}
