package io.cdcpipeline.audit;

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import io.cdcpipeline.common.db.PriorityPool;
import io.cdcpipeline.common.kafka.BatchHandler;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.service.DaemonThreads;

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

    private static final String UNIQUE_VIOLATION = "23505";
    /** Attempts of a group that keeps meeting duplicates written concurrently by another group. */
    private static final int MAX_DUPLICATE_ATTEMPTS = 5;

    private final PriorityPool pool;
    private final String group;
    private final EnvelopeParser parser;
    private final DeadLetterQueue deadLetters;
    private final ChainHeads heads;
    private final AuditMetrics metrics;
    /** Records dead-lettered whose batch is not durable yet, so a retried batch does not send them twice. */
    private final Set<String> deadLettered = ConcurrentHashMap.newKeySet();
    /**
     * Threads writing the other partition groups of a batch while the loop's writer thread writes
     * the first: one PostgreSQL backend per group, and one group's hashing and CSV overlap
     * another's COPY.
     */
    private final ExecutorService otherGroups;
    private final int parallelWriters;

    AuditWriter(PriorityPool pool, String group, EnvelopeParser parser, DeadLetterQueue deadLetters, ChainHeads heads,
                AuditMetrics metrics, int parallelWriters) {
        this.pool = pool;
        this.group = group;
        this.parser = parser;
        this.deadLetters = deadLetters;
        this.heads = heads;
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

    /** A partition's stored state, locked for the transaction. */
    private static final class Position {
        long nextOffset;
        byte[] head;
    }

    private record Written(List<AuditRow> rows, int contexts) {
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
        metrics.committed(written.rows(), written.contexts());
        Map<TopicPartition, AuditRow> newestPerChain = new HashMap<>();
        for (AuditRow row : written.rows()) {
            newestPerChain.put(new TopicPartition(row.chainTopic(), row.chainPartition()), row);
        }
        newestPerChain.forEach((tp, row) -> heads.advanced(new ChainHeads.Head(tp.topic(), tp.partition(), row.chainOffset(),
                ChainHash.hex(row.rowHash()))));
    }

    private Written write(Connection tx, List<Item> items, boolean lookUpDuplicates) throws SQLException {
        Map<TopicPartition, List<Item>> byPartition = new LinkedHashMap<>();
        for (Item item : items) {
            byPartition.computeIfAbsent(new TopicPartition(item.record().topic(), item.record().partition()), k -> new ArrayList<>())
                    .add(item);
        }
        Map<TopicPartition, Position> positions = lock(tx, byPartition.keySet());
        // Source keys in the log already, plus those this transaction adds (a republished change
        // can sit in the same batch as its first copy); null on the first, optimistic attempt.
        Set<String> known = lookUpDuplicates ? existingKeys(tx, items) : null;
        List<AuditRow> rows = new ArrayList<>();
        List<TxContext> contexts = new ArrayList<>();
        int redelivered = 0;
        int republished = 0;
        try (ChangeLogCopy copy = new ChangeLogCopy(tx)) {
            for (Map.Entry<TopicPartition, List<Item>> entry : byPartition.entrySet()) {
                Position position = positions.get(entry.getKey());
                for (Item item : entry.getValue()) {
                    long offset = item.record().offset();
                    if (offset < position.nextOffset) {
                        redelivered++;
                        continue;
                    }
                    position.nextOffset = offset + 1;
                    if (item.parsed() instanceof ParsedRecord.Change change) {
                        if (known != null && !known.add(sourceKey(change.row()))) {
                            republished++;
                            continue;
                        }
                        AuditRow row = change.row().chained(position.head);
                        copy.add(row);
                        rows.add(row);
                        position.head = row.rowHash();
                    } else if (item.parsed() instanceof ParsedRecord.Context context) {
                        contexts.add(context.context());
                    }
                }
            }
            copy.finish();
        }
        insertContexts(tx, contexts);
        store(tx, positions);
        metrics.redelivered.increment(redelivered);
        metrics.republished.increment(republished);
        return new Written(rows, contexts.size());
    }

    /** Creates missing position rows, then locks them: one writer per partition at a time, even during a rebalance. */
    private Map<TopicPartition, Position> lock(Connection tx, Collection<TopicPartition> partitions) throws SQLException {
        try (PreparedStatement create = tx.prepareStatement("INSERT INTO audit.consumer_positions (consumer_group, topic,"
                + " kafka_partition, next_offset) VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING")) {
            for (TopicPartition tp : partitions) {
                create.setString(1, group);
                create.setString(2, tp.topic());
                create.setInt(3, tp.partition());
                create.addBatch();
            }
            create.executeBatch();
        }
        Map<TopicPartition, Position> positions = new HashMap<>();
        try (PreparedStatement select = tx.prepareStatement("SELECT next_offset, chain_head"
                + " FROM audit.consumer_positions WHERE consumer_group = ? AND topic = ? AND kafka_partition = ? FOR UPDATE")) {
            for (TopicPartition tp : partitions) {
                select.setString(1, group);
                select.setString(2, tp.topic());
                select.setInt(3, tp.partition());
                try (ResultSet rs = select.executeQuery()) {
                    rs.next();
                    Position p = new Position();
                    p.nextOffset = rs.getLong(1);
                    byte[] head = rs.getBytes(2);
                    p.head = head == null ? ChainHash.GENESIS : head;
                    positions.put(tp, p);
                }
            }
        }
        return positions;
    }

    private static String sourceKey(AuditRow row) {
        return row.sourceLsn() + "|" + row.sourceTable() + "|" + row.primaryKey();
    }

    /** Source keys of this batch's changes that are already in the log (column privilege: keys only). */
    private static Set<String> existingKeys(Connection tx, List<Item> items) throws SQLException {
        List<Long> lsns = new ArrayList<>();
        for (Item item : items) {
            if (item.parsed() instanceof ParsedRecord.Change change) {
                lsns.add(change.row().sourceLsn());
            }
        }
        Set<String> existing = new HashSet<>();
        if (lsns.isEmpty()) {
            return existing;
        }
        try (PreparedStatement s = tx.prepareStatement(
                "SELECT source_lsn, source_table, primary_key::text FROM audit.change_log WHERE source_lsn = ANY (?)")) {
            s.setArray(1, tx.createArrayOf("bigint", lsns.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    existing.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + CanonicalJson.of(CanonicalJson.parse(rs.getString(3))));
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
                + " app_org, application_name, client_addr, source_lsn) VALUES (?, ?, ?, ?, ?, ?, ?::inet, ?)"
                + " ON CONFLICT (tx_id, committed_at) DO NOTHING")) {
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
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private void store(Connection tx, Map<TopicPartition, Position> positions) throws SQLException {
        try (PreparedStatement s = tx.prepareStatement("UPDATE audit.consumer_positions SET next_offset = ?, chain_head = ?,"
                + " updated_at = clock_timestamp() WHERE consumer_group = ? AND topic = ? AND kafka_partition = ?")) {
            for (Map.Entry<TopicPartition, Position> e : positions.entrySet()) {
                Position p = e.getValue();
                s.setLong(1, p.nextOffset);
                s.setBytes(2, p.head == ChainHash.GENESIS ? null : p.head);
                s.setString(3, group);
                s.setString(4, e.getKey().topic());
                s.setInt(5, e.getKey().partition());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    @Override
    public boolean storesPositions() {
        return true;
    }

    @Override
    public Map<TopicPartition, Long> storedPositions(Collection<TopicPartition> assigned) throws Exception {
        Map<TopicPartition, Long> stored = new HashMap<>();
        pool.withConnection(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT topic, kafka_partition, next_offset FROM audit.consumer_positions"
                    + " WHERE consumer_group = ?")) {
                s.setString(1, group);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        TopicPartition tp = new TopicPartition(rs.getString(1), rs.getInt(2));
                        if (assigned.contains(tp)) {
                            stored.put(tp, rs.getLong(3));
                        }
                    }
                }
            }
            return null;
        });
        return stored;
    }
}
