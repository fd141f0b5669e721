package io.cdcpipeline.audit;

import io.cdcpipeline.common.change.CanonicalJson;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import javax.crypto.SecretKey;

import io.cdcpipeline.audit.personal.SealedValue;
import io.cdcpipeline.audit.personal.SubjectKeys;
import io.cdcpipeline.common.db.PriorityPool;
import io.cdcpipeline.common.kafka.BatchHandler;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.service.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a batch of change and context records to the audit log with an exactly-once effect.
 * The batch is split into groups of whole partitions, written in parallel (one transaction and one
 * PostgreSQL backend per group; {@code AUDIT_PARALLEL_WRITERS}). In its transaction a group locks
 * its partitions' positions, chains the new rows and streams them into a COPY, inserts the actors
 * and stores the new positions and chain heads.
 *
 * <p>Duplicates are recognised by identity, never by comparing source positions: different
 * changes share one LSN (the rows of one COPY multi-insert record, the delete and create of a
 * key-changing update, snapshot rows, a TRUNCATE broadcast to every partition). A record below
 * the stored Kafka position is a redelivery. A change capture published again after a crash has a
 * new Kafka offset but the same source key (LSN, table, primary key): the log's unique key refuses
 * it, and the group is redone with the batch's source keys looked up and each key written once.
 *
 * <p>Unparseable records go to the dead-letter topic before the transaction; their positions
 * advance with it. {@link #prepare} (parsing, dead letters) runs on the consumer loop's thread
 * while the previous batch is applied; {@link #apply} runs on the loop's writer thread and returns
 * when every group has committed. If one fails, the loop retries the whole batch and the groups
 * that did commit are skipped by their stored positions.
 */
final class AuditWriter implements BatchHandler<AuditWriter.Prepared>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
    private static final String UNIQUE_VIOLATION = "23505";
    /** Attempts of a group that keeps meeting duplicates written concurrently by another group. */
    private static final int MAX_DUPLICATE_ATTEMPTS = 5;

    private final PriorityPool pool;
    private final String group;
    private final EnvelopeParser parser;
    private final DeadLetterQueue deadLetters;
    private final CheckpointPublisher checkpoints;
    private final AuditMetrics metrics;
    private final String messageTopic;
    private final Duration takeoverAfter;
    /** The head this instance last committed per chain: a rewrite of the log under it is noticed at the next write. */
    private final Map<TopicPartition, Head> heads = new ConcurrentHashMap<>();
    /** Records dead-lettered whose batch is not durable yet, so a retried batch does not send them twice. */
    private final Set<String> deadLettered = ConcurrentHashMap.newKeySet();
    /**
     * Threads writing the other partition groups of a batch while the loop's writer thread writes
     * the first: one PostgreSQL backend per group, and one group's hashing and CSV overlap
     * another's COPY.
     */
    private final ExecutorService otherGroups;
    private final int parallelWriters;

    AuditWriter(PriorityPool pool, String group, EnvelopeParser parser, DeadLetterQueue deadLetters,
                CheckpointPublisher checkpoints, AuditMetrics metrics, int parallelWriters, Duration takeoverAfter) {
        this.pool = pool;
        this.group = group;
        this.parser = parser;
        this.deadLetters = deadLetters;
        this.checkpoints = checkpoints;
        this.messageTopic = parser.messageTopic();
        this.takeoverAfter = takeoverAfter;
        this.metrics = metrics;
        this.parallelWriters = parallelWriters;
        // One thread per group beyond the first, so every group of a batch runs at once.
        this.otherGroups = parallelWriters > 1
                ? Executors.newFixedThreadPool(parallelWriters - 1, DaemonThreads.numbered("audit-writer"))
                : null;
    }

    @Override
    public void close() {
        if (otherGroups != null) {
            otherGroups.shutdownNow();
        }
    }

    record Item(ConsumerRecord<String, String> record, ParsedRecord parsed) {
    }

    /** The head of a chain this sink wrote: the last row's offset and hash, and the chain's row count through it. */
    private record Head(long offset, byte[] hash, long rowCount) {
    }

    /** A chain's last row as the log holds it. */
    private record LastRow(long offset, byte[] hash) {
    }

    /** A chain's stored state, locked for the transaction, and advanced as rows are chained. */
    private static final class Chain {
        final TopicPartition tp;
        final boolean actors;
        long nextOffset;
        Long headOffset;
        byte[] head;
        long rowCount;
        /** Commit time of the newest row this transaction added; null if it added none. */
        Instant advancedTo;

        Chain(TopicPartition tp, boolean actors) {
            this.tp = tp;
            this.actors = actors;
        }

        String log() {
            return actors ? "audit.tx_context" : "audit.change_log";
        }

        void appended(ChainedRow row) {
            headOffset = row.chainOffset();
            head = row.rowHash();
            rowCount++;
            advancedTo = row.committedAt();
        }
    }

    private record Written(List<AuditRow> rows, List<TxContext> contexts, List<Chain> chains) {
    }

    /** A batch parsed and split into groups of whole partitions, each written in its own transaction. */
    record Prepared(List<List<Item>> groups, List<String> deadLettered) {
    }

    /** Each partition group goes to its own transaction: batches of as many partitions spread best. */
    @Override
    public int partitionsPerBatch() {
        return parallelWriters;
    }

    /** Parses the batch and dead-letters what cannot be parsed (on the consumer loop's thread). */
    @Override
    public Prepared prepare(List<ConsumerRecord<String, String>> batch) throws Exception {
        List<List<Item>> groups = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        for (List<ConsumerRecord<String, String>> group : PartitionGroups.split(batch, parallelWriters)) {
            List<Item> items = new ArrayList<>(group.size());
            for (ConsumerRecord<String, String> record : group) {
                ParsedRecord parsed;
                try {
                    parsed = parser.parse(record);
                } catch (EnvelopeParser.PoisonRecordException e) {
                    String id = record.topic() + "-" + record.partition() + "@" + record.offset();
                    if (!deadLettered.contains(id)) {
                        deadLetters.send(record, e);
                        deadLettered.add(id);
                    }
                    sent.add(id);
                    parsed = new ParsedRecord.Skip("dead-lettered");
                }
                items.add(new Item(record, parsed));
            }
            groups.add(items);
        }
        return new Prepared(groups, sent);
    }

    /** Writes the groups at once and returns when all have committed (on the loop's writer thread). */
    @Override
    public void apply(Prepared batch) throws Exception {
        List<Future<?>> others = new ArrayList<>();
        for (int i = 1; i < batch.groups().size(); i++) {
            List<Item> group = batch.groups().get(i);
            others.add(otherGroups.submit(() -> {
                writeGroup(group);
                return null;
            }));
        }
        Exception failure = null;
        try {
            writeGroup(batch.groups().get(0));
        } catch (Exception e) {
            failure = e;
        }
        // Wait for every group, even after a failure: the loop retries the whole batch, and what a
        // group committed is then skipped by its stored position.
        for (Future<?> other : others) {
            try {
                other.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof Exception cause ? cause : new IllegalStateException(e.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        // Durable: a redelivery of these records is now skipped by position, not by this set.
        batch.deadLettered().forEach(deadLettered::remove);
    }

    /** Writes whole partitions of a batch in one transaction. */
    private void writeGroup(List<Item> items) throws Exception {
        Written written = null;
        for (int attempt = 1; written == null; attempt++) {
            boolean lookUp = attempt > 1;
            try {
                written = pool.inTransaction(tx -> write(tx, items, lookUp));
            } catch (SQLException e) {
                // A duplicate: look the batch's source keys up and leave those out. Another group
                // of this batch may be writing the same key at once (a TRUNCATE reaches every
                // partition): its row blocks ours until it commits, and then the next lookup sees it.
                if (!UNIQUE_VIOLATION.equals(e.getSQLState()) || attempt >= MAX_DUPLICATE_ATTEMPTS) {
                    throw e;
                }
            }
        }
        metrics.committed(written.rows(), written.contexts().size());
        for (Chain chain : written.chains()) {
            if (chain.headOffset != null) {
                heads.put(chain.tp, new Head(chain.headOffset, chain.head, chain.rowCount));
            }
            if (chain.advancedTo != null) {
                checkpoints.advanced(new CheckpointPublisher.ChainHead(chain.log(), chain.tp.topic(), chain.tp.partition(),
                        chain.headOffset, chain.head, chain.rowCount, chain.advancedTo));
            }
        }
    }

    private Written write(Connection tx, List<Item> items, boolean lookUpDuplicates) throws SQLException {
        Map<TopicPartition, List<Item>> byPartition = new LinkedHashMap<>();
        for (Item item : items) {
            byPartition.computeIfAbsent(new TopicPartition(item.record().topic(), item.record().partition()), k -> new ArrayList<>())
                    .add(item);
        }
        Map<TopicPartition, Chain> chains = lock(tx, byPartition.keySet());
        // Source keys in the log already, plus those this transaction adds (a republished change
        // can sit in the same batch as its first copy); null on the first, optimistic attempt.
        Set<String> known = lookUpDuplicates ? existingKeys(tx, items) : null;
        // Actors are few: their keys are always looked up, so a republished one never leaves a gap in its chain.
        Set<String> knownActors = existingActors(tx, items);
        PersonalImages.ValueTransform seal = sealer(tx, items);
        List<AuditRow> rows = new ArrayList<>();
        List<TxContext> contexts = new ArrayList<>();
        int redelivered = 0;
        int republished = 0;
        try (ChangeLogCopy copy = new ChangeLogCopy(tx)) {
            for (Map.Entry<TopicPartition, List<Item>> entry : byPartition.entrySet()) {
                Chain chain = chains.get(entry.getKey());
                for (Item item : entry.getValue()) {
                    long offset = item.record().offset();
                    if (offset < chain.nextOffset) {
                        redelivered++;
                        continue;
                    }
                    chain.nextOffset = offset + 1;
                    if (item.parsed() instanceof ParsedRecord.Change change) {
                        if (known != null && !known.add(sourceKey(change.row()))) {
                            republished++;
                            continue;
                        }
                        AuditRow row = change.sealed(seal).chained(chain.head);
                        copy.add(row);
                        rows.add(row);
                        chain.appended(row);
                    } else if (item.parsed() instanceof ParsedRecord.Context context) {
                        if (!knownActors.add(context.context().key())) {
                            republished++;
                            continue;
                        }
                        TxContext actor = context.context().chained(chain.head);
                        contexts.add(actor);
                        chain.appended(actor);
                    }
                }
            }
            copy.finish();
        }
        insertContexts(tx, contexts);
        store(tx, chains.values());
        metrics.redelivered.increment(redelivered);
        metrics.republished.increment(republished);
        return new Written(rows, contexts, List.copyOf(chains.values()));
    }

    /**
     * Seals personal values with their subjects' keys, read (and created where missing) in the
     * write transaction: a key erased meanwhile is either seen erased here or deleted after this
     * commits, and either way the values are unreadable. An erased subject's values are sealed
     * with a key that is never stored. Null when the items hold no personal value.
     */
    private static PersonalImages.ValueTransform sealer(Connection tx, List<Item> items) throws SQLException {
        Set<String> subjects = new HashSet<>();
        for (Item item : items) {
            if (item.parsed() instanceof ParsedRecord.Change change && change.personal() != null) {
                subjects.addAll(change.personal().subjects());
            }
        }
        if (subjects.isEmpty()) {
            return null;
        }
        Map<String, Optional<SecretKey>> keys = SubjectKeys.obtain(tx, subjects);
        SecretKey unstored = SealedValue.newKey();
        return (subject, field, value) -> SealedValue.seal(keys.getOrDefault(subject, Optional.empty()).orElse(unstored), subject,
                field, value);
    }

    /**
     * Locks the chains' rows, creating those missing first: one writer per chain at a time, even
     * during a rebalance or with a second consumer group. A chain another group wrote less than
     * {@code AUDIT_CHAIN_TAKEOVER_AFTER} ago is refused (the batch is retried later); older, it is
     * continued from its head, never started again. One round trip when every chain exists (the
     * common case): the lock is taken on every batch, so it is on the commit → audit row path.
     */
    private Map<TopicPartition, Chain> lock(Connection tx, Collection<TopicPartition> partitions) throws SQLException {
        Map<TopicPartition, Chain> chains = new HashMap<>();
        selectForUpdate(tx, partitions, chains);
        List<TopicPartition> missing = partitions.stream().filter(tp -> !chains.containsKey(tp)).toList();
        if (!missing.isEmpty()) {
            try (PreparedStatement create = tx.prepareStatement("INSERT INTO audit.chains (chain_topic, chain_partition, next_offset)"
                    + " VALUES (?, ?, 0) ON CONFLICT DO NOTHING")) {
                for (TopicPartition tp : missing) {
                    create.setString(1, tp.topic());
                    create.setInt(2, tp.partition());
                    create.addBatch();
                }
                create.executeBatch();
            }
            selectForUpdate(tx, missing, chains);
        }
        for (Chain chain : chains.values()) {
            reconcile(tx, chain);
        }
        return chains;
    }

    /**
     * A query that selects {@code columns} of the existing chain rows of {@code partitions} and
     * locks them in one order. Everything that locks several chains in a transaction goes through
     * it (the writers, and {@link CheckpointPublisher} remembering checkpoints), so no two of them
     * deadlock.
     */
    static PreparedStatement lockChainsInOrder(Connection tx, String columns, Collection<TopicPartition> partitions)
            throws SQLException {
        PreparedStatement select = tx.prepareStatement("SELECT " + columns + " FROM audit.chains"
                + " WHERE (chain_topic, chain_partition) IN (SELECT * FROM unnest(?::text[], ?::int[]))"
                + " ORDER BY chain_topic, chain_partition FOR UPDATE");
        select.setArray(1, tx.createArrayOf("text", partitions.stream().map(TopicPartition::topic).toArray()));
        select.setArray(2, tx.createArrayOf("integer", partitions.stream().map(TopicPartition::partition).toArray()));
        return select;
    }

    /** Locks the chain rows of {@code partitions} that exist (in one order, so two writers never deadlock) into {@code chains}. */
    private void selectForUpdate(Connection tx, Collection<TopicPartition> partitions, Map<TopicPartition, Chain> chains)
            throws SQLException {
        try (PreparedStatement select = lockChainsInOrder(tx, "chain_topic, chain_partition, next_offset, head_offset, head_hash,"
                + " row_count, writer_group, extract(epoch FROM clock_timestamp() - written_at) * 1000", partitions)) {
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    TopicPartition tp = new TopicPartition(rs.getString(1), rs.getInt(2));
                    Chain chain = new Chain(tp, tp.topic().equals(messageTopic));
                    chain.nextOffset = rs.getLong(3);
                    long headOffset = rs.getLong(4);
                    chain.headOffset = rs.wasNull() ? null : headOffset;
                    byte[] head = rs.getBytes(5);
                    chain.head = head == null ? ChainHash.GENESIS : head;
                    chain.rowCount = rs.getLong(6);
                    String writer = rs.getString(7);
                    double sinceWritten = rs.getDouble(8);
                    if (writer != null && !writer.equals(group)) {
                        if (!rs.wasNull() && sinceWritten < takeoverAfter.toMillis()) {
                            metrics.chainRefusals.increment();
                            throw new ChainOwnedException(tp, writer, Math.round(sinceWritten));
                        }
                        LOG.info("chain {}: continuing it after consumer group '{}' (which last wrote it {} ms ago)", tp, writer,
                                Math.round(sinceWritten));
                    }
                    chains.put(tp, chain);
                }
            }
        }
    }

    /**
     * Checks the stored head against what this sink last wrote to the chain and, when they differ,
     * against the log's last row: the chains table may have been wiped or restored from a backup
     * (continue from the log), or the log rewritten under the sink (keep the hash this sink
     * computed, so the next checkpoint signs the real chain and verify reports the rewrite).
     */
    private void reconcile(Connection tx, Chain chain) throws SQLException {
        Head mine = heads.get(chain.tp);
        if (mine != null && chain.headOffset != null && mine.offset() == chain.headOffset && Arrays.equals(mine.hash(), chain.head)) {
            // What this sink counted is what it signs: a row count edited in audit.chains is not.
            chain.rowCount = mine.rowCount();
            return;
        }
        LastRow last = lastRow(tx, chain);
        if (mine != null && (last == null || last.offset() < mine.offset()) && chain.headOffset != null
                && chain.headOffset < mine.offset()) {
            metrics.chainAnomaly("tail_removed").increment();
            LOG.error("chain {}: this sink wrote it up to offset {}, but the log and the stored head now end at {}: rows at the end"
                    + " of the chain were removed. The chain continues from the hash this sink computed; audit-sink verify names"
                    + " the removed rows", chain.tp, mine.offset(), last == null ? "no row" : "offset " + last.offset());
            chain.headOffset = mine.offset();
            chain.head = mine.hash();
            chain.rowCount = mine.rowCount();
            chain.nextOffset = Math.max(chain.nextOffset, mine.offset() + 1);
            return;
        }
        if (mine != null && last != null && last.offset() == mine.offset() && !Arrays.equals(last.hash(), mine.hash())) {
            metrics.chainAnomaly("rewritten").increment();
            LOG.error("chain {}: its last row (offset {}) was rewritten after this sink wrote it. The chain continues from the hash"
                    + " this sink computed; audit-sink verify names the rewritten rows", chain.tp, mine.offset());
            chain.headOffset = mine.offset();
            chain.head = mine.hash();
            // The forger's row count would count rows it inserted: the next checkpoint signs this sink's.
            chain.rowCount = mine.rowCount();
            return;
        }
        boolean consistent = last == null ? chain.headOffset == null
                : chain.headOffset != null && last.offset() == chain.headOffset && Arrays.equals(last.hash(), chain.head);
        if (consistent) {
            return;
        }
        if (last != null && (chain.headOffset == null || last.offset() > chain.headOffset)) {
            metrics.chainAnomaly("head_behind_log").increment();
            LOG.warn("chain {}: the stored head (offset {}) is behind the log's last row (offset {}): audit.chains was wiped or"
                    + " restored. Continuing from the log's last row", chain.tp, chain.headOffset, last.offset());
        } else if (last == null || last.offset() < chain.headOffset) {
            // Rows at the end were removed (or dropped by retention with nothing newer): the chain
            // goes on from the stored head, so what was signed stays the predecessor of what comes.
            if (last != null) {
                metrics.chainAnomaly("tail_removed").increment();
                LOG.error("chain {}: the stored head is at offset {} but the log's last row is at offset {}: rows at the end of the"
                        + " chain were removed. The chain continues from the stored head; audit-sink verify reports the gap",
                        chain.tp, chain.headOffset, last.offset());
            }
            return;
        } else {
            metrics.chainAnomaly("head_differs").increment();
            LOG.error("chain {}: the stored head hash differs from the log's last row (offset {}). Continuing from the log's row;"
                    + " audit-sink verify tells which is right", chain.tp, last.offset());
        }
        chain.headOffset = last.offset();
        chain.head = last.hash();
        chain.rowCount = countRows(tx, chain);
        chain.nextOffset = Math.max(chain.nextOffset, last.offset() + 1);
    }

    /** The chain's last row in the log (offset, hash), or null when it has none. */
    private static LastRow lastRow(Connection tx, Chain chain) throws SQLException {
        try (PreparedStatement s = tx.prepareStatement("SELECT chain_offset, row_hash FROM " + chain.log()
                + " WHERE chain_topic = ? AND chain_partition = ? ORDER BY chain_offset DESC LIMIT 1")) {
            s.setString(1, chain.tp.topic());
            s.setInt(2, chain.tp.partition());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? new LastRow(rs.getLong(1), rs.getBytes(2)) : null;
            }
        }
    }

    private static long countRows(Connection tx, Chain chain) throws SQLException {
        try (PreparedStatement s = tx.prepareStatement("SELECT count(*) FROM " + chain.log()
                + " WHERE chain_topic = ? AND chain_partition = ?")) {
            s.setString(1, chain.tp.topic());
            s.setInt(2, chain.tp.partition());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String sourceKey(AuditRow row) {
        return row.sourceLsn() + "|" + row.sourceTable() + "|" + row.primaryKey();
    }

    /**
     * Source keys of this batch's changes that are already in the log (column privilege: keys
     * only), looked up through the log's unique source key (table, key, LSN, commit time).
     */
    private static Set<String> existingKeys(Connection tx, List<Item> items) throws SQLException {
        List<String> tables = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Long> lsns = new ArrayList<>();
        for (Item item : items) {
            if (item.parsed() instanceof ParsedRecord.Change change) {
                tables.add(change.row().sourceTable());
                keys.add(change.row().primaryKey());
                lsns.add(change.row().sourceLsn());
            }
        }
        Set<String> existing = new HashSet<>();
        if (lsns.isEmpty()) {
            return existing;
        }
        try (PreparedStatement s = tx.prepareStatement("SELECT source_lsn, source_table, primary_key::text FROM audit.change_log"
                + " WHERE (source_table, primary_key, source_lsn) IN (SELECT t, k::jsonb, l FROM unnest(?::text[], ?::text[], ?::bigint[]) AS u(t, k, l))")) {
            s.setArray(1, tx.createArrayOf("text", tables.toArray()));
            s.setArray(2, tx.createArrayOf("text", keys.toArray()));
            s.setArray(3, tx.createArrayOf("bigint", lsns.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    existing.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + CanonicalJson.of(CanonicalJson.parse(rs.getString(3))));
                }
            }
        }
        return existing;
    }

    /** Keys (transaction id, commit time) of this batch's actors that are already in the log. */
    private static Set<String> existingActors(Connection tx, List<Item> items) throws SQLException {
        List<Long> ids = new ArrayList<>();
        for (Item item : items) {
            if (item.parsed() instanceof ParsedRecord.Context context) {
                ids.add(context.context().txId());
            }
        }
        Set<String> existing = new HashSet<>();
        if (ids.isEmpty()) {
            return existing;
        }
        try (PreparedStatement s = tx.prepareStatement("SELECT tx_id, committed_at FROM audit.tx_context WHERE tx_id = ANY (?)")) {
            s.setArray(1, tx.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    existing.add(rs.getLong(1) + "|" + rs.getTimestamp(2).toInstant().toEpochMilli());
                }
            }
        }
        return existing;
    }

    private static void insertContexts(Connection tx, List<TxContext> contexts) throws SQLException {
        if (contexts.isEmpty()) {
            return;
        }
        try (PreparedStatement s = tx.prepareStatement("INSERT INTO audit.tx_context (tx_id, committed_at, db_user, app_user,"
                + " app_org, application_name, client_addr, source_lsn, chain_topic, chain_partition, chain_offset, hash_version,"
                + " prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?::inet, ?, ?, ?, ?, ?, ?, ?)")) {
            for (TxContext c : contexts) {
                s.setLong(1, c.txId());
                s.setTimestamp(2, Timestamp.from(c.committedAt()));
                s.setString(3, c.dbUser());
                s.setString(4, c.appUser());
                s.setString(5, c.appOrg());
                s.setString(6, c.applicationName());
                if (c.clientAddr() == null) {
                    s.setNull(7, Types.VARCHAR);
                } else {
                    s.setString(7, c.clientAddr());
                }
                s.setLong(8, c.sourceLsn());
                s.setString(9, c.chainTopic());
                s.setInt(10, c.chainPartition());
                s.setLong(11, c.chainOffset());
                s.setShort(12, (short) c.hashVersion());
                s.setBytes(13, c.prevHash());
                s.setBytes(14, c.rowHash());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private void store(Connection tx, Collection<Chain> chains) throws SQLException {
        try (PreparedStatement s = tx.prepareStatement("UPDATE audit.chains SET next_offset = ?, head_offset = ?, head_hash = ?,"
                + " row_count = ?, writer_group = ?, written_at = clock_timestamp() WHERE chain_topic = ? AND chain_partition = ?")) {
            for (Chain chain : chains) {
                s.setLong(1, chain.nextOffset);
                if (chain.headOffset == null) {
                    s.setNull(2, Types.BIGINT);
                    s.setNull(3, Types.BINARY);
                } else {
                    s.setLong(2, chain.headOffset);
                    s.setBytes(3, chain.head);
                }
                s.setLong(4, chain.rowCount);
                s.setString(5, group);
                s.setString(6, chain.tp.topic());
                s.setInt(7, chain.tp.partition());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    @Override
    public boolean isTransient(Throwable error) {
        return error instanceof ChainOwnedException;
    }

    @Override
    public boolean storesPositions() {
        return true;
    }

    /**
     * The next offset of each assigned chain; for a chain missing from {@code audit.chains} (wiped),
     * the offset after its last row in the log, so the sink goes on where the log ends.
     */
    @Override
    public Map<TopicPartition, Long> storedPositions(Collection<TopicPartition> assigned) throws Exception {
        Map<TopicPartition, Long> stored = new HashMap<>();
        pool.withConnection(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT chain_topic, chain_partition, next_offset FROM audit.chains")) {
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        TopicPartition tp = new TopicPartition(rs.getString(1), rs.getInt(2));
                        if (assigned.contains(tp)) {
                            stored.put(tp, rs.getLong(3));
                        }
                    }
                }
            }
            for (TopicPartition tp : assigned) {
                if (!stored.containsKey(tp)) {
                    LastRow last = lastRow(c, new Chain(tp, tp.topic().equals(messageTopic)));
                    if (last != null) {
                        stored.put(tp, last.offset() + 1);
                    }
                }
            }
            return null;
        });
        return stored;
    }
}
