package io.cdcpipeline.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.audit.checkpoint.Checkpoint;
import io.cdcpipeline.audit.checkpoint.CheckpointFiles;
import io.cdcpipeline.audit.checkpoint.CheckpointTopic;
import io.cdcpipeline.common.db.PriorityPool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Signs the head of every chain this sink advanced since the last round and publishes the
 * checkpoints: appended to the checkpoint files (durable first), then to the compacted topic,
 * then remembered in {@code audit.chains} so the chain's next checkpoint names this one as its
 * predecessor. A failed round is retried by the next one; nothing is lost, the window a rewrite
 * could hide in only grows (exported as {@code audit_checkpoint_last_published_timestamp_seconds}).
 */
final class CheckpointPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointPublisher.class);

    /** A chain's newest row after a commit. */
    record ChainHead(String log, String topic, int partition, long offset, byte[] hash, long rowCount, Instant committedAt) {
        String key() {
            return log + "/" + topic + "/" + partition;
        }
    }

    private record Previous(long offset, String hash) {
    }

    private final PriorityPool pool;
    private final PrivateKey key;
    private final CheckpointFiles files;
    private final CheckpointTopic topic;
    private final Map<String, ChainHead> pending = new ConcurrentHashMap<>();
    private final Counter published;
    private final Counter failures;
    private final AtomicLong lastPublished = new AtomicLong();

    CheckpointPublisher(PriorityPool pool, PrivateKey key, Path directory, CheckpointTopic topic, MeterRegistry registry)
            throws IOException {
        this.pool = pool;
        this.key = key;
        this.files = new CheckpointFiles(directory);
        this.topic = topic;
        this.published = Counter.builder("audit.checkpoints.published").description("signed chain checkpoints published")
                .register(registry);
        this.failures = Counter.builder("audit.checkpoint.failures")
                .description("checkpoint rounds that failed (retried by the next round)").register(registry);
        Gauge.builder("audit.checkpoint.last.published.timestamp.seconds", lastPublished, AtomicLong::get)
                .description("when checkpoints were last published (Unix time; 0 = not yet)").strongReference(true).register(registry);
        Gauge.builder("audit.checkpoint.pending.chains", pending, Map::size)
                .description("chains advanced since their last published checkpoint").strongReference(true).register(registry);
    }

    /** Remembers a chain's new head after a commit. */
    void advanced(ChainHead head) {
        pending.merge(head.key(), head, (old, now) -> now.offset() >= old.offset() ? now : old);
    }

    /** Signs and publishes the heads advanced since the last call; a failure only logs (the next call retries). */
    synchronized void publish() {
        List<ChainHead> heads = List.copyOf(pending.values());
        if (heads.isEmpty()) {
            return;
        }
        try {
            Map<String, Previous> previous = previous();
            List<Checkpoint> checkpoints = new ArrayList<>();
            List<ChainHead> covered = new ArrayList<>();
            for (ChainHead head : heads) {
                Previous prev = previous.get(head.topic() + "/" + head.partition());
                covered.add(head);
                if (prev != null && prev.offset() >= head.offset()) {
                    continue; // another instance signed this far already
                }
                checkpoints.add(Checkpoint.head(head.log(), head.topic(), head.partition(), head.offset(), ChainHash.hex(head.hash()),
                        head.rowCount(), head.committedAt(), prev == null ? null : prev.offset(), prev == null ? null : prev.hash())
                        .signed(key));
            }
            files.append(checkpoints);
            topic.send(checkpoints);
            remember(checkpoints);
            covered.forEach(h -> pending.remove(h.key(), h));
            published.increment(checkpoints.size());
            lastPublished.set(Instant.now().getEpochSecond());
        } catch (Exception e) {
            failures.increment();
            LOG.warn("cannot publish the checkpoints of {} chains, retrying at the next interval: {}", heads.size(), e.toString());
        }
    }

    /** The last published checkpoint of each chain ("topic/partition"), which the next one names. */
    private Map<String, Previous> previous() throws Exception {
        return pool.withConnection(c -> {
            Map<String, Previous> found = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT chain_topic, chain_partition, checkpoint_offset, checkpoint_hash"
                    + " FROM audit.chains WHERE checkpoint_offset IS NOT NULL"); ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1) + "/" + rs.getInt(2), new Previous(rs.getLong(3), ChainHash.hex(rs.getBytes(4))));
                }
            }
            return found;
        });
    }

    private void remember(List<Checkpoint> checkpoints) throws Exception {
        if (checkpoints.isEmpty()) {
            return;
        }
        pool.inTransaction(c -> {
            remember(c, checkpoints);
            return null;
        });
    }

    /**
     * Stores each chain's newest checkpoint in {@code audit.chains}, in the caller's transaction.
     * The rows are locked first, in the order the writers lock them ({@link AuditWriter#lockChainsInOrder}):
     * updated one by one in another order, a chain locked here could be the next one a writer
     * waits for while this waits for the writer's: a deadlock, which PostgreSQL breaks only after
     * {@code deadlock_timeout} (a second), failing one side. Under load that stalled the sink
     * for two seconds at a time.
     */
    static void remember(Connection c, List<Checkpoint> checkpoints) throws SQLException {
        List<TopicPartition> chains = checkpoints.stream().map(cp -> new TopicPartition(cp.chainTopic(), cp.chainPartition())).toList();
        try (PreparedStatement lock = AuditWriter.lockChainsInOrder(c, "1", chains)) {
            lock.executeQuery().close();
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE audit.chains SET checkpoint_offset = ?, checkpoint_hash = ?"
                + " WHERE chain_topic = ? AND chain_partition = ? AND (checkpoint_offset IS NULL OR checkpoint_offset < ?)")) {
            for (Checkpoint cp : checkpoints) {
                s.setLong(1, cp.offset());
                s.setBytes(2, java.util.HexFormat.of().parseHex(cp.rowHash()));
                s.setString(3, cp.chainTopic());
                s.setInt(4, cp.chainPartition());
                s.setLong(5, cp.offset());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    @Override
    public void close() throws IOException {
        publish();
        files.close();
        topic.close();
    }
}
