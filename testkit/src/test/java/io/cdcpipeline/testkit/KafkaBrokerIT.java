package io.cdcpipeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class KafkaBrokerIT {

    private static final int RECORDS = 10_000;
    private static final int KEYS = 100;

    @Test
    void shouldReturnEveryRecordInPerKeyOrder() {
        KafkaTopics topics = EmbeddedInfrastructure.shared().kafka().topics();
        String topic = KafkaTopics.uniqueName("ordered");
        topics.create(topic, 6);

        List<Map.Entry<String, String>> sent = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            sent.add(Map.entry("key-" + (i % KEYS), Integer.toString(i)));
        }
        topics.produce(topic, sent);

        List<ConsumerRecord<String, String>> received = topics.drain(topic, RECORDS, Duration.ofSeconds(60));

        assertThat(received).as("every produced record comes back once").hasSize(RECORDS);
        assertThat(received.stream().map(ConsumerRecord::partition).distinct().count())
                .as("the keys spread over several partitions").isGreaterThan(1);
        Map<String, List<Integer>> perKey = new LinkedHashMap<>();
        received.forEach(r -> perKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Integer.parseInt(r.value())));
        assertThat(perKey).hasSize(KEYS);
        perKey.forEach((key, values) -> assertThat(values).as("values of %s in send order", key).isSorted().hasSize(RECORDS / KEYS));
    }
}
