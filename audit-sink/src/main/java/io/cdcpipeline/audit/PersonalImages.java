package io.cdcpipeline.audit;

import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import io.cdcpipeline.audit.personal.PersonalColumns;
import io.cdcpipeline.common.change.CanonicalJson;

/**
 * The personal values of one change, still in clear: the row's images and, for each, the data
 * subject they belong to. The sink seals them just before chaining the row, with keys it reads in
 * the write transaction; {@code verify} applies what it may see instead, to compare a stored row
 * with its Kafka record.
 *
 * @param columns the table's personal columns (masked columns left out: they hold no value)
 */
record PersonalImages(String table, Set<String> columns, SortedMap<String, String> before, String beforeSubject,
                      SortedMap<String, String> after, String afterSubject) {

    /** What a personal value becomes: sealed by the sink, revealed or replaced by a marker for a reader. */
    @FunctionalInterface
    interface ValueTransform {
        String apply(String subject, String field, String plaintextJson) throws SQLException;
    }

    /**
     * The personal parts of a change's images (copies the caller may change). A personal value in
     * an image without a subject (the naming column absent or null) cannot be erased later, so it is
     * masked in the images here instead of being stored.
     */
    static PersonalImages of(PersonalColumns personal, String table, Set<String> columns, SortedMap<String, String> before,
                             SortedMap<String, String> after, String mask) {
        String beforeSubject = personal.subjectOf(table, before).orElse(null);
        String afterSubject = personal.subjectOf(table, after).orElse(null);
        maskWithoutSubject(before, beforeSubject, columns, mask);
        maskWithoutSubject(after, afterSubject, columns, mask);
        return new PersonalImages(table, columns, before, beforeSubject, after, afterSubject);
    }

    private static void maskWithoutSubject(SortedMap<String, String> image, String subject, Set<String> columns, String mask) {
        if (image == null || subject != null) {
            return;
        }
        for (String column : columns) {
            String value = image.get(column);
            if (value != null && !value.equals("null")) {
                image.put(column, mask);
            }
        }
    }

    /** The subjects whose keys sealing this change needs. */
    Set<String> subjects() {
        Set<String> subjects = new HashSet<>(2);
        if (before != null && beforeSubject != null) {
            subjects.add(beforeSubject);
        }
        if (after != null && afterSubject != null) {
            subjects.add(afterSubject);
        }
        return subjects;
    }

    /** The row with every personal value of its images transformed (null values stay null). */
    AuditRow applyTo(AuditRow row, ValueTransform transform) throws SQLException {
        return row.withImages(image(before, beforeSubject, transform), image(after, afterSubject, transform));
    }

    private String image(SortedMap<String, String> image, String subject, ValueTransform transform) throws SQLException {
        if (image == null) {
            return null;
        }
        if (subject == null) {
            return CanonicalJson.ofMembers(image);
        }
        SortedMap<String, String> out = new TreeMap<>(image);
        for (String column : columns) {
            String value = image.get(column);
            if (value != null && !value.equals("null")) {
                out.put(column, transform.apply(subject, table + "." + column, value));
            }
        }
        return CanonicalJson.ofMembers(out);
    }
}
