package io.cdcpipeline.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Splits a batch into at most {@code n} groups of whole partitions with about the same number of
 * records, so the groups can be written in parallel transactions. A partition never spans two
 * groups: its chain and its stored position belong to exactly one transaction, and its records
 * keep their order.
 */
final class PartitionGroups {

    private PartitionGroups() {
    }

    static List<List<ConsumerRecord<String, String>>> split(List<ConsumerRecord<String, String>> batch, int n) {
        Map<TopicPartition, List<ConsumerRecord<String, String>>> byPartition = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> r : batch) {
            byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
        }
        int groups = Math.max(1, Math.min(n, byPartition.size()));
        if (groups == 1) {
            return List.of(batch);
        }
        // Largest partitions first, each into the lightest group so far: close to even for the
        // few partitions a batch has.
        List<List<ConsumerRecord<String, String>>> partitions = new ArrayList<>(byPartition.values());
        partitions.sort(Comparator.comparingInt((List<ConsumerRecord<String, String>> p) -> p.size()).reversed());
        List<List<ConsumerRecord<String, String>>> out = new ArrayList<>();
        for (int i = 0; i < groups; i++) {
            out.add(new ArrayList<>());
        }
        for (List<ConsumerRecord<String, String>> partition : partitions) {
            out.stream().min(Comparator.comparingInt(List::size)).orElseThrow().addAll(partition);
        }
        return out;
    }
}
