package io.cdcpipeline.common.db;

import java.time.Duration;

/**
 * Retries of transient failures: {@code attempts} retries after the first try, waiting an
 * exponentially growing, fully jittered delay starting at {@code initialDelay}, capped at
 * {@code maxDelay}.
 */
public record RetrySettings(int attempts, Duration initialDelay, Duration maxDelay) {
}
