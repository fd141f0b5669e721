package io.cdcpipeline.common.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a dead letter, named as Kafka Connect's dead-letter queue names them (with
 * {@code errors.deadletterqueue.context.headers.enable=true}), so tools written for Connect's
 * dead letters read ours: where the record came from, which service and stage refused it, and
 * why. No stack trace: an exception's trace can carry row contents.
 */
public final class DeadLetterHeaders {

    public static final String TOPIC = "__connect.errors.topic";
    public static final String PARTITION = "__connect.errors.partition";
    public static final String OFFSET = "__connect.errors.offset";
    /** The service that refused the record (Connect: the connector's name). */
    public static final String SERVICE = "__connect.errors.connector.name";
    public static final String TASK = "__connect.errors.task.id";
    /** {@code VALUE_CONVERTER} (the record could not be read) or {@code TASK_PUT} (it could not be applied). */
    public static final String STAGE = "__connect.errors.stage";
    public static final String CLASS = "__connect.errors.class.name";
    public static final String EXCEPTION_CLASS = "__connect.errors.exception.class.name";
    public static final String EXCEPTION_MESSAGE = "__connect.errors.exception.message";

    /** Prefix of every header above: a replayed record carries the position ones only. */
    public static final String PREFIX = "__connect.errors.";
    /** On a replayed record: the dead letter it was replayed from, {@code topic-partition@offset}. */
    public static final String REPLAYED_FROM = "__cdc.replayed.from";

    /** The stage of a record that could not be read (parsed). */
    public static final String STAGE_READ = "VALUE_CONVERTER";

    private DeadLetterHeaders() {
    }

    /**
     * The headers of {@code record}'s dead letter: its own headers (Debezium's; any dead-letter
     * headers of an earlier refusal replaced), then where it came from first and why it was refused now.
     */
    public static Headers of(ConsumerRecord<?, ?> record, String service, String stage, String refusedBy, Throwable error) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            if (!header.key().startsWith(PREFIX) && !header.key().equals(REPLAYED_FROM)) {
                headers.add(header);
            }
        }
        return with(headers, originalTopic(record), originalPartition(record), originalOffset(record), service, stage, refusedBy,
                error);
    }

    public static Headers of(String topic, int partition, long offset, String service, String stage, String refusedBy,
                             Throwable error) {
        return with(new RecordHeaders(), topic, partition, offset, service, stage, refusedBy, error);
    }

    private static Headers with(RecordHeaders headers, String topic, int partition, long offset, String service, String stage,
                                String refusedBy, Throwable error) {
        add(headers, TOPIC, topic);
        add(headers, PARTITION, Integer.toString(partition));
        add(headers, OFFSET, Long.toString(offset));
        add(headers, SERVICE, service);
        add(headers, TASK, "0");
        add(headers, STAGE, stage);
        add(headers, CLASS, refusedBy);
        add(headers, EXCEPTION_CLASS, error.getClass().getName());
        add(headers, EXCEPTION_MESSAGE, String.valueOf(error.getMessage()));
        return headers;
    }

    /**
     * The change topic {@code record} was first published to: its own topic, or for a record
     * replayed from a dead-letter topic, the topic in its {@link #TOPIC} header. Services read a
     * record by this topic (audit-sink tells actor messages from row changes by it).
     */
    public static String originalTopic(ConsumerRecord<?, ?> record) {
        String topic = text(record.headers(), TOPIC);
        return topic == null ? record.topic() : topic;
    }

    static int originalPartition(ConsumerRecord<?, ?> record) {
        String partition = text(record.headers(), PARTITION);
        return partition == null ? record.partition() : Integer.parseInt(partition);
    }

    static long originalOffset(ConsumerRecord<?, ?> record) {
        String offset = text(record.headers(), OFFSET);
        return offset == null ? record.offset() : Long.parseLong(offset);
    }

    /** The last header named {@code name} as UTF-8 text, or null. */
    public static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void add(RecordHeaders headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
