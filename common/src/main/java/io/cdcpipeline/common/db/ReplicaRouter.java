package io.cdcpipeline.common.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariDataSource;

import io.cdcpipeline.common.service.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Sends read-only work to a replica whose replay lag is under the threshold, and to the primary
 * otherwise: when no replica is healthy, when the chosen one fails (connection errors fall back at
 * once, within the same call), or within the read-your-writes window after a write in the same
 * context. A background check measures each replica's lag every interval.
 *
 * <p>Lag is measured against samples of the primary's WAL position (see {@link #checkNow()}), so it
 * keeps growing while a replica is stuck even though it keeps receiving WAL.
 *
 * <p>Thread-safe.
 */
public final class ReplicaRouter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRouter.class);

    /** State of one replica as of the last check. */
    static final class Replica {
        final ReplicaSettings.HostPort address;
        final HikariDataSource pool;
        volatile boolean reachable;
        volatile long lagMillis = Long.MAX_VALUE;

        Replica(ReplicaSettings.HostPort address, HikariDataSource pool) {
            this.address = address;
            this.pool = pool;
        }
    }

    private final PriorityPool primary;
    private final List<Replica> replicas;
    private final ReplicaSettings settings;
    private final Map<String, Long> lastWriteNanos = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    /** (nanoTime, primary LSN) samples, oldest first; touched only by the checker thread. */
    private final java.util.ArrayDeque<long[]> samples = new java.util.ArrayDeque<>();
    private final ScheduledExecutorService checker;
    private final MeterRegistry registry;

    ReplicaRouter(PriorityPool primary, List<Replica> replicas, ReplicaSettings settings, MeterRegistry registry) {
        this.primary = primary;
        this.replicas = List.copyOf(replicas);
        this.settings = settings;
        this.registry = registry;
        for (Replica r : this.replicas) {
            Gauge.builder("db.replica.lag", r, x -> x.reachable ? x.lagMillis / 1000.0 : Double.NaN).baseUnit("seconds")
                    .tag("replica", r.address.toString()).description("replay lag of the replica as last measured")
                    .register(registry);
        }
        this.checker = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("replica-lag-check"));
        if (!this.replicas.isEmpty()) {
            checkNow();
            checker.scheduleWithFixedDelay(this::checkNow, settings.checkInterval().toMillis(),
                    settings.checkInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Runs read-only {@code work} on a healthy replica or on the primary. */
    public <T> T read(SqlWork<T> work) throws SQLException {
        return read(null, work);
    }

    /**
     * Runs read-only {@code work}; {@code context} (a user or session id; null = none) routes to the
     * primary when it wrote within the read-your-writes window.
     */
    public <T> T read(String context, SqlWork<T> work) throws SQLException {
        if (context == null || !wroteRecently(context)) {
            Replica replica = pick();
            if (replica != null) {
                try (Connection c = replica.pool.getConnection()) {
                    c.setReadOnly(true);
                    T result = work.apply(c);
                    count("replica");
                    return result;
                } catch (SQLException e) {
                    if (!TransientErrors.isTransient(e)) {
                        throw e;
                    }
                    replica.reachable = false;
                    LOG.warn("replica {} failed ({}): reading from the primary until it is healthy again", replica.address, e.getMessage());
                }
            }
        }
        count("primary");
        return primary.withConnection(c -> {
            c.setReadOnly(true);
            try {
                return work.apply(c);
            } finally {
                c.setReadOnly(false);
            }
        });
    }

    /** Records a write in {@code context}: its reads go to the primary for the read-your-writes window. */
    public void wrote(String context) {
        if (!settings.readYourWritesWindow().isZero()) {
            lastWriteNanos.put(context, System.nanoTime());
        }
    }

    private boolean wroteRecently(String context) {
        Long at = lastWriteNanos.get(context);
        if (at == null) {
            return false;
        }
        if (System.nanoTime() - at < settings.readYourWritesWindow().toNanos()) {
            return true;
        }
        lastWriteNanos.remove(context, at);
        return false;
    }

    private Replica pick() {
        List<Replica> healthy = new ArrayList<>();
        for (Replica r : replicas) {
            if (r.reachable && r.lagMillis <= settings.maxLag().toMillis()) {
                healthy.add(r);
            }
        }
        return healthy.isEmpty() ? null : healthy.get(Math.floorMod(next.getAndIncrement(), healthy.size()));
    }

    /**
     * Measures every replica now (also run periodically). The primary's WAL position is sampled at
     * each check; a replica's lag is the age of the oldest sample it has not replayed yet (0 when
     * it has replayed them all). Unlike {@code pg_last_xact_replay_timestamp()}, this needs no
     * recent transaction on the replica and is not fooled by an idle primary.
     */
    void checkNow() {
        long now = System.nanoTime();
        long primaryLsn;
        try {
            primaryLsn = primary.withConnection(c -> lsn(queryString(c, "SELECT pg_current_wal_lsn()::text")));
        } catch (SQLException e) {
            LOG.debug("cannot read the primary's WAL position", e);
            return;
        }
        samples.addLast(new long[] {now, primaryLsn});
        // Older samples than a few lag thresholds are not needed to tell "too far behind".
        long keep = Math.max(settings.maxLag().toNanos() * 4, java.util.concurrent.TimeUnit.SECONDS.toNanos(10));
        while (samples.size() > 1 && now - samples.peekFirst()[0] > keep) {
            samples.removeFirst();
        }
        for (Replica r : replicas) {
            try (Connection c = r.pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")) {
                rs.next();
                boolean standby = rs.getBoolean(1);
                String replayed = rs.getString(2);
                long lag = lagMillis(replayed == null ? 0 : lsn(replayed), now);
                boolean wasUsable = r.reachable && r.lagMillis <= settings.maxLag().toMillis();
                r.lagMillis = lag;
                // A promoted "replica" is no longer a replica of this primary.
                r.reachable = standby;
                boolean usable = r.reachable && lag <= settings.maxLag().toMillis();
                if (usable != wasUsable) {
                    LOG.info("replica {} is now {} (lag {} ms)", r.address, usable ? "used for reads" : "avoided", lag);
                }
            } catch (SQLException e) {
                if (r.reachable) {
                    LOG.warn("replica {} unreachable: {}", r.address, e.getMessage());
                }
                r.reachable = false;
            }
        }
    }

    private long lagMillis(long replayedLsn, long now) {
        for (long[] sample : samples) {
            if (sample[1] > replayedLsn) {
                return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(now - sample[0]);
            }
        }
        return 0;
    }

    /** {@code 16/B374D848} → a comparable number. */
    static long lsn(String text) {
        int slash = text.indexOf('/');
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void count(String target) {
        Counter.builder("db.reads").tag("target", target).description("read-only units of work by where they ran")
                .register(registry).increment();
    }

    /** Replicas that reads may use right now. */
    public List<String> usableReplicas() {
        List<String> usable = new ArrayList<>();
        for (Replica r : replicas) {
            if (r.reachable && r.lagMillis <= settings.maxLag().toMillis()) {
                usable.add(r.address.toString());
            }
        }
        return usable;
    }

    @Override
    public void close() {
        checker.shutdownNow();
        replicas.forEach(r -> r.pool.close());
    }
}
