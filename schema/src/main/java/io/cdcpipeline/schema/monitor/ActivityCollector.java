package io.cdcpipeline.schema.monitor;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Connections by state, lock waits and who blocks whom, long-running transactions (this
 * database's client backends), and the server's connection limit.
 */
final class ActivityCollector implements Collector {

    /** Every state pg_stat_activity reports, so each series exists (at 0) before it is first seen. */
    private static final List<String> STATES = List.of("active", "idle", "idle in transaction", "idle in transaction (aborted)",
            "fastpath function call", "disabled");

    private final Duration longTransaction;
    private final GaugeFamily connections;
    private final GaugeFamily allConnections;
    private final GaugeFamily maxConnections;
    private final GaugeFamily maxTransactionAge;
    private final GaugeFamily longTransactions;
    private final GaugeFamily waitingLocks;
    private final GaugeFamily longestLockWait;
    private final GaugeFamily blocked;
    private final GaugeFamily blocking;

    ActivityCollector(MeterRegistry registry, Duration longTransaction) {
        this.longTransaction = longTransaction;
        connections = new GaugeFamily(registry, "pg.stat.activity.count", "client connections to this database by state");
        allConnections = new GaugeFamily(registry, "pg.connections.total", "client connections to the whole server");
        maxConnections = new GaugeFamily(registry, "pg.settings.max.connections", "the server's max_connections");
        maxTransactionAge = new GaugeFamily(registry, "pg.stat.activity.max.tx.duration.seconds",
                "age of the oldest open transaction in this database");
        longTransactions = new GaugeFamily(registry, "pg.long.running.transactions",
                "transactions open longer than MONITOR_LONG_TRANSACTION in this database");
        waitingLocks = new GaugeFamily(registry, "pg.locks.waiting", "lock requests waiting to be granted (this database's backends)");
        longestLockWait = new GaugeFamily(registry, "pg.lock.wait.max.seconds", "the longest current lock wait");
        blocked = new GaugeFamily(registry, "pg.blocked.backends", "backends waiting for a lock another backend holds");
        blocking = new GaugeFamily(registry, "pg.blocking.backends", "backends holding a lock others wait for");
    }

    @Override
    public String name() {
        return "activity";
    }

    @Override
    public void collect(Connection c) throws SQLException {
        Map<String, Double> byState = new LinkedHashMap<>();
        STATES.forEach(state -> byState.put(state, 0.0));
        Sql.forEachRow(c, "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity"
                + " WHERE datname = current_database() AND backend_type = 'client backend' GROUP BY 1",
                row -> byState.put(row.getString(1), row.getDouble(2)));
        byState.forEach((state, count) -> connections.add(count, "state", state));
        connections.publish();
        allConnections.set(Sql.number(c, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"));
        maxConnections.set(Sql.number(c, "SELECT setting::int FROM pg_settings WHERE name = 'max_connections'"));

        Sql.forEachRow(c, "SELECT coalesce(extract(epoch FROM max(now() - xact_start)), 0),"
                + " count(*) FILTER (WHERE now() - xact_start > make_interval(secs => " + longTransaction.toMillis() / 1000.0 + "))"
                + " FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
                + " AND xact_start IS NOT NULL AND pid <> pg_backend_pid()", row -> {
                    maxTransactionAge.set(row.getDouble(1));
                    longTransactions.set(row.getDouble(2));
                });

        // waitstart (PostgreSQL 14+) is when the wait began; it is set a moment after the request.
        Sql.forEachRow(c, "SELECT count(*), coalesce(extract(epoch FROM max(now() - l.waitstart)), 0) FROM pg_locks l"
                + " JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()", row -> {
                    waitingLocks.set(row.getDouble(1));
                    longestLockWait.set(row.getDouble(2));
                });
        Sql.forEachRow(c, "SELECT count(*) FILTER (WHERE cardinality(pg_blocking_pids(pid)) > 0),"
                + " (SELECT count(DISTINCT b) FROM pg_stat_activity a2, unnest(pg_blocking_pids(a2.pid)) b"
                + "   WHERE a2.datname = current_database())"
                + " FROM pg_stat_activity WHERE datname = current_database()", row -> {
                    blocked.set(row.getDouble(1));
                    blocking.set(row.getDouble(2));
                });
    }
}
