package io.cdcpipeline.analytics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.db.Database;
import io.cdcpipeline.common.service.DaemonThreads;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Refreshes {@code analytics.article_analytics} CONCURRENTLY (readers are never blocked), at most
 * once per interval and only after what it reads changed (the daily stats, or articles: see
 * {@link RefreshState}), by the one instance that holds a session advisory lock. Staleness (time
 * since the oldest change the view does not show yet) and refresh durations are metrics.
 * Thread-safe; runs on its own scheduler thread.
 */
final class ViewRefresher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ViewRefresher.class);
    private static final String LOCK = "analytics-aggregator:refresh:" + RefreshState.VIEW;

    private final Database db;
    private final Duration interval;
    private final Duration timeout;
    private final String instance;
    private final ScheduledExecutorService timer;
    private final Timer duration;
    private final AtomicLong stalenessMillis = new AtomicLong();
    private final AtomicLong holdsLock = new AtomicLong();
    private Connection lockConnection;

    ViewRefresher(Database db, Duration interval, Duration timeout, String instance, MeterRegistry registry) {
        this.db = db;
        this.interval = interval;
        this.timeout = timeout;
        this.instance = instance;
        this.duration = Timer.builder("analytics.refresh.duration").description("REFRESH MATERIALIZED VIEW CONCURRENTLY")
                .register(registry);
        Gauge.builder("analytics.view.staleness", stalenessMillis, a -> a.get() / 1000.0).baseUnit("seconds")
                .description("time since the oldest change the materialized view does not show").register(registry);
        Gauge.builder("analytics.refresh.leader", holdsLock, AtomicLong::get)
                .description("1 on the instance allowed to refresh").register(registry);
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("view-refresher"));
        long tick = Math.max(50, Math.min(1000, interval.toMillis() / 4));
        timer.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            if (!holdLock()) {
                return;
            }
            Instant now = Instant.now();
            Instant dirtySince;
            Instant lastRefresh;
            String stateVersion;
            try (Connection c = db.bulk().dataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT dirty_since, last_refresh_at, xmin::text FROM analytics.refresh_state"
                         + " WHERE view_name = '" + RefreshState.VIEW + "'")) {
                if (!rs.next()) {
                    return;
                }
                dirtySince = instant(rs.getTimestamp(1));
                lastRefresh = instant(rs.getTimestamp(2));
                stateVersion = rs.getString(3);
            }
            stalenessMillis.set(dirtySince == null ? 0 : Math.max(0, Duration.between(dirtySince, now).toMillis()));
            boolean due = lastRefresh == null || Duration.between(lastRefresh, now).compareTo(interval) >= 0;
            if (dirtySince != null && due) {
                refresh(now, stateVersion);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("materialized view refresh skipped: {}", e.getMessage());
        }
    }

    /** Keeps (or takes) the advisory lock on its own connection; the lock dies with that session. */
    private boolean holdLock() {
        try {
            if (lockConnection != null && lockConnection.isValid(2)) {
                return true;
            }
            closeLockConnection();
            Connection c = db.dedicatedConnection();
            try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
                s.setString(1, LOCK);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        lockConnection = c;
                        holdsLock.set(1);
                        LOG.info("{} refreshes {} from now on", instance, RefreshState.VIEW);
                        return true;
                    }
                }
            }
            c.close();
        } catch (SQLException e) {
            LOG.debug("cannot take the refresh lock: {}", e.getMessage());
        }
        holdsLock.set(0);
        return false;
    }

    /**
     * Refreshes, then marks the view current only if no change was marked since the state was read
     * ({@code stateVersion}: the xmin of the state row, which every {@link RefreshState#markStale} updates).
     * Every change committed before that read is in the refresh, whose snapshot is taken later. A
     * time comparison cannot tell: a sink transaction that began before the refresh may commit after
     * its snapshot.
     */
    private void refresh(Instant read, String stateVersion) throws SQLException {
        Instant started = Instant.now();
        long start = System.nanoTime();
        db.bulk().withConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("SET statement_timeout = " + timeout.toMillis());
                try {
                    s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY " + RefreshState.VIEW);
                } finally {
                    s.execute("RESET statement_timeout");
                }
            }
            return null;
        });
        Instant finished = Instant.now();
        duration.record(Duration.ofNanos(System.nanoTime() - start));
        db.bulk().inTransaction(tx -> {
            // A sink transaction still open on the row makes this wait for it and then see its version:
            // the view stays stale, from about when the state was read, until the next refresh.
            try (PreparedStatement s = tx.prepareStatement("UPDATE analytics.refresh_state SET last_refresh_at = ?,"
                    + " dirty_since = CASE WHEN xmin::text = ? THEN NULL ELSE greatest(dirty_since, ?) END WHERE view_name = ?"
                    + " RETURNING dirty_since")) {
                s.setTimestamp(1, Timestamp.from(finished));
                s.setString(2, stateVersion);
                s.setTimestamp(3, Timestamp.from(read));
                s.setString(4, RefreshState.VIEW);
                try (ResultSet rs = s.executeQuery()) {
                    Instant stillDirty = rs.next() ? instant(rs.getTimestamp(1)) : null;
                    stalenessMillis.set(stillDirty == null ? 0 : Math.max(0, Duration.between(stillDirty, finished).toMillis()));
                }
            }
            try (PreparedStatement log = tx.prepareStatement("INSERT INTO analytics.refresh_log (view_name, started_at,"
                    + " finished_at, refreshed_by) VALUES (?, ?, ?, ?)")) {
                log.setString(1, RefreshState.VIEW);
                log.setTimestamp(2, Timestamp.from(started));
                log.setTimestamp(3, Timestamp.from(finished));
                log.setString(4, instance);
                log.executeUpdate();
            }
            return null;
        });
        LOG.debug("refreshed {} in {} ms", RefreshState.VIEW, Duration.between(started, finished).toMillis());
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private void closeLockConnection() {
        if (lockConnection != null) {
            try {
                lockConnection.close();
            } catch (SQLException ignored) {
                // The session, and with it the lock, is gone either way.
            }
            lockConnection = null;
            holdsLock.set(0);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeLockConnection();
    }
}
