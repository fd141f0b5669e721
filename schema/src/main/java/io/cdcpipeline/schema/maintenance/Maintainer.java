package io.cdcpipeline.schema.maintenance;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.schema.Migrator;
import io.cdcpipeline.schema.PartitionAction;
import io.cdcpipeline.schema.SchemaConfig;
import io.cdcpipeline.schema.maintenance.ActionResult.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * One maintenance run: under a session advisory lock (a second host finds it taken and does
 * nothing), ensure the partitions, plan ({@link MaintenancePlanner}) and run each action as
 * {@code admin_user} outside any transaction (VACUUM and REINDEX CONCURRENTLY require it), each with
 * {@code lock_timeout} — an action whose lock the application holds is skipped, never queued in
 * front of the application's own statements — and {@code statement_timeout}. Every action is
 * logged with its figure before and after and counted in the metrics.
 */
public final class Maintainer {

    /** Key of the maintenance advisory lock ("cdc_mnt" in ASCII); the migration lock is another key. */
    static final long MAINTENANCE_LOCK = 0x6364635f6d6e74L;
    private static final Logger LOG = LoggerFactory.getLogger(Maintainer.class);

    private final MaintenanceConfig config;
    private final SchemaConfig schemaConfig;
    private final MeterRegistry registry;
    private final AtomicLong lastRun = new AtomicLong();

    public Maintainer(MaintenanceConfig config, SchemaConfig schemaConfig, MeterRegistry registry) {
        this.config = config;
        this.schemaConfig = schemaConfig;
        this.registry = registry;
        Gauge.builder("maintenance.last.run.timestamp.seconds", lastRun, v -> v.get() / 1000.0)
                .description("end of the last maintain run that did its work (Unix time)").strongReference(true).register(registry);
        // Every series exists from the start at 0, so increase() and alerts see the first failure too.
        for (String outcome : List.of("done", "failed", "ran_elsewhere", "error")) {
            Counter.builder("maintenance.runs").tag("outcome", outcome).register(registry);
        }
        for (MaintenanceAction.Kind kind : MaintenanceAction.Kind.values()) {
            for (Outcome outcome : Outcome.values()) {
                actions(kind.label(), outcome);
            }
            Timer.builder("maintenance.action.duration").description("time of one maintenance action").tag("action", kind.label())
                    .register(registry);
        }
        Counter.builder("maintenance.reclaimed.bytes").description("index bytes freed by rebuilds and drops").register(registry);
    }

    private Counter actions(String kind, Outcome outcome) {
        return Counter.builder("maintenance.actions").description("maintenance actions by kind and outcome").tag("action", kind)
                .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
    }

    public MaintenanceReport runOnce() throws SQLException {
        try (Connection c = DriverManager.getConnection(config.connection().jdbcUrl(), config.connection().driverProperties())) {
            c.setAutoCommit(true);
            if (!tryLock(c)) {
                LOG.info("another maintain run holds the maintenance lock; nothing to do here");
                Counter.builder("maintenance.runs").tag("outcome", "ran_elsewhere").register(registry).increment();
                return new MaintenanceReport(true, List.of(), List.of());
            }
            try {
                execute(c, "SET ROLE admin_user");
                List<String> partitions = new ArrayList<>();
                for (PartitionAction a : new Migrator(schemaConfig).ensurePartitions(null, null)) {
                    partitions.add(a.action() + " " + a.partition() + " (" + a.detail() + ")");
                }
                List<MaintenanceAction> plan = new MaintenancePlanner(config.thresholds()).plan(c);
                List<ActionResult> results = new ArrayList<>();
                for (MaintenanceAction action : plan) {
                    ActionResult result = run(c, action);
                    results.add(result);
                    record(result);
                    if (result.outcome() == Outcome.FAILED) {
                        LOG.warn("{}", result);
                    } else {
                        LOG.info("{}", result);
                    }
                }
                MaintenanceReport report = new MaintenanceReport(false, partitions, results);
                lastRun.set(System.currentTimeMillis());
                Counter.builder("maintenance.runs").tag("outcome", report.ok() ? "done" : "failed").register(registry).increment();
                return report;
            } finally {
                execute(c, "RESET ROLE");
                execute(c, "SELECT pg_advisory_unlock(" + MAINTENANCE_LOCK + ")");
            }
        }
    }

    private ActionResult run(Connection c, MaintenanceAction action) throws SQLException {
        String figure = figure(action.kind());
        double before = measure(c, action);
        long started = System.nanoTime();
        try {
            execute(c, "SET lock_timeout = " + config.lockTimeout().toMillis());
            execute(c, "SET statement_timeout = " + config.statementTimeout().toMillis());
            execute(c, action.kind().sql(action.qualifiedName()));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            return new ActionResult(action, Outcome.DONE, figure, before, measure(c, action), took, null);
        } catch (SQLException e) {
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            // 55P03 lock_not_available: the application holds the table; try again next run.
            Outcome outcome = "55P03".equals(e.getSQLState()) ? Outcome.SKIPPED_LOCKED : Outcome.FAILED;
            return new ActionResult(action, outcome, figure, before, before, took, e.getSQLState() + " " + e.getMessage());
        } finally {
            execute(c, "RESET lock_timeout");
            execute(c, "RESET statement_timeout");
        }
    }

    private static String figure(MaintenanceAction.Kind kind) {
        return switch (kind) {
            case VACUUM -> "dead rows";
            case ANALYZE -> "rows changed since analyze";
            case REINDEX, DROP_LEFTOVER_INDEX -> "index bytes";
        };
    }

    /** The action's figure now: dead rows, changes since analyze, or the index size. */
    private static double measure(Connection c, MaintenanceAction action) throws SQLException {
        String sql = switch (action.kind()) {
            case VACUUM -> "SELECT n_dead_tup FROM pg_stat_user_tables WHERE schemaname = ? AND relname = ?";
            case ANALYZE -> "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE schemaname = ? AND relname = ?";
            case REINDEX, DROP_LEFTOVER_INDEX -> "SELECT pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n"
                    + " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?";
        };
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, action.schema());
            s.setString(2, action.name());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getDouble(1) : 0;
            }
        }
    }

    private void record(ActionResult result) {
        String kind = result.action().kind().label();
        actions(kind, result.outcome()).increment();
        Timer.builder("maintenance.action.duration").description("time of one maintenance action").tag("action", kind)
                .register(registry).record(result.took());
        if (result.outcome() == Outcome.DONE && (result.action().kind() == MaintenanceAction.Kind.REINDEX
                || result.action().kind() == MaintenanceAction.Kind.DROP_LEFTOVER_INDEX)) {
            Counter.builder("maintenance.reclaimed.bytes").description("index bytes freed by rebuilds and drops").register(registry)
                    .increment(Math.max(0, result.before() - result.after()));
        }
    }

    private static boolean tryLock(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + MAINTENANCE_LOCK + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
