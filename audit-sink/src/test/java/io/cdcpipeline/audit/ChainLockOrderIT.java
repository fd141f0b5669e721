package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.audit.checkpoint.Checkpoint;

/**
 * Remembering checkpoints in {@code audit.chains} while a writer holds some of the same chains
 * must wait for the writer, never deadlock with it. The checkpoints arrive in any order (a hash
 * map's); before the rows were locked in the writers' order, a writer holding chain 0 and then
 * asking for chain 1, which the publisher had already updated on its way to chain 0, deadlocked
 * with it: PostgreSQL broke the cycle after {@code deadlock_timeout} by failing one of them, and
 * under load the sink stalled for seconds.
 */
class ChainLockOrderIT {

    private static final String TOPIC = "locks.app.articles";

    @Test
    void shouldWaitForAWriterInsteadOfDeadlockingWithIt() throws Exception {
        try (AuditFixture f = AuditFixture.withoutCapture("audit-lock-order");
             Connection writer = f.capture.db.superuserConnection();
             Connection publisher = f.capture.db.superuserConnection()) {
            f.capture.db.execute("INSERT INTO audit.chains (chain_topic, chain_partition, next_offset) VALUES"
                    + " ('" + TOPIC + "', 0, 0), ('" + TOPIC + "', 1, 0)");
            int publisherPid = pid(publisher);
            writer.setAutoCommit(false);
            lockChain(writer, 0);

            // Chain 1 first, as a hash map may hand them over.
            List<Checkpoint> checkpoints = List.of(checkpoint(1, 7), checkpoint(0, 5));
            CompletableFuture<Void> remembering = CompletableFuture.runAsync(() -> {
                try {
                    publisher.setAutoCommit(false);
                    CheckpointPublisher.remember(publisher, checkpoints);
                    publisher.commit();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> waitsForALock(f, publisherPid));

            // The writer's batch spans chain 1 as well. Deadlocked, one side fails after deadlock_timeout (1 s).
            try (Statement s = writer.createStatement()) {
                s.execute("SET LOCAL lock_timeout = '5s'");
            }
            lockChain(writer, 1);
            writer.commit();

            remembering.get(10, TimeUnit.SECONDS);
            try (Statement s = writer.createStatement();
                 ResultSet rs = s.executeQuery("SELECT chain_partition, checkpoint_offset FROM audit.chains WHERE chain_topic = '"
                         + TOPIC + "' ORDER BY chain_partition")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(2)).isEqualTo(5);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(2)).isEqualTo(7);
            }
            writer.commit();
        }
    }

    /** As a writer does: the chain row, FOR UPDATE, through the writers' own query. */
    private static void lockChain(Connection tx, int partition) throws SQLException {
        try (PreparedStatement s = AuditWriter.lockChainsInOrder(tx, "1", List.of(new TopicPartition(TOPIC, partition)))) {
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("chain %d exists and is locked", partition).isTrue();
            }
        }
    }

    private static Checkpoint checkpoint(int partition, long offset) {
        return Checkpoint.head("audit", TOPIC, partition, offset, "ab".repeat(32), offset + 1, Instant.now(), null, null);
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean waitsForALock(AuditFixture f, int pid) throws SQLException {
        try (Connection c = f.capture.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT wait_event_type FROM pg_stat_activity WHERE pid = " + pid)) {
            return rs.next() && "Lock".equals(rs.getString(1));
        }
    }
}
