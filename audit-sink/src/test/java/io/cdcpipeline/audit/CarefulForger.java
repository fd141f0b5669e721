package io.cdcpipeline.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * What a superuser who knows the hash format can do to the log: edit rows of one chain, then
 * recompute every later {@code prev_hash}/{@code row_hash} and the chain's head in
 * {@code audit.chains}, all in one transaction that holds the chain's lock (so a running sink
 * waits, then continues from the forged head). The chain is then consistent in itself: only the
 * signed checkpoints outside the database can tell.
 */
final class CarefulForger {

    private CarefulForger() {
    }

    /**
     * Runs {@code edit} (SQL, triggers off) on the chain and rechains every row from the last row
     * before {@code fromOffset}.
     */
    static void forge(Connection superuser, ChainRows.Ref chain, long fromOffset, String edit) throws SQLException {
        superuser.setAutoCommit(false);
        try (Statement s = superuser.createStatement()) {
            s.execute("SET LOCAL session_replication_role = replica");
            try (PreparedStatement lock = superuser.prepareStatement(
                    "SELECT 1 FROM audit.chains WHERE chain_topic = ? AND chain_partition = ? FOR UPDATE")) {
                lock.setString(1, chain.topic());
                lock.setInt(2, chain.partition());
                lock.executeQuery().close();
            }
            if (!edit.isEmpty()) {
                s.execute(edit);
            }
            byte[][] prev = {ChainHash.GENESIS};
            ChainRows.read(superuser, chain, -1, fromOffset - 1, row -> prev[0] = row.row().rowHash());
            List<ChainRows.Stored> rows = new ArrayList<>();
            ChainRows.read(superuser, chain, fromOffset - 1, Long.MAX_VALUE, rows::add);
            String update = chain.actors()
                    ? "UPDATE audit.tx_context SET prev_hash = ?, row_hash = ? WHERE tx_id = ? AND committed_at = ?"
                    : "UPDATE audit.change_log SET prev_hash = ?, row_hash = ? WHERE id = ? AND committed_at = ?";
            long last = -1;
            try (PreparedStatement u = superuser.prepareStatement(update)) {
                for (ChainRows.Stored stored : rows) {
                    ChainedRow row = stored.row();
                    byte[] hash = ChainHash.of(prev[0], row.canonical());
                    u.setBytes(1, prev[0]);
                    u.setBytes(2, hash);
                    u.setLong(3, chain.actors() ? ((TxContext) row).txId() : stored.id());
                    u.setTimestamp(4, Timestamp.from(row.committedAt()));
                    u.executeUpdate();
                    prev[0] = hash;
                    last = row.chainOffset();
                }
            }
            try (PreparedStatement head = superuser.prepareStatement("UPDATE audit.chains SET head_hash = ?, head_offset = ?,"
                    + " row_count = (SELECT count(*) FROM " + chain.log() + " WHERE chain_topic = ? AND chain_partition = ?)"
                    + " WHERE chain_topic = ? AND chain_partition = ?")) {
                head.setBytes(1, prev[0]);
                head.setLong(2, last);
                head.setString(3, chain.topic());
                head.setInt(4, chain.partition());
                head.setString(5, chain.topic());
                head.setInt(6, chain.partition());
                head.executeUpdate();
            }
            superuser.commit();
        } catch (SQLException | RuntimeException e) {
            superuser.rollback();
            throw e;
        }
    }

    /** The chain's rows: (offset, id or tx id) in chain order. */
    static List<long[]> rows(Connection c, ChainRows.Ref chain) throws SQLException {
        List<long[]> rows = new ArrayList<>();
        String sql = chain.actors()
                ? "SELECT chain_offset, tx_id FROM audit.tx_context WHERE chain_topic = ? AND chain_partition = ? ORDER BY chain_offset"
                : "SELECT chain_offset, id FROM audit.change_log WHERE chain_topic = ? AND chain_partition = ? ORDER BY chain_offset, id";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, chain.topic());
            s.setInt(2, chain.partition());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(new long[] {rs.getLong(1), rs.getLong(2)});
                }
            }
        }
        return rows;
    }
}
