package io.cdcpipeline.capture;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.cdcpipeline.common.metrics.LatencyHistogram;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Capture's metrics: events by table and operation, commit → Kafka-acknowledged lag, send errors,
 * and (from {@link SlotMonitor}) the slot's retained WAL and confirmed position.
 */
final class CaptureMetrics {

    private final MeterRegistry registry;
    private final String topicPrefix;
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final Timer lag;
    final AtomicLong retainedWalBytes = new AtomicLong(-1);
    final AtomicLong confirmedFlushLsn = new AtomicLong(-1);
    final AtomicLong slotActive = new AtomicLong(0);
    /** 1 while the engine's task runs (set by the engine's callbacks). */
    final AtomicLong streaming = new AtomicLong(0);
    final AtomicLong leader = new AtomicLong(0);

    CaptureMetrics(MeterRegistry registry, String topicPrefix) {
        this.registry = registry;
        this.topicPrefix = topicPrefix;
        this.lag = LatencyHistogram.timer("capture.lag", "source commit to Kafka acknowledgement").register(registry);
        Gauge.builder("capture.slot.retained.wal", retainedWalBytes, AtomicLong::get).baseUnit("bytes")
                .description("WAL the replication slot keeps on the server (current LSN - restart_lsn)").register(registry);
        Gauge.builder("capture.slot.confirmed.lsn", confirmedFlushLsn, AtomicLong::get)
                .description("last position acknowledged to PostgreSQL (confirmed_flush_lsn)").register(registry);
        Gauge.builder("capture.slot.active", slotActive, AtomicLong::get).description("1 while a walsender uses the slot").register(registry);
        Gauge.builder("capture.leader", leader, AtomicLong::get).description("1 on the active instance, 0 on a standby").register(registry);
    }

    /** The streaming gauge reads the runner's notion of streaming (engine running and past its snapshot). */
    void streamingState(java.util.function.BooleanSupplier state) {
        // Strong reference: the supplier is a method reference nobody else holds.
        Gauge.builder("capture.streaming", state, s -> s.getAsBoolean() ? 1 : 0).strongReference(true)
                .description("1 while this instance's engine streams changes (snapshot done)").register(registry);
    }

    void published(String topic, String value) {
        String table = topic.startsWith(topicPrefix + ".") ? topic.substring(topicPrefix.length() + 1) : topic;
        String op = value == null ? "tombstone" : EnvelopeScanner.op(value);
        events.computeIfAbsent(table + "|" + op, k -> Counter.builder("capture.events").tag("table", table).tag("op", op)
                .description("change events acknowledged by Kafka").register(registry)).increment();
        if (value != null) {
            long committedAt = EnvelopeScanner.sourceTimestamp(value);
            if (committedAt > 0) {
                lag.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - committedAt)));
            }
        }
    }

    void sendFailed(String topic) {
        Counter.builder("capture.kafka.send.errors").description("records Kafka did not acknowledge").register(registry).increment();
    }

    void engineRestarted(String reason) {
        Counter.builder("capture.engine.restarts").tag("reason", reason).register(registry).increment();
    }
}
