package io.cdcpipeline.audit;

import io.cdcpipeline.common.change.CanonicalJson;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * One row of {@code audit.change_log}: a captured change, plus its place in the tamper-evident
 * chain of its Kafka (topic, partition).
 *
 * @param primaryKey      the key, as {@link CanonicalJson} text
 * @param before          as canonical JSON text; null for inserts
 * @param after           as canonical JSON text; null for deletes
 * @param changedColumns  for updates, the columns whose values differ (sorted); null otherwise
 */
record AuditRow(String sourceTable, String op, String primaryKey, String before, String after,
                List<String> changedColumns, Long txId, long sourceLsn, Instant committedAt, Instant capturedAt,
                String chainTopic, int chainPartition, long chainOffset, int hashVersion, byte[] prevHash, byte[] rowHash)
        implements ChainedRow {

    /**
     * The fields the hash covers, in a fixed order, each in a form that survives being stored
     * and read back ({@link CanonicalJson}, made once when the row is built; epoch milliseconds).
     * {@code written_at} and {@code id} are not covered: the database sets them.
     */
    @Override
    public String content() {
        return HashFormat.join(Arrays.asList(
                sourceTable, op, primaryKey, before == null ? "null" : before, after == null ? "null" : after,
                changedColumns == null ? "null" : String.join(",", changedColumns),
                txId == null ? "null" : Long.toString(txId), Long.toString(sourceLsn),
                Long.toString(committedAt.toEpochMilli()), Long.toString(capturedAt.toEpochMilli()),
                chainTopic, Integer.toString(chainPartition), Long.toString(chainOffset)));
    }

    /** The same change with other images (its personal values sealed, or opened for a comparison). */
    AuditRow withImages(String newBefore, String newAfter) {
        return new AuditRow(sourceTable, op, primaryKey, newBefore, newAfter, changedColumns, txId, sourceLsn, committedAt,
                capturedAt, chainTopic, chainPartition, chainOffset, hashVersion, prevHash, rowHash);
    }

    AuditRow chained(byte[] previous) {
        byte[] hash = ChainHash.of(previous, canonical());
        return new AuditRow(sourceTable, op, primaryKey, before, after, changedColumns, txId, sourceLsn, committedAt,
                capturedAt, chainTopic, chainPartition, chainOffset, hashVersion, previous, hash);
    }

    @Override
    public String describe() {
        return "a change to " + sourceTable;
    }
}
