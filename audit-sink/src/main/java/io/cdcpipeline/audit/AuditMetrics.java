package io.cdcpipeline.audit;

import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** audit-sink's own meters (batch size and latency come from the consumer loop, dead letters from the DLQ). */
final class AuditMetrics {

    final Counter rowsWritten;
    final Counter duplicatesSkipped;
    final Counter contextsWritten;
    final Timer endToEndLag;

    AuditMetrics(MeterRegistry registry) {
        rowsWritten = Counter.builder("audit.rows.written").description("audit rows committed").register(registry);
        duplicatesSkipped = Counter.builder("audit.duplicates.skipped")
                .description("changes already in the log (republished by capture or redelivered by Kafka)").register(registry);
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
