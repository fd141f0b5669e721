package io.cdcpipeline.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Recomputes every chain of the audit log (one per Kafka topic and partition) and reports, per
 * chain, the first broken link: a row whose content no longer matches its hash (modified), or
 * whose {@code prev_hash} is not the hash of the row before it (a row deleted, inserted or moved
 * before it). With published chain heads it also notices a log whose newest rows were removed.
 */
final class ChainVerifier {

    /** One problem found, at a precise position. */
    record Problem(String chain, long offset, long rowId, String what) {
        @Override
        public String toString() {
            return chain + " at offset " + offset + (rowId > 0 ? " (row id " + rowId + ")" : "") + ": " + what;
        }
    }

    record Report(int chains, long rows, List<Problem> problems) {
        boolean ok() {
            return problems.isEmpty();
        }
    }

    private ChainVerifier() {
    }

    /**
     * @param from   verify only rows committed at or after this time, trusting the first one's prev_hash
     * @param table  verify only the chains that carry this schema.table
     * @param heads  published chain heads by "topic/partition" (empty: no tail check)
     */
    static Report verify(Connection c, Optional<Instant> from, Optional<String> table, Map<String, ChainHeads.Head> heads)
            throws SQLException {
        String sql = "SELECT id, source_table, op, primary_key::text, before::text, after::text, changed_columns, tx_id, source_lsn,"
                + " committed_at, captured_at, chain_topic, chain_partition, chain_offset, prev_hash, row_hash FROM audit.change_log"
                + " WHERE (?::timestamptz IS NULL OR committed_at >= ?::timestamptz)"
                + " AND (?::text IS NULL OR chain_topic IN (SELECT DISTINCT chain_topic FROM audit.change_log WHERE source_table = ?))"
                + " ORDER BY chain_topic, chain_partition, chain_offset, id";
        List<Problem> problems = new ArrayList<>();
        Map<String, long[]> lastPerChain = new HashMap<>();
        Map<String, byte[]> lastHashPerChain = new HashMap<>();
        int chains = 0;
        long rows = 0;
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setFetchSize(5000);
            Timestamp since = from.map(Timestamp::from).orElse(null);
            s.setTimestamp(1, since);
            s.setTimestamp(2, since);
            s.setString(3, table.orElse(null));
            s.setString(4, table.orElse(null));
            String chain = null;
            byte[] expectedPrev = null;
            boolean broken = false;
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    String rowChain = rs.getString(12) + "-" + rs.getInt(13);
                    if (!rowChain.equals(chain)) {
                        chain = rowChain;
                        chains++;
                        broken = false;
                        // From the start: a chain begins at the genesis hash. From a time: trust the first row's link.
                        expectedPrev = from.isPresent() ? rs.getBytes(15) : ChainHash.GENESIS;
                    }
                    long id = rs.getLong(1);
                    long offset = rs.getLong(14);
                    byte[] prev = rs.getBytes(15);
                    byte[] stored = rs.getBytes(16);
                    lastPerChain.put(rs.getString(12) + "/" + rs.getInt(13), new long[] {offset, id});
                    lastHashPerChain.put(rs.getString(12) + "/" + rs.getInt(13), stored);
                    if (broken) {
                        continue;
                    }
                    if (!Arrays.equals(prev, expectedPrev)) {
                        problems.add(new Problem(chain, offset, id, "prev_hash does not match the row before it: a row was"
                                + " deleted, inserted or moved here"));
                        broken = true;
                        continue;
                    }
                    AuditRow row = new AuditRow(rs.getString(2), rs.getString(3), json(rs.getString(4)), json(rs.getString(5)),
                            json(rs.getString(6)), array(rs.getArray(7)), nullableLong(rs, 8), rs.getLong(9),
                            rs.getTimestamp(10).toInstant(), rs.getTimestamp(11).toInstant(), rs.getString(12), rs.getInt(13),
                            offset, prev, null);
                    if (!Arrays.equals(ChainHash.of(prev, row.canonical()), stored)) {
                        problems.add(new Problem(chain, offset, id, "content does not match row_hash: the row was modified"));
                        broken = true;
                        continue;
                    }
                    expectedPrev = stored;
                }
            }
        } finally {
            c.rollback();
            c.setAutoCommit(autoCommit);
        }
        for (ChainHeads.Head head : heads.values()) {
            if (table.isPresent() && !lastPerChain.containsKey(head.key())) {
                continue;
            }
            long[] last = lastPerChain.get(head.key());
            if (last == null || last[0] < head.offset()) {
                problems.add(new Problem(head.topic() + "-" + head.partition(), head.offset(), 0,
                        "the published chain head is at offset " + head.offset() + " but the log ends at "
                                + (last == null ? "no row" : "offset " + last[0]) + ": rows at the end of the chain were removed"));
            } else if (last[0] == head.offset() && !ChainHash.hex(lastHashPerChain.get(head.key())).equals(head.hash())) {
                problems.add(new Problem(head.topic() + "-" + head.partition(), head.offset(), last[1],
                        "the row at the published chain head has another hash than was published"));
            }
        }
        return new Report(chains, rows, problems);
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
