package io.cdcpipeline.analytics;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.kafka.DeadLetterHeaders;

/**
 * A record the topology cannot read goes to the dead-letter topic with the same headers as every
 * other service's dead letters (Kafka Connect's names, {@link DeadLetterHeaders}), and the stream
 * continues. Kafka Streams produces it within the task's transaction.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {

    /** Streams property naming the dead-letter topic (set by {@link AnalyticsService#streamsProperties}). */
    static final String TOPIC = "cdc.dead.letter.topic";
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String topic;

    @Override
    public void configure(Map<String, ?> configs) {
        Object value = configs.get(TOPIC);
        topic = value == null ? "analytics-aggregator.dlq" : value.toString();
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception error) {
        LOG.warn("{}-{}@{} sent to {}: {}", record.topic(), record.partition(), record.offset(), topic, error.getMessage());
        // Its own headers (Debezium's) stay; a replayed record keeps the position it was first published at.
        return Response.resume(List.of(new ProducerRecord<>(topic, null, record.key(), record.value(),
                DeadLetterHeaders.of(record, "analytics-aggregator", DeadLetterHeaders.STAGE_READ, DeadLetterHandler.class.getName(),
                        error))));
    }
}
