package io.cdcpipeline.common.db;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;

import io.github.resilience4j.retry.Retry;

/**
 * One HikariCP pool of a {@link Priority}, with retries of transient failures around whole units
 * of work. Thread-safe.
 *
 * <pre>{@code
 * long id = db.critical().inTransaction(tx -> { ... return id; });   // retried as a whole
 * }</pre>
 */
public final class PriorityPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PriorityPool.class);

    private final Priority priority;
    private final PoolSettings settings;
    private final HikariDataSource dataSource;
    private final Retry retry;

    PriorityPool(Priority priority, PoolSettings settings, HikariDataSource dataSource, Retry retry) {
        this.priority = priority;
        this.settings = settings;
        this.dataSource = dataSource;
        this.retry = retry;
    }

    /**
     * Runs {@code work} in a transaction and commits it. A transient failure (anywhere: getting
     * the connection, a statement, the commit) rolls back and runs the whole unit again after a
     * backoff, within the retry budget; any other failure is thrown at once, unchanged.
     * {@code work} must therefore be safe to repeat: when a commit's outcome is unknown (the
     * connection broke during COMMIT), it runs again.
     */
    public <T> T inTransaction(SqlWork<T> work) throws SQLException {
        return retrying(() -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.apply(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException | Error e) {
                    rollbackQuietly(c, e);
                    throw e;
                }
            }
        });
    }

    /** Runs {@code work} on a connection in auto-commit mode, retrying transient failures. */
    public <T> T withConnection(SqlWork<T> work) throws SQLException {
        return retrying(() -> {
            try (Connection c = dataSource.getConnection()) {
                return work.apply(c);
            }
        });
    }

    private <T> T retrying(io.github.resilience4j.core.functions.CheckedSupplier<T> attempt) throws SQLException {
        try {
            return retry.executeCheckedSupplier(attempt);
        } catch (SQLException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    public Priority priority() {
        return priority;
    }

    public PoolSettings settings() {
        return settings;
    }

    /** The raw pool, for libraries that take a DataSource (Liquibase, Kafka Connect). No retries there. */
    public DataSource dataSource() {
        return dataSource;
    }

    HikariDataSource hikari() {
        return dataSource;
    }

    public HikariPoolMXBean stats() {
        return dataSource.getHikariPoolMXBean();
    }

    /**
     * True when a connection can be had within {@code timeoutMillis} and answers: a readiness probe
     * must not wait the full acquire timeout.
     */
    public boolean isReachable(long timeoutMillis) {
        try (Connection c = ((com.zaxxer.hikari.pool.HikariPool) dataSource.getHikariPoolMXBean()).getConnection(timeoutMillis)) {
            return c.isValid((int) Math.max(1, timeoutMillis / 1000));
        } catch (SQLException e) {
            LOG.debug("{} pool cannot reach the database: {}", priority.label(), e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
