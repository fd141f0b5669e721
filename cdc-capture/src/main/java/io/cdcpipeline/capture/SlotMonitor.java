package io.cdcpipeline.capture;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.db.ConnectionSettings;

/**
 * Reads the replication slot's state from {@code pg_replication_slots}: for metrics (retained WAL,
 * confirmed position) and for the pre-start check that the slot has not lost WAL.
 */
final class SlotMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(SlotMonitor.class);

    record SlotState(boolean active, String walStatus, long retainedBytes, long confirmedFlushLsn) {
    }

    private final ConnectionSettings settings;
    private final String slotName;

    SlotMonitor(ConnectionSettings settings, String slotName) {
        this.settings = settings.withApplicationName("cdc-capture-monitor");
        this.slotName = slotName;
    }

    Optional<SlotState> read() throws SQLException {
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), settings.driverProperties());
             PreparedStatement s = c.prepareStatement("SELECT active, wal_status,"
                     + " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint,"
                     + " coalesce(pg_wal_lsn_diff(confirmed_flush_lsn, '0/0'), -1)::bigint"
                     + " FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, slotName);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SlotState(rs.getBoolean(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
            }
        }
    }

    /** Updates the slot gauges; failures only log (metrics must not stop capture). */
    void refresh(CaptureMetrics metrics) {
        try {
            read().ifPresent(state -> {
                metrics.retainedWalBytes.set(state.retainedBytes());
                metrics.confirmedFlushLsn.set(state.confirmedFlushLsn());
                metrics.slotActive.set(state.active() ? 1 : 0);
            });
        } catch (SQLException e) {
            LOG.debug("cannot read slot {}: {}", slotName, e.getMessage());
        }
    }

    /**
     * Fails when the slot exists but its WAL was removed ({@code wal_status = lost}): streaming from
     * it would silently skip changes. The operator must decide to re-snapshot.
     */
    void checkNotLost() throws SQLException {
        Optional<SlotState> state = read();
        if (state.isPresent() && "lost".equals(state.get().walStatus())) {
            throw new SlotLostException("replication slot " + slotName + " has lost WAL (wal_status = lost): changes made while"
                    + " it was behind are gone and cannot be captured. To recover, re-snapshot: drop the slot"
                    + " (SELECT pg_drop_replication_slot('" + slotName + "')), delete this capture's offsets topic, and start"
                    + " again with CAPTURE_SNAPSHOT_MODE=initial (downstream consumers receive the tables again as 'r' events)."
                    + " Raise max_slot_wal_keep_size or alert earlier on capture_slot_retained_wal_bytes to avoid it.");
        }
    }

    /** A slot that cannot be streamed from without losing data. Not retried. */
    static final class SlotLostException extends RuntimeException {
        SlotLostException(String message) {
            super(message);
        }
    }
}
