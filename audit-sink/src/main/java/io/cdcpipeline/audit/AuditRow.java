package io.cdcpipeline.audit;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One row of {@code audit.change_log}: a captured change, plus its place in the tamper-evident
 * chain of its Kafka (topic, partition).
 *
 * @param before          null for inserts
 * @param after           null for deletes
 * @param changedColumns  for updates, the columns whose values differ (sorted); null otherwise
 */
record AuditRow(String sourceTable, String op, JsonNode primaryKey, JsonNode before, JsonNode after,
                List<String> changedColumns, Long txId, long sourceLsn, Instant committedAt, Instant capturedAt,
                String chainTopic, int chainPartition, long chainOffset, byte[] prevHash, byte[] rowHash) {

    /**
     * The fields the hash covers, in a fixed order, each in a form that survives being stored
     * and read back ({@link CanonicalJson}, epoch milliseconds). {@code written_at} is not covered:
     * the database sets it.
     */
    String canonical() {
        return String.join("\u001f",
                sourceTable, op, CanonicalJson.of(primaryKey), CanonicalJson.of(before), CanonicalJson.of(after),
                changedColumns == null ? "null" : String.join(",", changedColumns),
                txId == null ? "null" : Long.toString(txId), Long.toString(sourceLsn),
                Long.toString(committedAt.toEpochMilli()), Long.toString(capturedAt.toEpochMilli()),
                chainTopic, Integer.toString(chainPartition), Long.toString(chainOffset));
    }

    AuditRow chained(byte[] previous) {
        AuditRow unhashed = new AuditRow(sourceTable, op, primaryKey, before, after, changedColumns, txId, sourceLsn,
                committedAt, capturedAt, chainTopic, chainPartition, chainOffset, previous, null);
        return new AuditRow(sourceTable, op, primaryKey, before, after, changedColumns, txId, sourceLsn, committedAt,
                capturedAt, chainTopic, chainPartition, chainOffset, previous, ChainHash.of(previous, unhashed.canonical()));
    }
}
