package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class PartitionGroupsTest {

    private static List<ConsumerRecord<String, String>> records(String topic, int partition, int count) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new ConsumerRecord<>(topic, partition, i, "k", "v"));
        }
        return out;
    }

    @Test
    void shouldKeepEachPartitionWholeAndInOrderInOneGroup() {
        List<ConsumerRecord<String, String>> batch = new ArrayList<>();
        batch.addAll(records("a", 0, 50));
        batch.addAll(records("a", 1, 30));
        batch.addAll(records("b", 0, 25));
        batch.addAll(records("a", 2, 5));

        List<List<ConsumerRecord<String, String>>> groups = PartitionGroups.split(batch, 2);

        assertThat(groups).hasSize(2);
        assertThat(groups.stream().mapToInt(List::size).sum()).isEqualTo(batch.size());
        for (List<ConsumerRecord<String, String>> group : groups) {
            for (List<ConsumerRecord<String, String>> other : groups) {
                if (other != group) {
                    assertThat(group).noneMatch(r -> other.stream()
                            .anyMatch(o -> o.topic().equals(r.topic()) && o.partition() == r.partition()));
                }
            }
            // Within a group, each partition's records keep their offsets' order.
            for (ConsumerRecord<String, String> r : group) {
                List<Long> offsets = group.stream().filter(o -> o.topic().equals(r.topic()) && o.partition() == r.partition())
                        .map(ConsumerRecord::offset).toList();
                assertThat(offsets).isSorted();
            }
        }
        // Largest first into the lightest group: 50 + 5 | 30 + 25.
        assertThat(groups.stream().map(List::size).sorted().toList()).containsExactly(55, 55);
    }

    @Test
    void shouldNotMakeMoreGroupsThanPartitions() {
        List<ConsumerRecord<String, String>> batch = records("a", 3, 10);

        assertThat(PartitionGroups.split(batch, 4)).containsExactly(batch);
        assertThat(PartitionGroups.split(batch, 1)).containsExactly(batch);
    }
}
