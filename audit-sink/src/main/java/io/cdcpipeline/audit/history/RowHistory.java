package io.cdcpipeline.audit.history;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cdcpipeline.audit.personal.Unsealer;
import io.cdcpipeline.common.change.CanonicalJson;

/**
 * One row's history, read through the database's own functions {@code audit.row_as_of} and
 * {@code audit.row_history} (what analysts call in SQL, so the command and SQL cannot disagree),
 * as any role granted them: read_only_user needs no access to the audit tables. Personal values
 * come back as {@code "[personal]"} or {@code "[erased]"}, except to a role that may read the
 * subjects' keys: those are opened here (AES-GCM is in the JDK, not in PostgreSQL).
 */
public final class RowHistory {

    /** The row as it was at an instant, and the change that made it so. */
    public record State(JsonNode row, Instant changedAt, String op, Long txId, String dbUser, String appUser) {
    }

    /** One change of the row (or a TRUNCATE of its table), with its actor. */
    public record Change(Instant committedAt, String op, JsonNode primaryKey, JsonNode before, JsonNode after,
                         List<String> changedColumns, Long txId, long sourceLsn, String dbUser, String appUser, String appOrg,
                         String applicationName, JsonNode otherKey) {
    }

    private final Connection connection;
    private final Unsealer unsealer;

    public RowHistory(Connection connection) {
        this.connection = connection;
        this.unsealer = new Unsealer(connection);
    }

    /** The row at {@code at}; empty when it did not exist then (never created yet, deleted, truncated, its key changed). */
    public Optional<State> asOf(String table, JsonNode key, Instant at) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(
                "SELECT row_data::text, changed_at, op, tx_id, db_user, app_user FROM audit.row_as_of(?, ?::jsonb, ?)")) {
            s.setString(1, table);
            s.setString(2, CanonicalJson.of(key));
            s.setTimestamp(3, Timestamp.from(at));
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new State(image(table, rs.getString(1)), rs.getTimestamp(2).toInstant(), rs.getString(3),
                        nullableLong(rs, 4), rs.getString(5), rs.getString(6)));
            }
        }
    }

    /** Every change of the row committed after {@code since} (all of them when null), oldest first. */
    public List<Change> changes(String table, JsonNode key, Instant since) throws SQLException {
        List<Change> changes = new ArrayList<>();
        try (PreparedStatement s = connection.prepareStatement("SELECT committed_at, op, primary_key::text, before::text,"
                + " after::text, changed_columns, tx_id, source_lsn, db_user, app_user, app_org, application_name, other_key::text"
                + " FROM audit.row_history(?, ?::jsonb) WHERE ?::timestamptz IS NULL OR committed_at > ?::timestamptz")) {
            s.setString(1, table);
            s.setString(2, CanonicalJson.of(key));
            Timestamp from = since == null ? null : Timestamp.from(since);
            s.setTimestamp(3, from);
            s.setTimestamp(4, from);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    java.sql.Array columns = rs.getArray(6);
                    changes.add(new Change(rs.getTimestamp(1).toInstant(), rs.getString(2), json(rs.getString(3)),
                            image(table, rs.getString(4)), image(table, rs.getString(5)),
                            columns == null ? List.of() : Arrays.asList((String[]) columns.getArray()), nullableLong(rs, 7),
                            rs.getLong(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12),
                            json(rs.getString(13))));
                }
            }
        }
        return changes;
    }

    /**
     * The key as the audit log records it: {@code 42} becomes {@code {"id": 42}} from the table's
     * primary key in the catalog (a number for integer columns, as capture sends them; text
     * otherwise); a JSON object is taken as it is (any key, also of a table dropped since).
     */
    public JsonNode key(String table, String text) throws SQLException {
        String trimmed = text.trim();
        if (trimmed.startsWith("{")) {
            JsonNode node = CanonicalJson.parse(trimmed);
            if (!node.isObject()) {
                throw new IllegalArgumentException("--key: not a JSON object: " + text);
            }
            return node;
        }
        List<String[]> columns = new ArrayList<>();
        try (PreparedStatement s = connection.prepareStatement("SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = to_regclass(?) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        if (columns.size() != 1) {
            throw new IllegalArgumentException("--key: " + table + (columns.isEmpty() ? " has no primary key in this database"
                    : " has a key of " + columns.size() + " columns") + "; give the key as a JSON object, e.g. {\"id\": 42}");
        }
        ObjectNode key = CanonicalJson.MAPPER.createObjectNode();
        String type = columns.get(0)[1];
        if (List.of("bigint", "integer", "smallint").contains(type)) {
            try {
                key.put(columns.get(0)[0], Long.parseLong(trimmed));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--key: " + table + "." + columns.get(0)[0] + " is " + type + ", not '" + text + "'");
            }
        } else {
            key.put(columns.get(0)[0], trimmed);
        }
        return key;
    }

    private JsonNode image(String table, String text) throws SQLException {
        return unsealer.openImage(table, json(text));
    }

    private static JsonNode json(String text) {
        return text == null ? null : CanonicalJson.parse(text);
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
