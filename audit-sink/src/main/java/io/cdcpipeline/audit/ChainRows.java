package io.cdcpipeline.audit;

import io.cdcpipeline.common.change.CanonicalJson;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/** Reads a chain's rows back from its table, in chain order, as the sink hashed them. */
final class ChainRows {

    /** A chain: its table and Kafka (topic, partition). */
    record Ref(String log, String topic, int partition) {
        boolean actors() {
            return log.equals("audit.tx_context");
        }

        String name() {
            return topic + "-" + partition;
        }

        String key() {
            return CheckpointEvidence.key(log, topic, partition);
        }
    }

    /** A row read back, its {@code id} (null for an actor: {@code audit.tx_context} has none), and how verify names it. */
    record Stored(ChainedRow row, Long id, String name) {
    }

    private static final String CHANGES = "SELECT id, source_table, op, primary_key::text, before::text, after::text, changed_columns,"
            + " tx_id, source_lsn, committed_at, captured_at, chain_topic, chain_partition, chain_offset, hash_version, prev_hash,"
            + " row_hash FROM audit.change_log WHERE chain_topic = ? AND chain_partition = ? AND chain_offset > ? AND chain_offset <= ?"
            + " ORDER BY chain_offset, id";
    private static final String ACTORS = "SELECT tx_id, committed_at, db_user, app_user, app_org, application_name,"
            + " host(client_addr), source_lsn, chain_topic, chain_partition, chain_offset, hash_version, prev_hash, row_hash"
            + " FROM audit.tx_context WHERE chain_topic = ? AND chain_partition = ? AND chain_offset > ? AND chain_offset <= ?"
            + " ORDER BY chain_offset, tx_id, committed_at";

    private ChainRows() {
    }

    interface Visitor {
        void row(Stored row) throws SQLException;
    }

    /** Streams the rows with offsets in (after, through], in chain order (the connection must not auto-commit). */
    static void read(Connection c, Ref chain, long after, long through, Visitor visitor) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(chain.actors() ? ACTORS : CHANGES)) {
            s.setFetchSize(5000);
            s.setString(1, chain.topic());
            s.setInt(2, chain.partition());
            s.setLong(3, after);
            s.setLong(4, through);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    visitor.row(chain.actors() ? actor(rs) : change(rs));
                }
            }
        }
    }

    private static Stored change(ResultSet rs) throws SQLException {
        AuditRow row = new AuditRow(rs.getString(2), rs.getString(3), json(rs.getString(4)), json(rs.getString(5)),
                json(rs.getString(6)), array(rs.getArray(7)), nullableLong(rs, 8), rs.getLong(9), rs.getTimestamp(10).toInstant(),
                rs.getTimestamp(11).toInstant(), rs.getString(12), rs.getInt(13), rs.getLong(14), rs.getInt(15), rs.getBytes(16),
                rs.getBytes(17));
        return new Stored(row, rs.getLong(1), "row id " + rs.getLong(1));
    }

    private static Stored actor(ResultSet rs) throws SQLException {
        TxContext row = new TxContext(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getString(9), rs.getInt(10), rs.getLong(11),
                rs.getInt(12), rs.getBytes(13), rs.getBytes(14));
        return new Stored(row, null, "actor of tx " + row.txId() + " committed " + row.committedAt());
    }

    /** jsonb as PostgreSQL prints it, in canonical form (what the hash covered). */
    private static String json(String text) {
        return text == null ? null : CanonicalJson.of(CanonicalJson.parse(text));
    }

    private static List<String> array(java.sql.Array array) throws SQLException {
        return array == null ? null : Arrays.asList((String[]) array.getArray());
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
