package io.cdcpipeline.common.change;

import java.io.IOException;
import java.util.Collections;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * A row's {@code before} or {@code after} image: each column's value as {@link CanonicalJson}
 * text, by column name (sorted). The canonical text is what the audit log stores and hashes; the
 * plain {@link #value} is what a cache key or a count needs.
 */
public final class RowImage {

    private final SortedMap<String, String> columns;

    RowImage(SortedMap<String, String> columns) {
        this.columns = columns;
    }

    /** The image of a JSON object's text (tests, tools); throws MalformedChangeException for anything else. */
    public static RowImage parse(String json) {
        try (JsonParser p = CanonicalJson.MAPPER.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedChangeException("a row image is a JSON object");
            }
            return new RowImage(CanonicalJson.readObject(p));
        } catch (IOException e) {
            throw new MalformedChangeException("not JSON: " + e.getMessage(), e);
        }
    }

    public static RowImage of(SortedMap<String, String> canonicalColumns) {
        return new RowImage(new TreeMap<>(canonicalColumns));
    }

    /** Column name → canonical JSON text of its value (the text {@code null} for SQL NULL), read-only, not copied. */
    public SortedMap<String, String> columns() {
        return Collections.unmodifiableSortedMap(columns);
    }

    /** Column name → canonical JSON text of its value ({@code null} for SQL NULL); a copy the caller may change. */
    public SortedMap<String, String> canonicalColumns() {
        return new TreeMap<>(columns);
    }

    public Set<String> columnNames() {
        return Collections.unmodifiableSet(columns.keySet());
    }

    /** The canonical JSON object of the image. */
    public String canonical() {
        return CanonicalJson.ofMembers(columns);
    }

    /**
     * A column's value as plain text: a string without its quotes, a number or boolean as written
     * canonically, an object or array as canonical JSON; null when the column is absent or SQL NULL.
     */
    public String value(String column) {
        String text = columns.get(column);
        if (text == null || text.equals("null")) {
            return null;
        }
        if (text.charAt(0) != '"') {
            return text;
        }
        try (JsonParser p = CanonicalJson.MAPPER.getFactory().createParser(text)) {
            return p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : text;
        } catch (IOException e) {
            return text;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowImage other && columns.equals(other.columns);
    }

    @Override
    public int hashCode() {
        return columns.hashCode();
    }

    @Override
    public String toString() {
        return canonical();
    }
}
