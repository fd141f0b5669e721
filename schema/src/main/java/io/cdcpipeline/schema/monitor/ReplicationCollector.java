package io.cdcpipeline.schema.monitor;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Replication slots (the capture's among them): active or not, WAL they hold back, how much more
 * WAL may be written before the slot is invalidated ({@code safe_wal_size}, with
 * {@code max_slot_wal_keep_size}), and {@code wal_status}. Streaming replicas' replay lag on a
 * primary; on a replica, its own lag.
 */
final class ReplicationCollector implements Collector {

    private static final List<String> WAL_STATUSES = List.of("reserved", "extended", "unreserved", "lost");

    private final GaugeFamily slotActive;
    private final GaugeFamily slotRetained;
    private final GaugeFamily slotSafeWal;
    private final GaugeFamily slotWalStatus;
    private final GaugeFamily replicaLagSeconds;
    private final GaugeFamily replicaLagBytes;
    private final GaugeFamily isReplica;
    private final GaugeFamily ownLag;

    ReplicationCollector(MeterRegistry registry) {
        slotActive = new GaugeFamily(registry, "pg.replication.slots.active", "1 while a consumer is connected to the slot");
        slotRetained = new GaugeFamily(registry, "pg.replication.slots.retained.bytes",
                "WAL the slot holds back: current position minus restart_lsn");
        slotSafeWal = new GaugeFamily(registry, "pg.replication.slots.safe.wal.size.bytes",
                "WAL that may still be written before the slot is lost (only with max_slot_wal_keep_size)");
        slotWalStatus = new GaugeFamily(registry, "pg.replication.slots.wal.status", "1 for the slot's current wal_status");
        replicaLagSeconds = new GaugeFamily(registry, "pg.stat.replication.replay.lag.seconds", "replay lag of a streaming replica");
        replicaLagBytes = new GaugeFamily(registry, "pg.stat.replication.replay.lag.bytes", "WAL a streaming replica has not replayed");
        isReplica = new GaugeFamily(registry, "pg.replication.is.replica", "1 when this server is a standby");
        ownLag = new GaugeFamily(registry, "pg.replication.lag.seconds",
                "on a standby: time since the last replayed transaction committed on the primary; 0 on a primary");
    }

    @Override
    public String name() {
        return "replication";
    }

    @Override
    public void collect(Connection c) throws SQLException {
        boolean standby = Sql.bool(c, "SELECT pg_is_in_recovery()");
        isReplica.set(standby ? 1 : 0);
        String position = standby ? "pg_last_wal_replay_lsn()" : "pg_current_wal_lsn()";
        Sql.forEachRow(c, "SELECT slot_name, slot_type, coalesce(database, ''), active,"
                + " coalesce(pg_wal_lsn_diff(" + position + ", restart_lsn), 0), safe_wal_size, coalesce(wal_status, 'lost')"
                + " FROM pg_replication_slots", row -> {
                    String[] labels = {"slot_name", row.getString(1), "slot_type", row.getString(2), "database", row.getString(3)};
                    slotActive.add(row.getBoolean(4) ? 1 : 0, labels);
                    slotRetained.add(row.getDouble(5), labels);
                    long safe = row.getLong(6);
                    if (!row.wasNull()) {
                        slotSafeWal.add(safe, labels);
                    }
                    String status = row.getString(7);
                    for (String candidate : WAL_STATUSES) {
                        slotWalStatus.add(candidate.equals(status) ? 1 : 0, labels[0], labels[1], labels[2], labels[3], labels[4],
                                labels[5], "wal_status", candidate);
                    }
                });
        slotActive.publish();
        slotRetained.publish();
        slotSafeWal.publish();
        slotWalStatus.publish();

        if (!standby) {
            Sql.forEachRow(c, "SELECT application_name, coalesce(host(client_addr), 'local'),"
                    + " coalesce(extract(epoch FROM replay_lag), 0), coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)"
                    + " FROM pg_stat_replication", row -> {
                        String[] labels = {"application_name", Sql.label(row.getString(1)), "client_addr", row.getString(2)};
                        replicaLagSeconds.add(row.getDouble(3), labels);
                        replicaLagBytes.add(row.getDouble(4), labels);
                    });
        }
        replicaLagSeconds.publish();
        replicaLagBytes.publish();
        ownLag.set(standby ? Sql.number(c, "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                + " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END") : 0);
    }
}
