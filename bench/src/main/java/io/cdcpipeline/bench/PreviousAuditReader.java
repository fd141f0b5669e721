package io.cdcpipeline.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.cdcpipeline.common.change.CanonicalJson;

/**
 * The baseline of {@code bench parse}: how audit-sink read a change record before every service
 * shared one parser (its {@code EnvelopeParser} at commit 9d7552b^, one pass over the tokens, the
 * row images straight into canonical text), with its token handling unchanged, cut to what it
 * computed per record: the canonical key, both images, the changed columns and the source fields
 * (masking, a no-op without masked columns, left out). Kept here only as the reference
 * the shared parser must not be slower than (issue 17: within 5 %).
 */
final class PreviousAuditReader {

    /** What the reader produced for one record. */
    record Read(String op, String key, String before, String after, List<String> changed, long lsn, Long txId, long sourceTsMs,
                long tsMs, String table) {
    }

    private PreviousAuditReader() {
    }

    static Read read(String key, String value) throws IOException {
        String op = null;
        SortedMap<String, String> before = null;
        SortedMap<String, String> after = null;
        String schema = null;
        String table = null;
        Long lsn = null;
        Long txId = null;
        Long sourceTsMs = null;
        Long tsMs = null;
        try (JsonParser p = CanonicalJson.MAPPER.getFactory().createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                switch (field) {
                    case "op" -> op = scalar(p);
                    case "before" -> before = image(p);
                    case "after" -> after = image(p);
                    case "ts_ms" -> tsMs = number(p);
                    case "source" -> {
                        if (token != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            continue;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            p.nextToken();
                            switch (name) {
                                case "schema" -> schema = scalar(p);
                                case "table" -> table = scalar(p);
                                case "lsn" -> lsn = number(p);
                                case "txId" -> txId = number(p);
                                case "ts_ms" -> sourceTsMs = number(p);
                                default -> p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        List<String> changed = "u".equals(op) ? changedColumns(before, after) : null;
        return new Read(op, CanonicalJson.ofText(key), before == null ? null : CanonicalJson.ofMembers(before),
                after == null ? null : CanonicalJson.ofMembers(after), changed, Objects.requireNonNull(lsn), txId,
                Objects.requireNonNull(sourceTsMs), Objects.requireNonNull(tsMs), schema + "." + table);
    }

    private static SortedMap<String, String> image(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("an image is not an object");
        }
        return CanonicalJson.readObject(p);
    }

    private static String scalar(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken().isStructStart()) {
            throw new IllegalArgumentException("'" + p.currentName() + "' is not a scalar");
        }
        return p.getValueAsString();
    }

    /** As it was: the text first, then the number. */
    private static Long number(JsonParser p) throws IOException {
        String text = scalar(p);
        if (text == null) {
            return null;
        }
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        return Long.parseLong(text);
    }

    private static List<String> changedColumns(SortedMap<String, String> before, SortedMap<String, String> after) {
        TreeSet<String> names = new TreeSet<>();
        if (before != null) {
            names.addAll(before.keySet());
        }
        if (after != null) {
            names.addAll(after.keySet());
        }
        List<String> changed = new ArrayList<>();
        for (String name : names) {
            if (!Objects.equals(before == null ? null : before.get(name), after == null ? null : after.get(name))) {
                changed.add(name);
            }
        }
        return changed;
    }
}
