package io.cdcpipeline.analytics;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import io.cdcpipeline.common.kafka.DeadLetterHeaders;

/**
 * The replayed dead letters ({@code replay-dead-letters}) first published to one counted table's
 * topic: the topology sends them to the partition their key has on that topic, so they meet the
 * row versions of that partition ({@link RowVersions}); a replayed TRUNCATE goes to the partition
 * it came from, named in its {@link DeadLetterHeaders#PARTITION} header.
 */
final class ReplayedFrom implements FixedKeyProcessor<String, SourceChange, SourceChange> {

    private final String topic;
    private FixedKeyProcessorContext<String, SourceChange> context;

    ReplayedFrom(String topic) {
        this.topic = topic;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, SourceChange> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, SourceChange> record) {
        String first = DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.TOPIC);
        if (record.value() == null || !topic.equals(first)) {
            return;
        }
        SourceChange change = record.value();
        if (change.truncate()) {
            String partition = DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.PARTITION);
            change = change.onPartition(partition == null ? 0 : Integer.parseInt(partition));
        }
        context.forward(record.withValue(change));
    }

    /** The partition Kafka's default partitioner gives the key on the change topic; a truncate's own partition. */
    static final class SamePartition implements StreamPartitioner<String, SourceChange> {

        @Override
        public Optional<Set<Integer>> partitions(String topic, String key, SourceChange value, int numPartitions) {
            if (key == null) {
                int p = value != null && value.partition() >= 0 ? value.partition() % numPartitions : 0;
                return Optional.of(Set.of(p));
            }
            return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % numPartitions));
        }
    }
}
