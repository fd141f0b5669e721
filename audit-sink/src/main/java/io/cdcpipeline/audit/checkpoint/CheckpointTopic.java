package io.cdcpipeline.audit.checkpoint;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.cdcpipeline.common.kafka.KafkaSettings;
import io.cdcpipeline.common.kafka.TopicAdmin;

/**
 * The newest checkpoint of each kind and chain, on a compacted topic: where {@code verify} learns
 * how far each chain reached, even if the newest checkpoint file never left the sink's host.
 */
public final class CheckpointTopic implements AutoCloseable {

    private final String topic;
    private final KafkaProducer<String, String> producer;

    public CheckpointTopic(KafkaSettings kafka, String topic, Optional<Short> replicationFactor) {
        this.topic = topic;
        Map<String, Object> props = kafka.clientProperties("audit-sink-checkpoints");
        try (Admin admin = Admin.create(props)) {
            TopicAdmin.ensure(admin, new NewTopic(topic, Optional.of(1), replicationFactor).configs(Map.of("cleanup.policy", "compact")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Map<String, Object> producerProps = new HashMap<>(props);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        this.producer = new KafkaProducer<>(producerProps);
    }

    /** Sends the checkpoints and returns when every one is acknowledged. */
    public void send(List<Checkpoint> checkpoints) throws Exception {
        List<Future<RecordMetadata>> sent = checkpoints.stream()
                .map(c -> producer.send(new ProducerRecord<>(topic, c.topicKey(), c.json()))).toList();
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    /** What the topic holds: the newest checkpoint per key, and the values that are not checkpoints. */
    public record Contents(Map<String, Checkpoint> newest, List<String> unreadable, boolean exists) {
    }

    /** Reads the whole topic (it is compacted: one record per chain and kind, plus not yet compacted ones). */
    public static Contents read(KafkaSettings kafka, String topic) {
        Map<String, Object> props = kafka.clientProperties("audit-verify");
        props.put("group.id", "audit-verify-" + UUID.randomUUID());
        props.put("enable.auto.commit", false);
        props.put("key.deserializer", StringDeserializer.class);
        props.put("value.deserializer", StringDeserializer.class);
        Map<String, Checkpoint> newest = new HashMap<>();
        List<String> unreadable = new java.util.ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            if (!consumer.listTopics(Duration.ofSeconds(30)).containsKey(topic)) {
                return new Contents(newest, unreadable, false);
            }
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() == null) {
                        newest.remove(record.key());
                        continue;
                    }
                    try {
                        newest.put(record.key(), Checkpoint.parse(record.value()));
                    } catch (RuntimeException e) {
                        unreadable.add(topic + "@" + record.offset() + ": " + e.getMessage());
                    }
                }
            }
        }
        return new Contents(newest, unreadable, true);
    }
}
