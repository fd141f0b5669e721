package io.cdcpipeline.audit;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.kafka.KafkaSettings;

/**
 * The newest row of each chain, published periodically to a compacted topic outside the
 * database: whoever can rewrite the audit tables cannot also rewind this, so {@code verify} can
 * tell a log whose tail was cut off from a complete one. Thread-safe.
 */
final class ChainHeads implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChainHeads.class);

    record Head(String topic, int partition, long offset, String hash) {
        String key() {
            return topic + "/" + partition;
        }

        String json() {
            return "{\"topic\":\"" + topic + "\",\"partition\":" + partition + ",\"offset\":" + offset + ",\"hash\":\"" + hash
                    + "\",\"at\":\"" + Instant.now() + "\"}";
        }
    }

    private final String topic;
    private final KafkaProducer<String, String> producer;
    private final Map<String, Head> pending = new ConcurrentHashMap<>();

    ChainHeads(KafkaSettings kafka, String topic, short replicationFactor) {
        this.topic = topic;
        Map<String, Object> props = kafka.clientProperties("audit-sink-chain-heads");
        try (Admin admin = Admin.create(props)) {
            io.cdcpipeline.common.kafka.TopicAdmin.ensure(admin,
                    new NewTopic(topic, 1, replicationFactor).configs(Map.of("cleanup.policy", "compact")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Map<String, Object> producerProps = new HashMap<>(props);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        this.producer = new KafkaProducer<>(producerProps);
    }

    /** Remembers the new head of a chain after a commit. */
    void advanced(Head head) {
        pending.merge(head.key(), head, (old, now) -> now.offset() >= old.offset() ? now : old);
    }

    /** Publishes heads changed since the last call; failures only log (the next call retries). */
    void publish() {
        for (Head head : List.copyOf(pending.values())) {
            producer.send(new ProducerRecord<>(topic, head.key(), head.json()), (metadata, error) -> {
                if (error == null) {
                    pending.remove(head.key(), head);
                } else {
                    LOG.warn("cannot publish the chain head of {}: {}", head.key(), error.getMessage());
                }
            });
        }
        producer.flush();
    }

    /** The latest published head of every chain, read from the compacted topic. */
    static Map<String, Head> read(KafkaSettings kafka, String topic) {
        Map<String, Object> props = kafka.clientProperties("audit-sink-verify");
        props.put("group.id", "audit-sink-verify-" + java.util.UUID.randomUUID());
        props.put("enable.auto.commit", false);
        props.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class);
        props.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class);
        Map<String, Head> heads = new HashMap<>();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, String> consumer =
                     new org.apache.kafka.clients.consumer.KafkaConsumer<>(props)) {
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic, java.time.Duration.ofSeconds(10))
                    .stream().map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            if (partitions.isEmpty()) {
                return heads;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (var record : consumer.poll(java.time.Duration.ofMillis(500))) {
                    if (record.value() == null) {
                        heads.remove(record.key());
                        continue;
                    }
                    com.fasterxml.jackson.databind.JsonNode v = CanonicalJson.parse(record.value());
                    Head head = new Head(v.path("topic").asText(), v.path("partition").asInt(), v.path("offset").asLong(),
                            v.path("hash").asText());
                    heads.merge(record.key(), head, (a, b) -> b.offset() >= a.offset() ? b : a);
                }
            }
        }
        return heads;
    }

    @Override
    public void close() {
        publish();
        producer.close();
    }
}
