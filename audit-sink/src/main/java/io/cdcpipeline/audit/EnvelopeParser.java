package io.cdcpipeline.audit;

import java.io.IOException;
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

import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
    private static final Set<String> OPS = Set.of("c", "u", "d", "r", "t");

    private final String messageTopic;
    private final boolean includeSnapshots;
    /** schema.table → masked column names. */
    private final Map<String, Set<String>> masked;
    private final boolean dropMasked;

    /** The topic of the {@code audit.context} messages. */
    String messageTopic() {
        return messageTopic;
    }

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
        try {
            return record.topic().equals(messageTopic) ? context(record, CanonicalJson.parse(record.value())) : change(record);
        } catch (PoisonRecordException e) {
            throw e;
        } catch (UncheckedIOException | IOException e) {
            throw new PoisonRecordException("not JSON", e);
        } catch (RuntimeException e) {
            throw new PoisonRecordException("not a Debezium change envelope: " + e.getMessage(), e);
        }
    }

    /** The fields of a change envelope the audit log needs; {@code null} where the envelope has none. */
    private static final class Envelope {
        String op;
        SortedMap<String, String> before;
        SortedMap<String, String> after;
        String schema;
        String table;
        Long lsn;
        Long txId;
        Long sourceTsMs;
        Long tsMs;
        boolean hasSource;
    }

    /**
     * Reads a change envelope in one pass over its tokens, the row images straight into canonical
     * text (this runs for every change: a parsed tree and a second walk over it cost about twice as
     * much). Checks come after the pass, in the order the envelope's meaning needs them.
     */
    private ParsedRecord change(ConsumerRecord<String, String> record) throws IOException {
        Envelope e = new Envelope();
        try (JsonParser p = CanonicalJson.MAPPER.getFactory().createParser(record.value())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new PoisonRecordException("not a Debezium change envelope: not a JSON object", null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                switch (field) {
                    case "op" -> e.op = scalar(p);
                    case "before" -> e.before = image(p, "before");
                    case "after" -> e.after = image(p, "after");
                    case "ts_ms" -> e.tsMs = number(p);
                    case "source" -> {
                        if (token == JsonToken.START_OBJECT) {
                            e.hasSource = true;
                            source(p, e);
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        if (e.op == null) {
            throw new PoisonRecordException("missing op", null);
        }
        if (!OPS.contains(e.op)) {
            throw new PoisonRecordException("unknown op '" + e.op + "'", null);
        }
        if (e.op.equals("r") && !includeSnapshots) {
            return new ParsedRecord.Skip("snapshot read");
        }
        if (!e.hasSource) {
            throw new PoisonRecordException("missing source", null);
        }
        String table = present(e.schema, "schema") + "." + present(e.table, "table");
        boolean truncate = e.op.equals("t");
        if (record.key() == null && !truncate) {
            throw new PoisonRecordException("change without a key", null);
        }
        String key = truncate ? TRUNCATE_KEY : CanonicalJson.ofText(record.key());
        SortedMap<String, String> before = mask(table, e.before);
        SortedMap<String, String> after = mask(table, e.after);
        List<String> changed = e.op.equals("u") ? changedColumns(before, after) : null;
        long lsn = present(e.lsn, "lsn");
        AuditRow row = new AuditRow(table, e.op, key, before == null ? null : CanonicalJson.ofMembers(before),
                after == null ? null : CanonicalJson.ofMembers(after), changed, e.txId, lsn,
                Instant.ofEpochMilli(present(e.sourceTsMs, "ts_ms")), Instant.ofEpochMilli(present(e.tsMs, "ts_ms")),
                record.topic(), record.partition(), record.offset(), HashFormat.CURRENT, null, null);
        return new ParsedRecord.Change(row);
    }

    private static void source(JsonParser p, Envelope e) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "schema" -> e.schema = scalar(p);
                case "table" -> e.table = scalar(p);
                case "lsn" -> e.lsn = number(p);
                case "txId" -> e.txId = number(p);
                case "ts_ms" -> e.sourceTsMs = number(p);
                default -> p.skipChildren();
            }
        }
    }

    /** A row image: an object, or null (JSON null or absent). */
    private static SortedMap<String, String> image(JsonParser p, String field) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new PoisonRecordException(field + " is not an object", null);
        }
        return CanonicalJson.readObject(p);
    }

    /** A scalar's text; null for JSON null; an object or array is not a scalar. */
    private static String scalar(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken().isStructStart()) {
            throw new PoisonRecordException("'" + p.currentName() + "' is not a scalar", null);
        }
        return p.getValueAsString();
    }

    /** A number, or a string holding one (Debezium spells some positions as strings); null for JSON null. */
    private static Long number(JsonParser p) throws IOException {
        String text = scalar(p);
        if (text == null) {
            return null;
        }
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new PoisonRecordException("'" + p.currentName() + "' is not a whole number: " + text, null);
        }
    }

    private static <T> T present(T value, String field) {
        if (value == null) {
            throw new PoisonRecordException("missing " + field, null);
        }
        return value;
    }

    private ParsedRecord context(ConsumerRecord<String, String> record, JsonNode value) {
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
