package io.cdcpipeline.interop;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A table's rows by primary key ({@code id}), each a map of column → value as text, with
 * timestamps as instants: what two databases are compared by, whatever column types each chose.
 */
record TableSnapshot(Map<Long, Map<String, String>> rows) {

    /** The rows of {@code table}, only {@code columns} (null: all but {@code searchable}, never captured). */
    static TableSnapshot of(Connection c, String table, List<String> columns) throws SQLException {
        String select = columns == null ? "*" : String.join(", ", columns.stream().map(col -> '"' + col + '"').toList());
        Map<Long, Map<String, String>> rows = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + select + " FROM " + table)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, String> row = new TreeMap<>();
                for (int i = 1; i <= n; i++) {
                    String name = rs.getMetaData().getColumnName(i);
                    if (name.equals("searchable")) {
                        continue;
                    }
                    row.put(name, text(rs, i));
                }
                rows.put(rs.getLong("id"), row);
            }
        }
        return new TableSnapshot(rows);
    }

    /** The columns of {@code schema.table} in {@code c}. */
    static List<String> columns(Connection c, String schema, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (var s = c.prepareStatement("SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?"
                + " ORDER BY ordinal_position")) {
            s.setString(1, schema);
            s.setString(2, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    private static String text(ResultSet rs, int i) throws SQLException {
        int type = rs.getMetaData().getColumnType(i);
        String typeName = rs.getMetaData().getColumnTypeName(i);
        if (typeName.equals("timestamptz")) {
            OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
            return t == null ? null : t.toInstant().toString();
        }
        if (typeName.equals("timestamp")) {
            java.time.LocalDateTime t = rs.getObject(i, java.time.LocalDateTime.class);
            return t == null ? null : t.toInstant(java.time.ZoneOffset.UTC).toString();
        }
        if (type == Types.BIT || type == Types.BOOLEAN) {
            Object b = rs.getObject(i);
            return b == null ? null : b.toString();
        }
        return rs.getString(i);
    }

    /** The first few differences, for an assertion message; empty when equal. */
    String differencesFrom(TableSnapshot expected) {
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (Long id : new java.util.TreeSet<>(union(expected.rows.keySet(), rows.keySet()))) {
            Map<String, String> want = expected.rows.get(id);
            Map<String, String> got = rows.get(id);
            if (!java.util.Objects.equals(want, got) && shown++ < 5) {
                out.append("  id ").append(id).append(": expected ").append(want).append(", got ").append(got).append('\n');
            }
        }
        return shown == 0 ? "" : shown + " row(s) differ:\n" + out;
    }

    private static java.util.Set<Long> union(java.util.Set<Long> a, java.util.Set<Long> b) {
        java.util.Set<Long> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
