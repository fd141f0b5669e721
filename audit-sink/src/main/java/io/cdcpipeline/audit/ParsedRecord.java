package io.cdcpipeline.audit;

/** What one Kafka record means to the audit log. */
sealed interface ParsedRecord {

    /**
     * A change to record; {@code row} is not chained yet. {@code personal} holds its personal values
     * in clear (null for a table without any): the row is stored {@link #sealed sealed}.
     */
    record Change(AuditRow row, PersonalImages personal) implements ParsedRecord {

        Change(AuditRow row) {
            this(row, null);
        }

        /** The row as it is stored: each personal value transformed (sealed by the sink). */
        AuditRow sealed(PersonalImages.ValueTransform seal) throws java.sql.SQLException {
            return personal == null ? row : personal.applyTo(row, seal);
        }
    }

    /** The actor of a transaction. */
    record Context(TxContext context) implements ParsedRecord {
    }

    /** Nothing to record (tombstone, snapshot read, other message); its position still advances. */
    record Skip(String reason) implements ParsedRecord {
    }
}
