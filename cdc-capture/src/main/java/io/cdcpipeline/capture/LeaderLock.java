package io.cdcpipeline.capture;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.db.ConnectionSettings;

/**
 * Active/standby election: the instance holding a session-level PostgreSQL advisory lock (keyed
 * by slot name) is the active one; the others wait. The lock lives as long as its connection, so a
 * killed or partitioned active loses it and a standby takes over within one check interval.
 *
 * <p>It is a hand-over signal, not the fence: PostgreSQL itself lets only one walsender use a
 * replication slot, so two instances can never both stream, even while the lock changes hands.
 * An active that can no longer confirm its lock stops its engine at once.
 *
 * <p>Used by one thread (the supervisor).
 */
final class LeaderLock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderLock.class);

    private final ConnectionSettings settings;
    private final String slotName;
    private Connection connection;
    private boolean held;

    LeaderLock(ConnectionSettings settings, String slotName) {
        this.settings = settings.withApplicationName("cdc-capture-leader");
        this.slotName = slotName;
    }

    /** Tries once to become (or stay) the leader. Connection problems mean "not leader", never an exception. */
    boolean tryAcquire() {
        if (held) {
            return stillHeld();
        }
        try {
            if (connection == null || connection.isClosed()) {
                connection = DriverManager.getConnection(settings.jdbcUrl(), settings.driverProperties());
            }
            try (PreparedStatement s = connection.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
                s.setString(1, "cdc-capture:" + slotName);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    held = rs.getBoolean(1);
                }
            }
            if (held) {
                LOG.info("this instance is now the active capture for slot {}", slotName);
            }
            return held;
        } catch (SQLException e) {
            LOG.debug("cannot reach PostgreSQL for the leader lock: {}", e.getMessage());
            dropConnection();
            return false;
        }
    }

    /** True while the lock's session is alive (then the lock is ours). */
    boolean stillHeld() {
        if (!held) {
            return false;
        }
        try {
            if (connection.isValid(2)) {
                return true;
            }
        } catch (SQLException e) {
            LOG.debug("leader lock check failed", e);
        }
        LOG.warn("lost the connection holding the leader lock for slot {}: stepping down", slotName);
        dropConnection();
        return false;
    }

    void release() {
        dropConnection();
    }

    private void dropConnection() {
        held = false;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // The session is gone either way, and with it the lock.
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        release();
    }
}
