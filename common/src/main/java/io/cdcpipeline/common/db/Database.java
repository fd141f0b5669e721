package io.cdcpipeline.common.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariDataSource;

import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The database of one service: a pool per {@link Priority} it uses, retries, adaptive sizing and
 * read-replica routing. Opening it checks that the pools fit the server and that the credentials
 * work (waiting out a server that is still starting); closing it closes everything.
 *
 * <pre>{@code
 * try (Database db = Database.open(config, registry, EnumSet.of(Priority.CRITICAL))) {
 *     db.critical().inTransaction(tx -> ...);
 * }
 * }</pre>
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** Replica pools give up quickly: a read falls back to the primary instead of waiting. */
    private static final Duration REPLICA_ACQUIRE_TIMEOUT = Duration.ofSeconds(1);

    private final DatabaseConfig config;
    private final Map<Priority, PriorityPool> pools;
    private final AdaptivePoolSizer sizer;
    private final ReplicaRouter router;

    private Database(DatabaseConfig config, Map<Priority, PriorityPool> pools, AdaptivePoolSizer sizer, ReplicaRouter router) {
        this.config = config;
        this.pools = pools;
        this.sizer = sizer;
        this.router = router;
    }

    public static Database open(DatabaseConfig config, MeterRegistry registry, Set<Priority> priorities) throws SQLException {
        if (priorities.isEmpty()) {
            throw new IllegalArgumentException("open at least one priority pool");
        }
        RetryRegistry retries = RetryRegistry.ofDefaults();
        TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(registry);
        Map<Priority, PoolSettings> wanted = new EnumMap<>(Priority.class);
        priorities.forEach(p -> wanted.put(p, config.pool(p)));
        Map<Priority, PriorityPool> pools = new EnumMap<>(Priority.class);
        String app = config.connection().applicationName();
        try {
            for (Priority p : priorities) {
                HikariDataSource ds = PoolFactory.dataSource(config.connection(), config.pool(p), app + "-" + p.label(), registry);
                pools.put(p, new PriorityPool(p, config.pool(p), ds, PoolFactory.retry("db-" + p.label(), config.retry(), retries)));
            }
            PriorityPool first = pools.get(priorities.iterator().next());
            // Credentials and the budget are checked once, with the retry policy: a server that
            // is still starting is waited for; a wrong password fails now.
            first.withConnection(c -> {
                ConnectionBudget.check(c, wanted);
                return null;
            });
            AdaptivePoolSizer sizer = config.adaptiveSizing()
                    ? new AdaptivePoolSizer(new ArrayList<>(pools.values()), config.adaptiveInterval(), registry) : null;
            ReplicaRouter router = replicaRouter(config, registry, first, app);
            LOG.info("{}: database {} open with pools {}{}", app, config.connection(), pools.keySet(),
                    config.replicas().enabled() ? " and replicas " + config.replicas().replicas() : "");
            return new Database(config, pools, sizer, router);
        } catch (SQLException | RuntimeException e) {
            pools.values().forEach(PriorityPool::close);
            throw e;
        }
    }

    private static ReplicaRouter replicaRouter(DatabaseConfig config, MeterRegistry registry, PriorityPool primaryPool, String app) {
        PriorityPool readPrimary = primaryPool;
        List<ReplicaRouter.Replica> replicas = new ArrayList<>();
        for (ReplicaSettings.HostPort address : config.replicas().replicas()) {
            PoolSettings base = config.pool(Priority.STANDARD);
            PoolSettings replicaPool = new PoolSettings(base.maxConnections(), 0, base.idleTimeout(), base.connectTimeout(),
                    REPLICA_ACQUIRE_TIMEOUT, base.statementTimeout());
            HikariDataSource ds = PoolFactory.dataSource(config.connection().withServer(address.host(), address.port()),
                    replicaPool, app + "-replica-" + address.host() + "-" + address.port(), registry);
            replicas.add(new ReplicaRouter.Replica(address, ds));
        }
        return new ReplicaRouter(readPrimary, replicas, config.replicas(), registry);
    }

    public PriorityPool critical() {
        return pool(Priority.CRITICAL);
    }

    public PriorityPool standard() {
        return pool(Priority.STANDARD);
    }

    public PriorityPool bulk() {
        return pool(Priority.BULK);
    }

    public PriorityPool pool(Priority priority) {
        PriorityPool pool = pools.get(priority);
        if (pool == null) {
            throw new IllegalStateException("the " + priority.label() + " pool was not opened (opened: " + pools.keySet() + ")");
        }
        return pool;
    }

    /** Read-only work: replicas when healthy, the primary otherwise. */
    public ReplicaRouter reads() {
        return router;
    }

    public Set<Priority> priorities() {
        return EnumSet.copyOf(pools.keySet());
    }

    public DatabaseConfig config() {
        return config;
    }

    /** Readiness: every pool can get a working connection within {@code timeoutMillis}. */
    public boolean isReachable(long timeoutMillis) {
        return pools.values().stream().allMatch(p -> p.isReachable(timeoutMillis));
    }

    /** A connection outside the pools (e.g. for session-level advisory locks, which a pool would keep). */
    public Connection dedicatedConnection() throws SQLException {
        return java.sql.DriverManager.getConnection(config.connection().jdbcUrl(), config.connection().driverProperties());
    }

    @Override
    public void close() {
        if (sizer != null) {
            sizer.close();
        }
        router.close();
        pools.values().forEach(PriorityPool::close);
    }
}
