package io.cdcpipeline.schema.monitor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Small JDBC helpers shared by the collectors. */
final class Sql {

    private Sql() {
    }

    /** Row-by-row reader. */
    @FunctionalInterface
    interface RowReader {
        void read(ResultSet row) throws SQLException;
    }

    static void forEachRow(Connection c, String sql, RowReader reader) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                reader.read(rs);
            }
        }
    }

    static double number(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getDouble(1) : 0;
        }
    }

    static boolean bool(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    static String text(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** A label value: never null. */
    static String label(String value) {
        return value == null ? "" : value;
    }
}
