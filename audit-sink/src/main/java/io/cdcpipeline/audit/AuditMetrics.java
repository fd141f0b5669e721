package io.cdcpipeline.audit;

import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** audit-sink's own meters (batch size and latency come from the consumer loop, dead letters from the DLQ). */
final class AuditMetrics {

    final Counter rowsWritten;
    /** Records below the stored Kafka position: Kafka delivered them again (a rebalance, a restart). */
    final Counter redelivered;
    /** Changes whose source key is in the log already: capture published them again after a crash. */
    final Counter republished;
    final Counter contextsWritten;
    final Timer endToEndLag;

    AuditMetrics(MeterRegistry registry) {
        rowsWritten = Counter.builder("audit.rows.written").description("audit rows committed").register(registry);
        redelivered = Counter.builder("audit.duplicates.skipped").tag("reason", "redelivered")
                .description("records already in the log, by how they came again").register(registry);
        republished = Counter.builder("audit.duplicates.skipped").tag("reason", "republished")
                .description("records already in the log, by how they came again").register(registry);
        contextsWritten = Counter.builder("audit.contexts.written").description("transaction actors committed").register(registry);
        endToEndLag = Timer.builder("audit.lag").description("source commit to audit row committed")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    void committed(Iterable<AuditRow> rows, int contexts) {
        Instant now = Instant.now();
        int count = 0;
        for (AuditRow row : rows) {
            endToEndLag.record(Duration.between(row.committedAt(), now).abs());
            count++;
        }
        rowsWritten.increment(count);
        contextsWritten.increment(contexts);
    }
}
