package io.cdcpipeline.testkit.oracle;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code audit.change_log} against the oracle, as multisets of (table, op, key, before, after,
 * transaction). The oracle's rows are turned into the changes logical decoding reports: an
 * UPDATE that changes the primary key is a delete of the old key and a create of the new one (as
 * pgoutput and Debezium report it); a row moved to another partition already fired a DELETE and
 * an INSERT trigger. The transaction is compared as the 32-bit xid Debezium reports.
 */
public final class AuditComparison {

    /** What differs; empty when the log is exact. */
    public record Report(long expected, long audited, List<String> missing, List<String> unexpected) {

        public boolean exact() {
            return missing.isEmpty() && unexpected.isEmpty();
        }

        /** The first differences, each side, for a person. */
        public String describe(int limit) {
            StringBuilder out = new StringBuilder(String.format("%,d changes in the oracle, %,d audit rows", expected, audited));
            missing.stream().limit(limit).forEach(m -> out.append("\n  missing from the audit log: ").append(m));
            if (missing.size() > limit) {
                out.append("\n  ... ").append(missing.size() - limit).append(" more missing");
            }
            unexpected.stream().limit(limit).forEach(u -> out.append("\n  in the audit log, not in the oracle: ").append(u));
            if (unexpected.size() > limit) {
                out.append("\n  ... ").append(unexpected.size() - limit).append(" more unexpected");
            }
            return out.toString();
        }
    }

    private final Map<String, Set<String>> notCaptured;

    /** @param notCaptured table → columns capture leaves out (excluded, generated): not compared */
    public AuditComparison(Map<String, Set<String>> notCaptured) {
        this.notCaptured = notCaptured;
    }

    public Report compare(Connection superuser) throws SQLException {
        Map<String, List<String>> keys = primaryKeys(superuser);
        Map<String, Integer> expected = new LinkedHashMap<>();
        long expectedCount = 0;
        try (Statement s = superuser.createStatement();
             ResultSet rs = s.executeQuery("SELECT table_name, op, before::text, after::text,"
                     + " (tx_id::text::numeric % 4294967296)::bigint FROM oracle.changes ORDER BY seq")) {
            while (rs.next()) {
                String table = rs.getString(1);
                String op = rs.getString(2);
                JsonNode before = RowImages.parse(rs.getString(3));
                JsonNode after = RowImages.parse(rs.getString(4));
                long tx = rs.getLong(5);
                List<String> key = keys.get(table);
                for (String change : expectedChanges(table, op, before, after, tx, key)) {
                    expected.merge(change, 1, Integer::sum);
                    expectedCount++;
                }
            }
        }
        Map<String, Integer> audited = new HashMap<>();
        long auditedCount = 0;
        try (Statement s = superuser.createStatement();
             ResultSet rs = s.executeQuery("SELECT source_table, op, primary_key::text, before::text, after::text, tx_id"
                     + " FROM audit.change_log")) {
            while (rs.next()) {
                String table = rs.getString(1);
                audited.merge(entry(table, rs.getString(2), RowImages.value(RowImages.parse(rs.getString(3))),
                        RowImages.parse(rs.getString(4)), RowImages.parse(rs.getString(5)), rs.getLong(6)), 1, Integer::sum);
                auditedCount++;
            }
        }
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            int extra = e.getValue() - audited.getOrDefault(e.getKey(), 0);
            for (int i = 0; i < extra; i++) {
                missing.add(e.getKey());
            }
        }
        for (Map.Entry<String, Integer> e : audited.entrySet()) {
            int extra = e.getValue() - expected.getOrDefault(e.getKey(), 0);
            for (int i = 0; i < extra; i++) {
                unexpected.add(e.getKey());
            }
        }
        return new Report(expectedCount, auditedCount, missing, unexpected);
    }

    private List<String> expectedChanges(String table, String op, JsonNode before, JsonNode after, long tx, List<String> key) {
        return switch (op) {
            case "t" -> List.of(entry(table, "t", "{}", null, null, tx));
            case "c" -> List.of(entry(table, "c", key(after, key), null, after, tx));
            case "d" -> List.of(entry(table, "d", key(before, key), before, null, tx));
            default -> {
                String oldKey = key(before, key);
                String newKey = key(after, key);
                yield oldKey.equals(newKey) ? List.of(entry(table, "u", newKey, before, after, tx))
                        : List.of(entry(table, "d", oldKey, before, null, tx), entry(table, "c", newKey, null, after, tx));
            }
        };
    }

    private String entry(String table, String op, String key, JsonNode before, JsonNode after, long tx) {
        Set<String> skip = notCaptured.getOrDefault(table, Set.of());
        return table + " " + op + " key=" + key + " tx=" + tx + " before=" + RowImages.image(before, skip) + " after="
                + RowImages.image(after, skip);
    }

    private static String key(JsonNode row, List<String> columns) {
        com.fasterxml.jackson.databind.node.ObjectNode node = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (String column : columns) {
            node.set(column, row.get(column));
        }
        return RowImages.value(node);
    }

    /** Primary-key columns of every application table. */
    private static Map<String, List<String>> primaryKeys(Connection c) throws SQLException {
        Map<String, List<String>> keys = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT n.nspname || '.' || t.relname, a.attname
                  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                  JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                 WHERE i.indisprimary AND n.nspname = 'app' AND NOT t.relispartition
                 ORDER BY 1, k.ord""");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                keys.computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(rs.getString(2));
            }
        }
        return keys;
    }

    /** Columns capture leaves out by default: excluded ones and generated ones. */
    public static Map<String, Set<String>> defaultNotCaptured(Connection c) throws SQLException {
        Map<String, Set<String>> skip = new HashMap<>();
        skip.computeIfAbsent("app.users", t -> new HashSet<>()).add("password_hash");
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT table_schema || '.' || table_name,"
                + " column_name FROM information_schema.columns WHERE table_schema = 'app' AND is_generated = 'ALWAYS'")) {
            while (rs.next()) {
                skip.computeIfAbsent(rs.getString(1), t -> new HashSet<>()).add(rs.getString(2));
            }
        }
        return skip;
    }
}
