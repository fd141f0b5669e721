package io.cdcpipeline.audit;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine.Option;

import io.cdcpipeline.audit.checkpoint.Checkpoint;
import io.cdcpipeline.audit.checkpoint.CheckpointFiles;
import io.cdcpipeline.audit.checkpoint.CheckpointKeys;
import io.cdcpipeline.audit.checkpoint.CheckpointTopic;
import io.cdcpipeline.common.config.ConfigurationException;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;

/**
 * {@code audit-sink retain --months M}: drops the audit months older than M months, keeping the
 * proof of the rest. It first verifies the whole log (a tampered log is not trimmed: that would
 * destroy the evidence), then signs a retention checkpoint for every chain that loses rows (how
 * many, the last dropped row's hash, and a bridge for each remaining row whose predecessor goes),
 * stores it in the checkpoint files and topic, and only then detaches and drops the partitions,
 * logging each in {@code maintenance.partition_log}. {@code verify} starts each chain there.
 * Runs as the owner of the audit tables (the migration role), with the signing key.
 */
final class AuditRetention {

    private static final List<String> LOGS = List.of("audit.change_log", "audit.tx_context");

    /** A row that stays: where it is in its chain and its links. */
    private record Survivor(long offset, byte[] prevHash, byte[] rowHash) {
    }

    /** A month partition of an audit table. */
    record Partition(String log, String name, YearMonth month) {
    }

    private AuditRetention() {
    }

    /** The month partitions older than {@code cutoff} (whole months only; the default partition never). */
    static List<Partition> expired(Connection c, YearMonth cutoff) throws SQLException {
        List<Partition> found = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT i.inhparent::regclass::text, c.oid::regclass::text, c.relname"
                + " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " WHERE i.inhparent IN ('audit.change_log'::regclass, 'audit.tx_context'::regclass)"
                + " AND c.relname ~ '_p[0-9]{6}$' ORDER BY c.relname")) {
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String rel = rs.getString(3);
                    YearMonth month = YearMonth.of(Integer.parseInt(rel.substring(rel.length() - 6, rel.length() - 2)),
                            Integer.parseInt(rel.substring(rel.length() - 2)));
                    if (month.isBefore(cutoff)) {
                        found.add(new Partition(rs.getString(1), rs.getString(2), month));
                    }
                }
            }
        }
        return found;
    }

    /**
     * The retention checkpoints for dropping everything committed before {@code cutoff}: one per
     * chain that loses rows, cumulative over earlier retention runs.
     */
    static List<Checkpoint> checkpoints(Connection c, List<Partition> dropped, Instant cutoff, CheckpointEvidence evidence)
            throws SQLException {
        List<Checkpoint> result = new ArrayList<>();
        for (String log : LOGS) {
            Set<ChainRows.Ref> chains = new LinkedHashSet<>();
            for (Partition p : dropped) {
                if (!p.log().equals(log)) {
                    continue;
                }
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT DISTINCT chain_topic, chain_partition FROM "
                        + p.name() + " WHERE chain_topic IS NOT NULL")) {
                    while (rs.next()) {
                        chains.add(new ChainRows.Ref(log, rs.getString(1), rs.getInt(2)));
                    }
                }
            }
            for (ChainRows.Ref chain : chains) {
                result.add(checkpoint(c, chain, cutoff, evidence.retention(chain.key())));
            }
        }
        return result;
    }

    private static Checkpoint checkpoint(Connection c, ChainRows.Ref chain, Instant cutoff, Checkpoint earlier) throws SQLException {
        long droppedRows = earlier == null ? 0 : earlier.rowCount();
        Instant earlierCutoff = earlier == null ? null : earlier.committedAt();
        long lastDroppedOffset = -1;
        byte[] lastDroppedHash = null;
        List<Survivor> survivors = new ArrayList<>();
        String order = chain.actors() ? "chain_offset, tx_id, committed_at" : "chain_offset, id";
        try (PreparedStatement s = c.prepareStatement("SELECT chain_offset, committed_at, prev_hash, row_hash FROM " + chain.log()
                + " WHERE chain_topic = ? AND chain_partition = ? ORDER BY " + order)) {
            s.setFetchSize(5000);
            s.setString(1, chain.topic());
            s.setInt(2, chain.partition());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long offset = rs.getLong(1);
                    Instant committed = rs.getTimestamp(2).toInstant();
                    if (committed.isBefore(cutoff)) {
                        if (earlierCutoff == null || !committed.isBefore(earlierCutoff)) {
                            droppedRows++; // rows an interrupted earlier run left are counted in its checkpoint
                        }
                        if (offset >= lastDroppedOffset) {
                            lastDroppedOffset = offset;
                            lastDroppedHash = rs.getBytes(4);
                        }
                    } else {
                        survivors.add(new Survivor(offset, rs.getBytes(3), rs.getBytes(4)));
                    }
                }
            }
        }
        // Bridges: where a remaining row's prev_hash is not the hash before it in the walk verify will do.
        List<Checkpoint.Bridge> bridges = new ArrayList<>();
        byte[] expected = lastDroppedHash;
        for (Survivor row : survivors) {
            if (!Arrays.equals(row.prevHash(), expected)) {
                bridges.add(new Checkpoint.Bridge(row.offset(), ChainHash.hex(row.prevHash())));
            }
            expected = row.rowHash();
        }
        return Checkpoint.retention(chain.log(), chain.topic(), chain.partition(), lastDroppedOffset, ChainHash.hex(lastDroppedHash),
                droppedRows, cutoff, bridges);
    }

    /** Detaches and drops the partitions in one transaction, logging each. */
    static void drop(Connection c, List<Partition> partitions, int months) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement();
             PreparedStatement log = c.prepareStatement("INSERT INTO maintenance.partition_log (parent, action, partition, detail)"
                     + " VALUES (?, 'dropped', ?, ?)")) {
            for (Partition p : partitions) {
                long rows;
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + p.name())) {
                    rs.next();
                    rows = rs.getLong(1);
                }
                s.execute("ALTER TABLE " + p.log() + " DETACH PARTITION " + p.name());
                s.execute("DROP TABLE " + p.name());
                log.setString(1, p.log());
                log.setString(2, p.name());
                log.setString(3, rows + " rows, audit retention " + months + " months, retention checkpoints signed");
                log.executeUpdate();
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    @picocli.CommandLine.Command(name = "retain", description = "Drop monthly partitions of the audit log older than"
            + " --months, after verifying them and writing a signed retention checkpoint that verify starts from.")
    static final class Command implements Callable<Integer> {
        private final Map<String, String> env;
        private final PrintWriter out;

        @Option(names = "--months", paramLabel = "M", required = true, description = "keep the current month and the M before it")
        int months;

        @Option(names = "--dry-run", description = "verify and list what would be dropped, change nothing")
        boolean dryRun;

        Command(Map<String, String> env, PrintWriter out) {
            this.env = env;
            this.out = out;
        }

        @Override
        public Integer call() throws Exception {
            Settings settings = new Settings(env);
            VerificationTarget target = VerificationTarget.read(settings, "audit-retain");
            Path keyFile = settings.required(AuditSinkConfig.AUDIT_CHECKPOINT_KEY_FILE);
            if (target.checkpointDirectory().isEmpty()) {
                settings.problem(AuditSinkConfig.AUDIT_CHECKPOINT_DIR.name() + " is required: retention checkpoints are kept there");
            }
            if (target.kafka().isEmpty()) {
                settings.problem("KAFKA_BOOTSTRAP_SERVERS is required: retention checkpoints are published to the checkpoint topic");
            }
            java.util.Optional<Short> replication = io.cdcpipeline.common.kafka.KafkaSettings.replicationFactor(settings,
                    AuditSinkConfig.AUDIT_TOPIC_REPLICATION_FACTOR);
            if (months < 1) {
                throw new ConfigurationException("audit-sink retain", List.of("--months must be at least 1"));
            }
            settings.validate("audit-sink retain");
            YearMonth cutoffMonth = YearMonth.now(ZoneOffset.UTC).minusMonths(months);
            Instant cutoff = cutoffMonth.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            ConnectionSettings db = target.database();
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.driverProperties())) {
                List<Partition> expired = expired(c, cutoffMonth);
                if (expired.isEmpty()) {
                    out.println("no audit month before " + cutoffMonth + ": nothing to drop");
                    return 0;
                }
                // Read once: what verify holds the log against is what the retention checkpoints continue.
                CheckpointEvidence evidence = target.evidence();
                ChainVerifier.Report report = target.verify(Optional.empty(), Optional.empty(), evidence);
                if (!report.ok()) {
                    report.problems().forEach(p -> out.println("BROKEN " + p));
                    out.println("the log does not verify: nothing dropped (dropping would destroy the evidence)");
                    return 1;
                }
                PrivateKey key = CheckpointKeys.readPrivate(keyFile);
                List<Checkpoint> checkpoints = checkpoints(c, expired, cutoff, evidence).stream().map(cp -> cp.signed(key)).toList();
                for (Partition p : expired) {
                    out.println((dryRun ? "would drop " : "dropping ") + p.name() + " (" + p.month() + ")");
                }
                if (dryRun) {
                    return 0;
                }
                try (CheckpointFiles files = new CheckpointFiles(target.checkpointDirectory().get());
                     CheckpointTopic topic = new CheckpointTopic(target.kafka().get(), target.checkpointTopic(),
                             replication)) {
                    files.append(checkpoints);
                    topic.send(checkpoints);
                }
                drop(c, expired, months);
                out.println("dropped " + expired.size() + " partitions; " + checkpoints.size() + " retention checkpoints signed");
                return 0;
            }
        }
    }

}
