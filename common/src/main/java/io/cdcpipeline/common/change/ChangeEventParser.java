package io.cdcpipeline.common.change;

import java.io.IOException;
import java.util.Set;
import java.util.SortedMap;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a record of a change topic into a {@link ChangeEvent}: the Debezium envelope, bare or
 * wrapped with its schema ({@code {"schema": ..., "payload": ...}}, {@code CAPTURE_JSON_SCHEMAS=true}),
 * key and value alike. One pass over the value's tokens, the row images straight into canonical
 * text (this runs for every change in audit-sink: a tree and a second walk over it cost about
 * twice as much). A record without the envelope's shape throws {@link MalformedChangeException}.
 * Thread-safe (stateless).
 */
public final class ChangeEventParser {

    private static final Set<String> OPS = Set.of("c", "u", "d", "r", "t");

    private ChangeEventParser() {
    }

    /** The fields of an envelope; {@code null} where the envelope has none. */
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
     * @param key    the record key (JSON text; null only for a truncate)
     * @param value  the record value (JSON text, not null: a tombstone is not a change)
     */
    public static ChangeEvent parse(String topic, int partition, long offset, String key, String value) {
        return parse(topic, partition, offset, key, value, true);
    }

    /**
     * The value alone, where the key is not at hand (a Kafka Streams value deserializer): the
     * event's key is null and the partition and offset are -1.
     */
    public static ChangeEvent parseValue(String topic, String value) {
        return parse(topic, -1, -1, null, value, false);
    }

    private static ChangeEvent parse(String topic, int partition, long offset, String key, String value, boolean withKey) {
        if (value == null) {
            throw new MalformedChangeException("a tombstone is not a change event");
        }
        Envelope e = new Envelope();
        try (JsonParser p = CanonicalJson.MAPPER.getFactory().createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedChangeException("not a change envelope: not a JSON object");
            }
            fields(p, e, true);
        } catch (IOException e1) {
            throw new MalformedChangeException("not JSON: " + e1.getMessage(), e1);
        }
        if (e.op == null) {
            throw new MalformedChangeException("missing op");
        }
        if (!OPS.contains(e.op)) {
            throw new MalformedChangeException("unknown op '" + e.op + "'");
        }
        if (!e.hasSource) {
            throw new MalformedChangeException("missing source");
        }
        boolean truncate = e.op.equals("t");
        if (withKey && key == null && !truncate) {
            throw new MalformedChangeException("change without a key");
        }
        return new ChangeEvent(present(e.schema, "source.schema"), present(e.table, "source.table"), e.op,
                truncate || key == null ? null : key(key), e.before == null ? null : new RowImage(e.before),
                e.after == null ? null : new RowImage(e.after), present(e.lsn, "source.lsn"), e.txId,
                present(e.sourceTsMs, "source.ts_ms"), present(e.tsMs, "ts_ms"), topic, partition, offset);
    }

    /**
     * The payload of a value written with its schema ({@code {"schema": ..., "payload": ...}}), or
     * the value itself: for consumers of other records of the contract (transaction and
     * audit-context messages), which read a tree.
     */
    public static JsonNode payload(JsonNode value) {
        if (value != null && value.size() == 2 && value.has("schema") && value.has("payload")) {
            return value.get("payload");
        }
        return value;
    }

    /** The key as canonical JSON, its schema wrapper removed. */
    static String key(String key) {
        try {
            // A bare key streams straight into canonical text; only a wrapped one needs the tree.
            return key.startsWith("{\"schema\"") ? CanonicalJson.of(payload(CanonicalJson.parse(key))) : CanonicalJson.ofText(key);
        } catch (IOException | RuntimeException e) {
            throw new MalformedChangeException("the key is not JSON: " + e.getMessage(), e);
        }
    }

    /** The envelope's fields; at the top level, a {@code payload} object holds them (the schema is skipped). */
    private static void fields(JsonParser p, Envelope e, boolean top) throws IOException {
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
                case "payload" -> {
                    if (top && token == JsonToken.START_OBJECT) {
                        fields(p, e, false);
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
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
            throw new MalformedChangeException(field + " is not an object");
        }
        return CanonicalJson.readObject(p);
    }

    /** A scalar's text; null for JSON null; an object or array is not a scalar. */
    private static String scalar(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken().isStructStart()) {
            throw new MalformedChangeException("'" + p.currentName() + "' is not a scalar");
        }
        return p.getValueAsString();
    }

    /** A number, or a string holding one (Debezium spells some positions as strings); null for JSON null. */
    private static Long number(JsonParser p) throws IOException {
        // Read as a number first: no text is made for the four positions of every record.
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        String text = scalar(p);
        if (text == null) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new MalformedChangeException("'" + p.currentName() + "' is not a whole number: " + text);
        }
    }

    private static <T> T present(T value, String field) {
        if (value == null) {
            throw new MalformedChangeException("missing " + field);
        }
        return value;
    }
}
