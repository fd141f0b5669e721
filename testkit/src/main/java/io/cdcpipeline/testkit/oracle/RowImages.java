package io.cdcpipeline.testkit.oracle;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One text for a row image or value whichever side wrote it: PostgreSQL's {@code to_jsonb} (the
 * oracle) and Debezium's JSON converter (the audit log) spell some types differently. Times become
 * instants ({@code +00:00} and {@code Z}, any precision), a JSON document held in a string (how
 * Debezium sends {@code jsonb}) becomes that document, numbers lose trailing zeros, object members
 * are sorted. Anything else must be equal as it is, so a missing column, a placeholder for an
 * unavailable value or a wrong value still shows.
 */
final class RowImages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RowImages() {
    }

    static JsonNode parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + text, e);
        }
    }

    /** The image without the columns capture does not send; "null" for no image. */
    static String image(JsonNode row, Set<String> notCaptured) {
        if (row == null || row.isNull()) {
            return "null";
        }
        StringBuilder out = new StringBuilder("{");
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!notCaptured.contains(e.getKey())) {
                sorted.put(e.getKey(), e.getValue());
            }
        }
        sorted.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append(k).append('=').append(value(v)));
        return out.append('}').toString();
    }

    static String value(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isTextual()) {
            String t = v.asText();
            String instant = instant(t);
            if (instant != null) {
                return instant;
            }
            if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
                try {
                    return value(JSON.readTree(t));
                } catch (IOException e) {
                    // Text that only looks like JSON: compared as text below.
                }
            }
            return JSON.getNodeFactory().textNode(t).toString();
        }
        if (v.isNumber()) {
            return v.decimalValue().stripTrailingZeros().toPlainString();
        }
        if (v.isObject()) {
            return image(v, Set.of());
        }
        if (v.isArray()) {
            StringBuilder out = new StringBuilder("[");
            for (JsonNode element : v) {
                out.append(out.length() > 1 ? "," : "").append(value(element));
            }
            return out.append(']').toString();
        }
        return v.asText();
    }

    private static String instant(String text) {
        if (text.length() < 20 || text.charAt(4) != '-' || text.charAt(10) != 'T') {
            return null;
        }
        try {
            return "@" + OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
