package io.cdcpipeline.audit;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * audit-sink's record reader ({@link EnvelopeParser}: the shared change-event parser, then the
 * audit row), opened to the benchmarks in {@code io.cdcpipeline.bench}, which live in another package.
 */
public final class AuditParserProbe {

    private final EnvelopeParser parser;

    /** The reader as audit-sink configures it by default: no snapshots, nothing masked. */
    public AuditParserProbe(String messageTopic) {
        this.parser = new EnvelopeParser(messageTopic, false, Map.of(), false);
    }

    /** The canonical after image of the audit row the record becomes (null when it becomes none). */
    public String afterImage(ConsumerRecord<String, String> record) {
        return parser.parse(record) instanceof ParsedRecord.Change change ? change.row().after() : null;
    }
}
