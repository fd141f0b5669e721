package io.cdcpipeline.common.change;

/**
 * One change of a captured table, as the change topics carry it (docs/change-topics.md): read once
 * by {@link ChangeEventParser}, the same way by every service.
 *
 * @param schema     source schema ({@code source.schema})
 * @param table      source table ({@code source.table})
 * @param op         c (insert), u (update), d (delete), r (snapshot read) or t (truncate)
 * @param key        the record key (the primary key) as canonical JSON; null for a truncate
 * @param before     the row before the change; null for c, r and t
 * @param after      the row after the change; null for d and t
 * @param lsn        {@code source.lsn}: the WAL position of the change
 * @param txId       {@code source.txId}, the 32-bit transaction id; null when absent
 * @param committedAtMs {@code source.ts_ms}: commit time of the transaction
 * @param capturedAtMs  {@code ts_ms}: when capture processed it
 * @param topic      where the record was read: topic, partition and offset
 */
public record ChangeEvent(String schema, String table, String op, String key, RowImage before, RowImage after, long lsn,
                          Long txId, long committedAtMs, long capturedAtMs, String topic, int partition, long offset) {

    /** {@code schema.table}. */
    public String qualifiedTable() {
        return schema + "." + table;
    }

    public boolean isTruncate() {
        return op.equals("t");
    }

    public boolean isDelete() {
        return op.equals("d");
    }

    public boolean isSnapshotRead() {
        return op.equals("r");
    }
}
