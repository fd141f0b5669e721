package io.cdcpipeline.capture;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.debezium.engine.spi.OffsetCommitPolicy;

/**
 * When the engine commits its position: every {@code CAPTURE_OFFSET_FLUSH_INTERVAL}, and at the
 * end of the batch in which {@link KafkaPublisher} asked for it. The publisher asks at the first
 * boundary of an engine run and after snapshot reads, so that the position saying "snapshot done"
 * is stored before any streamed change is published: an engine that died before storing it would
 * snapshot again when restarted, and the changes streamed in between would reach consumers only
 * folded into snapshot reads (their history lost to the audit log).
 *
 * <p>The engine calls {@link #performCommit} at the end of each batch, on its own thread; the
 * request is made on the same thread, just before.
 */
final class PositionCommitPolicy implements OffsetCommitPolicy {

    private final Duration interval;
    private final AtomicBoolean requested = new AtomicBoolean();

    PositionCommitPolicy(Duration interval) {
        this.interval = interval;
    }

    /** Commit at the end of the current batch. */
    void requestCommit() {
        requested.set(true);
    }

    @Override
    public boolean performCommit(long recordsSinceLastCommit, Duration timeSinceLastCommit) {
        return requested.getAndSet(false) || timeSinceLastCommit.compareTo(interval) >= 0;
    }
}
