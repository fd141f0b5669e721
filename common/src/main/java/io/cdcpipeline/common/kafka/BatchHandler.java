package io.cdcpipeline.common.kafka;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What a sink does with a batch of records, for {@link ConsumerLoop}.
 *
 * <p>{@link #handle} must make the whole batch durable (or idempotently re-appliable) before it
 * returns; records it cannot parse or apply go to the dead-letter topic inside {@code handle}.
 * Throwing means "nothing of this batch may be considered done": the loop retries it.
 */
public interface BatchHandler {

    void handle(List<ConsumerRecord<String, String>> batch) throws Exception;

    /**
     * Where to resume the newly assigned partitions, for sinks that store their positions with
     * their data (exactly-once effect). Partitions missing from the map resume from Kafka's
     * committed offset (or the beginning).
     */
    default Map<TopicPartition, Long> storedPositions(Collection<TopicPartition> assigned) throws Exception {
        return Map.of();
    }

    /**
     * Failures of this handler's own resources worth retrying (e.g. Redis unreachable), beyond the
     * database and Kafka errors the loop recognises itself.
     */
    default boolean isTransient(Throwable error) {
        return false;
    }
}
