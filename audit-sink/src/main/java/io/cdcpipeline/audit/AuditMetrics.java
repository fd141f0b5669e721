package io.cdcpipeline.audit;

import java.time.Duration;
import java.time.Instant;

import io.cdcpipeline.common.metrics.LatencyHistogram;
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
    /** Batches refused because another consumer group wrote one of their chains within AUDIT_CHAIN_TAKEOVER_AFTER. */
    final Counter chainRefusals;
    private final MeterRegistry registry;

    AuditMetrics(MeterRegistry registry) {
        rowsWritten = Counter.builder("audit.rows.written").description("audit rows committed").register(registry);
        redelivered = Counter.builder("audit.duplicates.skipped").tag("reason", "redelivered")
                .description("records already in the log, by how they came again").register(registry);
        republished = Counter.builder("audit.duplicates.skipped").tag("reason", "republished")
                .description("records already in the log, by how they came again").register(registry);
        contextsWritten = Counter.builder("audit.contexts.written").description("transaction actors committed").register(registry);
        chainRefusals = Counter.builder("audit.chain.refusals")
                .description("batches refused because another consumer group is writing one of their chains").register(registry);
        this.registry = registry;
        for (String kind : new String[] {"rewritten", "tail_removed", "head_differs", "head_behind_log"}) {
            chainAnomaly(kind);
        }
        endToEndLag = LatencyHistogram.timer("audit.lag", "source commit to audit row committed").register(registry);
    }

    /**
     * A chain whose stored head disagreed with the log or with what this sink wrote:
     * {@code rewritten} (the log was changed under the sink: tampering), {@code tail_removed},
     * {@code head_differs}, {@code head_behind_log} (audit.chains wiped or restored: benign).
     */
    Counter chainAnomaly(String kind) {
        return Counter.builder("audit.chain.anomalies").tag("kind", kind)
                .description("chains whose stored head disagreed with the log, by kind").register(registry);
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
