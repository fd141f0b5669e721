package io.cdcpipeline.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.cdcpipeline.audit.personal.Unsealer;
import io.cdcpipeline.common.kafka.KafkaSettings;

/**
 * Names the rows a careful rewrite changed. A checkpoint mismatch proves that something between
 * two checkpoints was rewritten, but a forger who recomputes the later hashes leaves nothing in
 * the table to say which row. The change topic still holds what the sink was given: each row
 * between the two checkpoints is rebuilt from its Kafka record (with the sink's own parser and
 * settings) and compared, so a modified, moved, inserted or deleted row is named by its offset
 * and id, as long as the topic's retention still holds those offsets.
 */
final class TamperLocator {

    private static final int MAX_REPORTED = 20;

    private final KafkaSettings kafka;
    private final EnvelopeParser parser;

    TamperLocator(KafkaSettings kafka, EnvelopeParser parser) {
        this.kafka = kafka;
        this.parser = parser;
    }

    /** The rows of the chain in offsets (after, through] that differ from their Kafka records. */
    List<ChainVerifier.Problem> locate(Connection c, ChainRows.Ref chain, long after, long through) throws SQLException {
        Map<Long, List<ChainRows.Stored>> stored = new HashMap<>();
        ChainRows.read(c, chain, after, through, row -> stored.computeIfAbsent(row.row().chainOffset(), o -> new ArrayList<>()).add(row));
        List<ChainVerifier.Problem> found = new ArrayList<>();
        TopicPartition tp = new TopicPartition(chain.topic(), chain.partition());
        Unsealer unsealer = new Unsealer(c);
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.assign(List.of(tp));
            long start = consumer.beginningOffsets(List.of(tp)).get(tp);
            long end = Math.min(consumer.endOffsets(List.of(tp)).get(tp), through + 1);
            long from = Math.max(after + 1, start);
            if (from > after + 1) {
                found.add(new ChainVerifier.Problem(chain.name(), after + 1, null, "offsets " + (after + 1) + " to " + (from - 1)
                        + " are no longer on the topic (retention): a rewritten row among them cannot be named"));
            }
            if (from < end) {
                consumer.seek(tp, from);
            }
            long position = from;
            while (position < end && found.size() < MAX_REPORTED) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() >= end) {
                        break;
                    }
                    compare(c, unsealer, chain, record, stored.remove(record.offset()), found);
                }
                position = consumer.position(tp);
            }
        }
        // Rows at offsets with no record on the topic (beyond its end): not written by the sink.
        for (List<ChainRows.Stored> rows : stored.values()) {
            for (ChainRows.Stored row : rows) {
                if (found.size() < MAX_REPORTED) {
                    found.add(problem(chain, row, "inserted: the topic has no record at this offset"));
                }
            }
        }
        return found;
    }

    private void compare(Connection c, Unsealer unsealer, ChainRows.Ref chain, ConsumerRecord<String, String> record,
                         List<ChainRows.Stored> rows, List<ChainVerifier.Problem> found) throws SQLException {
        ChainedRow expected = expected(record, unsealer);
        List<ChainRows.Stored> present = rows == null ? List.of() : rows;
        ChainRows.Stored match = null;
        if (expected != null) {
            for (ChainRows.Stored row : present) {
                if (stored(row.row(), unsealer).equals(expected.content())) {
                    match = row;
                    break;
                }
            }
        }
        for (ChainRows.Stored row : present) {
            if (row == match) {
                continue;
            }
            if (expected == null) {
                found.add(problem(chain, row, "inserted: the record at this offset is not one the sink writes a row for"));
            } else if (match != null) {
                found.add(problem(chain, row, "inserted: a second row at this offset, beside the one its record gives"));
            } else {
                found.add(problem(chain, row, "modified or moved: it differs from the record at this offset on the topic"));
            }
        }
        if (expected != null && present.isEmpty() && !elsewhere(c, expected)) {
            found.add(new ChainVerifier.Problem(chain.name(), record.offset(), null,
                    "deleted: the topic has " + expected.describe() + " at this offset and the log has no row for it"));
        }
    }

    /**
     * What the sink would write for the record, or null (a tombstone, a skipped or unparseable
     * record); its personal values as this reader sees them (in clear, or the marker for an erased
     * or unreadable key), like {@link #stored} shows the stored ones, since sealing is random.
     */
    private ChainedRow expected(ConsumerRecord<String, String> record, Unsealer unsealer) throws SQLException {
        ParsedRecord parsed;
        try {
            parsed = parser.parse(record);
        } catch (Exception e) {
            return null;
        }
        if (parsed instanceof ParsedRecord.Change change) {
            return change.sealed((subject, field, value) -> unsealer.reveal(subject, value));
        }
        return parsed instanceof ParsedRecord.Context context ? context.context() : null;
    }

    /** A stored row's content with its sealed personal values opened as this reader may. */
    private static String stored(ChainedRow row, Unsealer unsealer) throws SQLException {
        if (row instanceof AuditRow change) {
            String before = unsealer.openImage(change.sourceTable(), change.before());
            String after = unsealer.openImage(change.sourceTable(), change.after());
            if (!Objects.equals(before, change.before()) || !Objects.equals(after, change.after())) {
                return change.withImages(before, after).content();
            }
        }
        return row.content();
    }

    /** Whether the change is in the log at another offset: capture published it twice and the sink kept the first. */
    private static boolean elsewhere(Connection c, ChainedRow expected) throws SQLException {
        if (expected instanceof AuditRow row) {
            try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM audit.change_log WHERE source_lsn = ? AND source_table = ?"
                    + " AND primary_key = ?::jsonb AND chain_offset <> ?")) {
                s.setLong(1, row.sourceLsn());
                s.setString(2, row.sourceTable());
                s.setString(3, row.primaryKey());
                s.setLong(4, row.chainOffset());
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next();
                }
            }
        }
        TxContext actor = (TxContext) expected;
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM audit.tx_context WHERE tx_id = ? AND committed_at = ?"
                + " AND chain_offset IS DISTINCT FROM ?")) {
            s.setLong(1, actor.txId());
            s.setTimestamp(2, Timestamp.from(actor.committedAt()));
            s.setLong(3, actor.chainOffset());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static ChainVerifier.Problem problem(ChainRows.Ref chain, ChainRows.Stored row, String what) {
        return new ChainVerifier.Problem(chain.name(), row.row().chainOffset(), row.name(), "this row was " + what);
    }

    private KafkaConsumer<String, String> consumer() {
        Map<String, Object> props = kafka.clientProperties("audit-verify");
        props.put("group.id", "audit-verify-" + UUID.randomUUID());
        props.put("enable.auto.commit", false);
        props.put("auto.offset.reset", "earliest");
        props.put("key.deserializer", StringDeserializer.class);
        props.put("value.deserializer", StringDeserializer.class);
        return new KafkaConsumer<>(props);
    }
}
