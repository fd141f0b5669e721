package io.cdcpipeline.common.kafka;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A service's dead-letter topic (its {@code *_DEAD_LETTER_TOPIC} setting, default {@code <service>.dlq}): records a
 * service could not read, unchanged, with their source position and the error in Kafka Connect's
 * header names ({@link DeadLetterHeaders}). {@link #send} returns only after Kafka acknowledged,
 * so a caller may then treat the record as handled. Thread-safe.
 */
public final class DeadLetterQueue implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterQueue.class);

    private final String topic;
    private final String service;
    private final KafkaProducer<String, String> producer;
    private final Counter sent;

    public DeadLetterQueue(KafkaSettings kafka, String service, String topic, Optional<Short> replicationFactor,
                           MeterRegistry registry) {
        this.topic = topic;
        this.service = service;
        Map<String, Object> props = kafka.clientProperties(service + "-dlq");
        try (Admin admin = Admin.create(props)) {
            TopicAdmin.ensure(admin, new NewTopic(topic, Optional.of(1), replicationFactor));
            TopicAdmin.ensure(admin, new NewTopic(replayTopic(topic), Optional.of(1), replicationFactor));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        this.producer = new KafkaProducer<>(props);
        this.sent = Counter.builder(service.replace('-', '_') + ".dlq.records").description("records sent to the dead-letter topic")
                .register(registry);
    }

    public String topic() {
        return topic;
    }

    /**
     * Where {@code replay-dead-letters} puts the records of dead-letter topic {@code deadLetterTopic}
     * back: a topic the service reads besides the change topics, so a replayed record goes through
     * exactly the service's own path (and reaches no other consumer of the change topics).
     */
    public static String replayTopic(String deadLetterTopic) {
        return deadLetterTopic + ".replay";
    }

    /** Sends {@code record}, which could not be read, with {@code error}; waits for Kafka's acknowledgement. */
    public void send(ConsumerRecord<String, String> record, Throwable error) throws InterruptedException {
        String message = error.getClass().getSimpleName() + ": " + error.getMessage();
        Headers headers = DeadLetterHeaders.of(record, service, DeadLetterHeaders.STAGE_READ, service, error);
        try {
            producer.send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka did not acknowledge the dead letter for " + record.topic() + "-"
                    + record.partition() + "@" + record.offset(), e.getCause());
        }
        sent.increment();
        LOG.warn("{}-{}@{} sent to {}: {}", record.topic(), record.partition(), record.offset(), topic, message);
    }

    @Override
    public void close() {
        producer.close();
    }
}
