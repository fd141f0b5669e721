package io.cdcpipeline.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.cdcpipeline.audit.checkpoint.Checkpoint;

/**
 * Recomputes every chain of the audit log (changes per Kafka topic and partition, actors per
 * partition of the message topic) and holds it against every signed checkpoint:
 *
 * <ul>
 *   <li>each row's content must give its {@code row_hash}, and its {@code prev_hash} must be the
 *       hash of the row before it (catches an edit that does not recompute the hashes);</li>
 *   <li>at each checkpointed offset the row's hash and the chain's row count must be what was
 *       signed (catches an edit that recomputes every later hash: the forger cannot sign);</li>
 *   <li>a checkpoint beyond the log's last row means rows were removed from the end.</li>
 * </ul>
 *
 * A chain starts at the genesis hash, at its retention checkpoint (the months retention dropped),
 * or with {@code --from} at the newest checkpoint before that time. On a checkpoint mismatch the
 * rows since the previous matching checkpoint are compared with their Kafka records to name the
 * rewritten ones ({@link TamperLocator}).
 */
final class ChainVerifier {

    /** One problem found, at a precise position. */
    record Problem(String chain, long offset, String row, String what) {
        @Override
        public String toString() {
            return chain + (offset >= 0 ? " at offset " + offset : "") + (row != null ? " (" + row + ")" : "") + ": " + what;
        }
    }

    record Report(int chains, long rows, int checkpoints, List<Problem> problems, List<String> notes) {
        boolean ok() {
            return problems.isEmpty();
        }
    }

    private static final HexFormat HEX = HexFormat.of();

    private ChainVerifier() {
    }

    /**
     * @param from     verify from the newest checkpoint of each chain committed before this time
     * @param table    verify only the chains that carry this schema.table
     * @param locator  names rewritten rows from the change topics; null without Kafka
     */
    static Report verify(Connection c, Optional<Instant> from, Optional<String> table, CheckpointEvidence evidence,
                         TamperLocator locator) throws SQLException {
        List<Problem> problems = new ArrayList<>(evidence.problems);
        List<String> notes = new ArrayList<>(evidence.notes);
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        long rows = 0;
        int chains = 0;
        try {
            for (ChainRows.Ref chain : chains(c, evidence)) {
                if (table.isPresent() && (chain.actors() || !chain.topic().endsWith("." + table.get()))) {
                    continue;
                }
                ChainWalk walk = new ChainWalk(c, chain, evidence, from, locator);
                rows += walk.run();
                problems.addAll(walk.problems);
                chains++;
            }
            long unchained = count(c, "SELECT count(*) FROM audit.tx_context WHERE chain_topic IS NULL");
            if (unchained > 0 && table.isEmpty()) {
                notes.add(unchained + " actor rows were written before actors were chained (migration 018): not covered");
            }
        } finally {
            c.rollback();
            c.setAutoCommit(autoCommit);
        }
        return new Report(chains, rows, evidence.count(), problems, notes);
    }

    /** Every chain in either table (an index skip-scan), and every chain a checkpoint names. */
    private static Set<ChainRows.Ref> chains(Connection c, CheckpointEvidence evidence) throws SQLException {
        Set<ChainRows.Ref> chains = new LinkedHashSet<>();
        for (String log : List.of("audit.change_log", "audit.tx_context")) {
            String sql = "WITH RECURSIVE chains AS ("
                    + " (SELECT chain_topic, chain_partition FROM " + log + " WHERE chain_topic IS NOT NULL"
                    + "  ORDER BY chain_topic, chain_partition LIMIT 1)"
                    + " UNION ALL SELECT n.chain_topic, n.chain_partition FROM chains p, LATERAL (SELECT chain_topic, chain_partition"
                    + "  FROM " + log + " l WHERE (l.chain_topic, l.chain_partition) > (p.chain_topic, p.chain_partition)"
                    + "  ORDER BY chain_topic, chain_partition LIMIT 1) n)"
                    + " SELECT chain_topic, chain_partition FROM chains";
            try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    chains.add(new ChainRows.Ref(log, rs.getString(1), rs.getInt(2)));
                }
            }
        }
        for (String key : evidence.chains()) {
            int a = key.indexOf('/');
            int b = key.lastIndexOf('/');
            chains.add(new ChainRows.Ref(key.substring(0, a), key.substring(a + 1, b), Integer.parseInt(key.substring(b + 1))));
        }
        return chains;
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** One chain, walked in offset order from its starting point. */
    private static final class ChainWalk {
        private final Connection c;
        private final ChainRows.Ref chain;
        private final TamperLocator locator;
        private final Deque<Checkpoint> checkpoints = new ArrayDeque<>();
        private final Map<Long, byte[]> bridges = new HashMap<>();
        private final List<Problem> problems = new ArrayList<>();
        private final Instant droppedBefore;
        private long startOffset = -1;
        private byte[] expectedPrev = ChainHash.GENESIS;
        private long count;
        /** The last offset a checkpoint confirmed: a rewrite lies after its first row. */
        private long confirmed;
        private boolean linkBroken;
        private boolean checkpointBroken;
        private long lastOffset = -1;

        ChainWalk(Connection c, ChainRows.Ref chain, CheckpointEvidence evidence, Optional<Instant> from, TamperLocator locator) {
            this.c = c;
            this.chain = chain;
            this.locator = locator;
            Checkpoint dropped = evidence.retention(chain.key());
            long retired = -1;
            if (dropped != null) {
                // Retention dropped the older rows: the chain goes on from the last dropped row,
                // and each remaining row whose predecessor was dropped carries a signed bridge.
                retired = dropped.offset();
                expectedPrev = HEX.parseHex(dropped.rowHash());
                count = dropped.rowCount();
                dropped.bridges().forEach(b -> bridges.put(b.offset(), HEX.parseHex(b.prevHash())));
                droppedBefore = dropped.committedAt();
            } else {
                droppedBefore = null;
            }
            Checkpoint start = null;
            for (Checkpoint cp : evidence.heads(chain.key())) {
                if (cp.offset() <= retired) {
                    continue; // its rows were dropped
                }
                if (from.isPresent() && cp.committedAt().isBefore(from.get())) {
                    start = cp;
                } else {
                    checkpoints.add(cp);
                }
            }
            if (start != null) {
                startOffset = start.offset();
                expectedPrev = HEX.parseHex(start.rowHash());
                count = start.rowCount();
                bridges.keySet().removeIf(offset -> offset <= startOffset);
            }
            confirmed = startOffset;
        }

        long run() throws SQLException {
            long[] rows = {0};
            ChainRows.read(c, chain, startOffset, Long.MAX_VALUE, stored -> {
                ChainedRow row = stored.row();
                if (droppedBefore != null && row.committedAt().isBefore(droppedBefore)) {
                    return; // left by a retention run that stopped before dropping it: already proven
                }
                rows[0]++;
                check(stored);
            });
            while (!checkpoints.isEmpty()) {
                Checkpoint cp = checkpoints.poll();
                if (!checkpointBroken) {
                    mismatch(cp, "the log ends " + (lastOffset < 0 ? "before it" : "at offset " + lastOffset)
                            + ", but this offset was signed (row " + cp.rowCount() + " of the chain, " + cp.signedAt()
                            + "): rows at the end of the chain were removed");
                }
            }
            return rows[0];
        }

        private void check(ChainRows.Stored stored) throws SQLException {
            ChainedRow row = stored.row();
            long offset = row.chainOffset();
            while (!checkpoints.isEmpty() && checkpoints.peek().offset() < offset) {
                Checkpoint cp = checkpoints.poll();
                if (!checkpointBroken) {
                    mismatch(cp, "no row at this signed offset (row " + cp.rowCount() + " of the chain, signed " + cp.signedAt()
                            + "): the row was removed");
                }
            }
            byte[] bridge = bridges.get(offset);
            if (bridge != null) {
                expectedPrev = bridge;
            }
            if (!linkBroken && !Arrays.equals(row.prevHash(), expectedPrev)) {
                problems.add(new Problem(chain.name(), offset, stored.name(), "prev_hash does not match the row before it: a row was"
                        + " deleted, inserted or moved here"));
                linkBroken = true;
            }
            if (!linkBroken && !Arrays.equals(ChainHash.of(row.prevHash(), row.canonical()), row.rowHash())) {
                problems.add(new Problem(chain.name(), offset, stored.name(), "content does not match row_hash: the row was modified"));
                linkBroken = true;
            }
            expectedPrev = row.rowHash();
            count++;
            lastOffset = offset;
            while (!checkpoints.isEmpty() && checkpoints.peek().offset() == offset) {
                Checkpoint cp = checkpoints.poll();
                if (checkpointBroken) {
                    continue;
                }
                String hash = ChainHash.hex(row.rowHash());
                if (!hash.equals(cp.rowHash()) || cp.rowCount() != count) {
                    mismatch(cp, "the row differs from the signed checkpoint (signed " + cp.signedAt() + ": row " + cp.rowCount()
                            + " of the chain, hash " + cp.rowHash().substring(0, 12) + "...; the log: row " + count + ", hash "
                            + hash.substring(0, 12) + "...): a row at or before this offset was rewritten, deleted or inserted"
                            + " and the later hashes recomputed");
                } else {
                    confirmed = offset;
                }
            }
        }

        private void mismatch(Checkpoint cp, String what) throws SQLException {
            checkpointBroken = true;
            problems.add(new Problem(chain.name(), cp.offset(), null, what + (confirmed < 0 ? " (no earlier checkpoint matched)"
                    : " (after the row at offset " + confirmed + ", the last checkpoint that matched)")));
            if (locator != null) {
                // A matching checkpoint vouches for the first row at its offset and everything before
                // it, not for a second row at the same offset: the search includes that offset.
                problems.addAll(locator.locate(c, chain, Math.max(confirmed - 1, -1), cp.offset()));
            }
        }
    }
}
