package io.cdcpipeline.capture;

/**
 * Which published records the capture's position may be committed after: only those that end a
 * transaction, or that stand outside one (snapshot reads, heartbeats between transactions).
 *
 * <p>Why: after a restart Debezium resumes from the change following the last committed one, and
 * it tells changes apart by LSN alone. Several changes share one LSN (the rows of a COPY
 * multi-insert WAL record, the delete and create of a key-changing UPDATE); a position committed
 * in the middle of such a group makes the restarted engine skip the rest of the group: changes
 * lost. A position committed at a transaction's END is never inside a group, and the restart
 * publishes the unfinished transaction again from its start (consumers recognise the copies).
 *
 * <p>Reads the {@code <prefix>.transaction} records Debezium emits
 * ({@code provide.transaction.metadata=true}): BEGIN before a transaction's first change, END
 * after its last. Not thread-safe: one engine thread.
 */
final class TransactionBoundaries {

    private final String transactionTopic;
    private boolean open;

    TransactionBoundaries(String transactionTopic) {
        this.transactionTopic = transactionTopic;
    }

    /** Takes the next published record; true when the position may be committed after it. */
    boolean committableAfter(String destination, String value) {
        if (destination.equals(transactionTopic) && value != null) {
            if (value.contains("\"status\":\"BEGIN\"")) {
                open = true;
                return false;
            }
            if (value.contains("\"status\":\"END\"")) {
                open = false;
                return true;
            }
        }
        return !open;
    }
}
