package io.cdcpipeline.common.kafka;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What a sink does with a batch of records, for {@link ConsumerLoop}, in two steps.
 *
 * <ul>
 *   <li>{@link #prepare} does the work that needs nothing from earlier batches (parsing,
 *       dead-lettering). The loop runs it on its own thread while the previous batch is still
 *       being applied, so a sink's CPU work overlaps its database's.</li>
 *   <li>{@link #apply} makes the prepared batch durable (or idempotently re-appliable). The loop
 *       runs it on its writer thread, one batch at a time, in order.</li>
 * </ul>
 *
 * Records the handler cannot parse or apply go to the dead-letter topic in one of the two.
 * Throwing from either means "nothing of this batch may be considered done": the loop retries it,
 * and the batch prepared behind a failed one is discarded and prepared again.
 *
 * @param <P> a prepared batch
 */
public interface BatchHandler<P> {

    P prepare(List<ConsumerRecord<String, String>> batch) throws Exception;

    void apply(P prepared) throws Exception;

    /**
     * Where to resume the newly assigned partitions, for sinks that store their positions with
     * their data (exactly-once effect). Partitions missing from the map resume from Kafka's
     * committed offset (or the beginning). Never called while a batch is being applied.
     */
    default Map<TopicPartition, Long> storedPositions(Collection<TopicPartition> assigned) throws Exception {
        return Map.of();
    }

    /**
     * True when {@link #storedPositions} is the authoritative position of every partition (a
     * partition without one starts at the log start): the loop then never lets Kafka reset an
     * offset out of range, it stops the partition instead.
     */
    default boolean storesPositions() {
        return false;
    }

    /**
     * Failures of this handler's own resources worth retrying (e.g. Redis unreachable), beyond the
     * database and Kafka errors the loop recognises itself.
     */
    default boolean isTransient(Throwable error) {
        return false;
    }

    /**
     * How many partitions a batch should span for this handler to write them in parallel (1: no
     * preference). The loop then polls a share of the batch at a time, pausing the partitions it
     * already holds, so a backlog on several partitions gives batches of several partitions.
     */
    default int partitionsPerBatch() {
        return 1;
    }

    /** A handler with nothing to prepare: the whole batch is applied in one step. */
    interface OneStep extends BatchHandler<List<ConsumerRecord<String, String>>> {

        void handle(List<ConsumerRecord<String, String>> batch) throws Exception;

        @Override
        default List<ConsumerRecord<String, String>> prepare(List<ConsumerRecord<String, String>> batch) {
            return batch;
        }

        @Override
        default void apply(List<ConsumerRecord<String, String>> batch) throws Exception {
            handle(batch);
        }
    }
}
