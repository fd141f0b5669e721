package io.cdcpipeline.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Turns records of the change topics and of {@code <prefix>.message} into audit rows and actor
 * contexts. A record that does not have the shape of a Debezium envelope throws
 * {@link PoisonRecordException}: it goes to the dead-letter topic, the stream continues.
 */
final class EnvelopeParser {

    static final String MASK = "****";
    private static final Set<String> OPS = Set.of("c", "u", "d", "r", "t");

    private final String messageTopic;
    private final boolean includeSnapshots;
    /** schema.table → masked column names. */
    private final Map<String, Set<String>> masked;
    private final boolean dropMasked;

    EnvelopeParser(String messageTopic, boolean includeSnapshots, Map<String, Set<String>> masked, boolean dropMasked) {
        this.messageTopic = messageTopic;
        this.includeSnapshots = includeSnapshots;
        this.masked = masked;
        this.dropMasked = dropMasked;
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
        JsonNode value;
        try {
            value = CanonicalJson.parse(record.value());
        } catch (RuntimeException e) {
            throw new PoisonRecordException("not JSON", e);
        }
        try {
            return record.topic().equals(messageTopic) ? context(value) : change(record, value);
        } catch (PoisonRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PoisonRecordException("not a Debezium change envelope: " + e.getMessage(), e);
        }
    }

    private ParsedRecord change(ConsumerRecord<String, String> record, JsonNode value) {
        String op = required(value, "op").asText();
        if (!OPS.contains(op)) {
            throw new PoisonRecordException("unknown op '" + op + "'", null);
        }
        if (op.equals("r") && !includeSnapshots) {
            return new ParsedRecord.Skip("snapshot read");
        }
        JsonNode source = required(value, "source");
        String table = required(source, "schema").asText() + "." + required(source, "table").asText();
        if (record.key() == null) {
            throw new PoisonRecordException("change without a key", null);
        }
        JsonNode key = CanonicalJson.parse(record.key());
        JsonNode before = mask(table, nullable(value.get("before")));
        JsonNode after = mask(table, nullable(value.get("after")));
        List<String> changed = op.equals("u") ? changedColumns(before, after) : null;
        long lsn = required(source, "lsn").asLong();
        JsonNode txId = source.get("txId");
        AuditRow row = new AuditRow(table, op, CanonicalJson.of(key), before == null ? null : CanonicalJson.of(before),
                after == null ? null : CanonicalJson.of(after), changed,
                txId == null || txId.isNull() ? null : txId.asLong(), lsn,
                Instant.ofEpochMilli(required(source, "ts_ms").asLong()), Instant.ofEpochMilli(required(value, "ts_ms").asLong()),
                record.topic(), record.partition(), record.offset(), null, null);
        return new ParsedRecord.Change(row, order(source, lsn));
    }

    private ParsedRecord context(JsonNode value) {
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
                text(content, "client_addr"), required(source, "lsn").asLong()));
    }

    /** Debezium's {@code sequence} is a JSON text: {@code ["<last commit lsn>","<lsn>"]}, either may be null. */
    private static SourceOrder order(JsonNode source, long lsn) {
        JsonNode sequence = source.get("sequence");
        if (sequence == null || sequence.isNull()) {
            return new SourceOrder(0, lsn);
        }
        JsonNode parts = CanonicalJson.parse(sequence.asText());
        long commit = parts.path(0).isNull() || parts.path(0).isMissingNode() ? 0 : Long.parseLong(parts.path(0).asText());
        return new SourceOrder(commit, lsn);
    }

    private JsonNode mask(String table, JsonNode row) {
        Set<String> columns = masked.get(table);
        if (row == null || columns == null || !row.isObject()) {
            return row;
        }
        ObjectNode copy = ((ObjectNode) row).deepCopy();
        for (String column : columns) {
            if (copy.has(column)) {
                if (dropMasked) {
                    copy.remove(column);
                } else if (!copy.get(column).isNull()) {
                    copy.set(column, TextNode.valueOf(MASK));
                }
            }
        }
        return copy;
    }

    /** Columns whose values differ between the before and after images (a masked column compares masked). */
    static List<String> changedColumns(JsonNode before, JsonNode after) {
        Set<String> names = new TreeSet<>();
        if (before != null) {
            before.fieldNames().forEachRemaining(names::add);
        }
        if (after != null) {
            after.fieldNames().forEachRemaining(names::add);
        }
        List<String> changed = new ArrayList<>();
        for (String name : names) {
            JsonNode a = before == null ? null : before.get(name);
            JsonNode b = after == null ? null : after.get(name);
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

    private static JsonNode nullable(JsonNode node) {
        return node == null || node.isNull() ? null : node;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
