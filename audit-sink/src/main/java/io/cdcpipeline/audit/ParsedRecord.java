package io.cdcpipeline.audit;

/** What one Kafka record means to the audit log. */
sealed interface ParsedRecord {

    /** A change to record; {@code row} is not chained yet. */
    record Change(AuditRow row) implements ParsedRecord {
    }

    /** The actor of a transaction. */
    record Context(TxContext context) implements ParsedRecord {
    }

    /** Nothing to record (tombstone, snapshot read, other message); its position still advances. */
    record Skip(String reason) implements ParsedRecord {
    }
}
