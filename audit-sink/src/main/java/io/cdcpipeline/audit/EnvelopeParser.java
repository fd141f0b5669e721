package io.cdcpipeline.audit;

import io.cdcpipeline.common.change.CanonicalJson;
import io.cdcpipeline.common.change.ChangeEvent;
import io.cdcpipeline.common.change.ChangeEventParser;
import io.cdcpipeline.common.change.MalformedChangeException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

import io.cdcpipeline.audit.personal.PersonalColumns;
import io.cdcpipeline.common.kafka.DeadLetterHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Turns records of the change topics and of {@code <prefix>.message} into audit rows and actor
 * contexts. A record that does not have the shape of a Debezium envelope throws
 * {@link PoisonRecordException}: it goes to the dead-letter topic, the stream continues.
 */
final class EnvelopeParser {

    static final String MASK = "****";
    /**
     * The primary key recorded for a TRUNCATE, which changes a whole table, not one row: an empty
     * object, so the unique source key (LSN, table, key) still tells one truncate of a table from
     * another, and a truncate broadcast to every partition of the table's topic is written once.
     */
    static final String TRUNCATE_KEY = "{}";
    private static final String MASKED_VALUE = "\"" + MASK + "\"";

    private final String messageTopic;
    private final boolean includeSnapshots;
    /** schema.table → masked column names. */
    private final Map<String, Set<String>> masked;
    private final boolean dropMasked;
    private final PersonalColumns personal;

    /** The topic of the {@code audit.context} messages. */
    String messageTopic() {
        return messageTopic;
    }

    EnvelopeParser(String messageTopic, boolean includeSnapshots, Map<String, Set<String>> masked, boolean dropMasked) {
        this(messageTopic, includeSnapshots, masked, dropMasked, PersonalColumns.none());
    }

    EnvelopeParser(String messageTopic, boolean includeSnapshots, Map<String, Set<String>> masked, boolean dropMasked,
                   PersonalColumns personal) {
        this.messageTopic = messageTopic;
        this.includeSnapshots = includeSnapshots;
        this.masked = masked;
        this.dropMasked = dropMasked;
        this.personal = personal;
    }

    /** The columns declared personal (what verify must know to compare stored rows with their records). */
    PersonalColumns personal() {
        return personal;
    }

    static final class PoisonRecordException extends RuntimeException {

        PoisonRecordException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    ParsedRecord parse(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return new ParsedRecord.Skip("tombstone");
        }
        if (!record.topic().equals(messageTopic) && DeadLetterHeaders.originalTopic(record).equals(messageTopic)) {
            // Actor rows chain by the message topic's own partitions; a replayed one would have to
            // enter that chain behind its successors. It stays a dead letter (see docs/change-topics.md).
            throw new PoisonRecordException("an audit.context message replayed from a dead-letter topic: actor messages"
                    + " are not replayable", null);
        }
        try {
            return record.topic().equals(messageTopic) ? context(record, CanonicalJson.parse(record.value())) : change(record);
        } catch (PoisonRecordException e) {
            throw e;
        } catch (UncheckedIOException e) {
            throw new PoisonRecordException("not JSON", e);
        } catch (RuntimeException e) {
            throw new PoisonRecordException("not a Debezium change envelope: " + e.getMessage(), e);
        }
    }

    /** A change event (one parser for every service, with or without embedded schemas) as an audit row. */
    private ParsedRecord change(ConsumerRecord<String, String> record) {
        ChangeEvent e;
        try {
            e = ChangeEventParser.parse(record.topic(), record.partition(), record.offset(), record.key(), record.value());
        } catch (MalformedChangeException ex) {
            throw new PoisonRecordException(ex.getMessage(), ex);
        }
        if (e.isSnapshotRead() && !includeSnapshots) {
            return new ParsedRecord.Skip("snapshot read");
        }
        String table = e.qualifiedTable();
        String key = e.isTruncate() ? TRUNCATE_KEY : e.key();
        // Images are copied only for a table with masked or personal columns (this runs for every change).
        boolean copying = masked.containsKey(table) || personal.covers(table);
        SortedMap<String, String> before = e.before() == null ? null : copying ? mask(table, e.before().canonicalColumns())
                : e.before().columns();
        SortedMap<String, String> after = e.after() == null ? null : copying ? mask(table, e.after().canonicalColumns())
                : e.after().columns();
        // Compared in clear: sealing with a random nonce makes every sealed value differ.
        List<String> changed = e.op().equals("u") ? changedColumns(before, after) : null;
        PersonalImages personalImages = null;
        if (personal.covers(table)) {
            Set<String> columns = new java.util.HashSet<>(personal.columns().get(table));
            columns.removeAll(masked.getOrDefault(table, Set.of()));
            personalImages = PersonalImages.of(personal, table, columns, before, after, MASKED_VALUE);
        }
        // Other images are written from the parsed map itself (no read-only view per column).
        String beforeText = before == null ? null : copying ? CanonicalJson.ofMembers(before) : e.before().canonical();
        String afterText = after == null ? null : copying ? CanonicalJson.ofMembers(after) : e.after().canonical();
        AuditRow row = new AuditRow(table, e.op(), key, beforeText, afterText, changed, e.txId(), e.lsn(),
                Instant.ofEpochMilli(e.committedAtMs()), Instant.ofEpochMilli(e.capturedAtMs()),
                record.topic(), record.partition(), record.offset(), HashFormat.CURRENT, null, null);
        return new ParsedRecord.Change(row, personalImages);
    }

    private ParsedRecord context(ConsumerRecord<String, String> record, JsonNode value) {
        value = ChangeEventParser.payload(value);
        JsonNode message = required(value, "message");
        if (!"audit.context".equals(message.path("prefix").asText())) {
            return new ParsedRecord.Skip("other message prefix");
        }
        JsonNode source = required(value, "source");
        JsonNode txId = source.get("txId");
        if (txId == null || txId.isNull()) {
            return new ParsedRecord.Skip("non-transactional message");
        }
        JsonNode content = CanonicalJson.parse(new String(Base64.getDecoder().decode(required(message, "content").asText()),
                StandardCharsets.UTF_8));
        return new ParsedRecord.Context(new TxContext(txId.asLong(), Instant.ofEpochMilli(required(source, "ts_ms").asLong()),
                text(content, "db_user"), text(content, "app_user"), text(content, "org"), text(content, "application_name"),
                text(content, "client_addr"), required(source, "lsn").asLong(), record.topic(), record.partition(), record.offset(),
                HashFormat.CURRENT, null, null));
    }

    private SortedMap<String, String> mask(String table, SortedMap<String, String> row) {
        Set<String> columns = masked.get(table);
        if (row == null || columns == null) {
            return row;
        }
        for (String column : columns) {
            String value = row.get(column);
            if (value != null) {
                if (dropMasked) {
                    row.remove(column);
                } else if (!value.equals("null")) {
                    row.put(column, MASKED_VALUE);
                }
            }
        }
        return row;
    }

    /**
     * Columns whose values differ between the before and after images (a masked column compares
     * masked). Values compare as canonical text, so 1.0 and 1.00 are the same value.
     */
    static List<String> changedColumns(SortedMap<String, String> before, SortedMap<String, String> after) {
        Set<String> names = new TreeSet<>();
        if (before != null) {
            names.addAll(before.keySet());
        }
        if (after != null) {
            names.addAll(after.keySet());
        }
        List<String> changed = new ArrayList<>();
        for (String name : names) {
            String a = before == null ? null : before.get(name);
            String b = after == null ? null : after.get(name);
            if (!Objects.equals(a, b)) {
                changed.add(name);
            }
        }
        return changed;
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new PoisonRecordException("missing " + field, null);
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
