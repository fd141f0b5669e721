package io.cdcpipeline.common.kafka;

import java.nio.charset.StandardCharsets;

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

    /** The stage of a record that could not be read (parsed). */
    public static final String STAGE_READ = "VALUE_CONVERTER";

    private DeadLetterHeaders() {
    }

    public static Headers of(String topic, int partition, long offset, String service, String stage, String refusedBy,
                             Throwable error) {
        RecordHeaders headers = new RecordHeaders();
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

    private static void add(RecordHeaders headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
