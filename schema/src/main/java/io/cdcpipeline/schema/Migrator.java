package io.cdcpipeline.schema;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import liquibase.changelog.ChangeSet;

/**
 * Applies, rolls back and reports the changelog.
 *
 * <p>Every operation runs on one dedicated connection (never a pooled one: the migration lock is a
 * session-level advisory lock, which a pool would keep after "closing"). Two migrators started at
 * once serialize on that lock; the second then finds nothing to do. A Liquibase lock row left by
 * a killed migrator is released, safely, because only the holder of the advisory lock can be
 * migrating. Objects are created as {@code admin_user} ({@code SET ROLE}), so it owns them all.
 *
 * <p>Liquibase commits each changeset on its own: a failed migration leaves the database at the
 * last changeset that succeeded, which {@link #status()} reports.
 */
public final class Migrator {

    /** Key of the session advisory lock every migrator takes first ("cdc_mig" in ASCII). */
    static final long MIGRATION_LOCK = 0x6364635f6d6967L;
    /** The first changeset of an installation with the blog example, and of one without. */
    static final String EXAMPLE_FIRST_CHANGESET = "001-schemas";
    static final String PIPELINE_FIRST_CHANGESET = "001-pipeline-schemas";
    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);
    private static final Object LIQUIBASE_IN_JVM = new Object();

    private final SchemaConfig config;

    public Migrator(SchemaConfig config) {
        this.config = config;
    }

    /**
     * Pre-flight checks, roles and database privileges (each logged before it runs), then the
     * changelog (up to {@code toTag} if given), then verification. {@code adoptRoles}: roles of our
     * names that cdc-pipeline did not create may be taken over; otherwise they stop the migration.
     */
    public VerificationReport migrate(Optional<String> toTag, boolean adoptRoles) throws SQLException {
        try (Connection c = connect()) {
            List<String> problems = Preflight.problems(c);
            if (!problems.isEmpty()) {
                throw new SchemaException("pre-flight checks failed, nothing was changed:\n  - " + String.join("\n  - ", problems));
            }
            List<String> applied = appliedIds(c);
            boolean example = withExample(applied);
            withMigrationLock(c, () -> {
                RoleProvisioner.apply(c, RoleProvisioner.plan(c, example, config.rolePasswords(), adoptRoles, !applied.isEmpty()));
                runAsAdmin(c, example, runner -> {
                    if (toTag.isPresent()) {
                        runner.updateToTag(toTag.get());
                    } else {
                        runner.update();
                    }
                });
            });
            // As the objects' owner: a migrating role that is no superuser holds admin_user without inheriting its rights.
            setRoleAdmin(c);
            VerificationReport report = SchemaVerifier.verify(c);
            LOG.info("migrate done: {} changesets applied; verification {}", appliedIds(c).size(), report.ok() ? "passed" : "FAILED");
            try (Statement s = c.createStatement()) {
                s.execute("RESET ROLE");
            }
            return report;
        }
    }

    /** {@link #migrate(Optional, boolean)} without adopting roles. */
    public VerificationReport migrate(Optional<String> toTag) throws SQLException {
        return migrate(toTag, false);
    }

    /** What {@link #migrate} would do, changing nothing. */
    public MigrationPlan plan(Optional<String> toTag, boolean adoptRoles) throws SQLException {
        try (Connection c = connect()) {
            List<String> applied = appliedIds(c);
            boolean example = withExample(applied);
            List<String> pending = new ArrayList<>(LiquibaseRunner.changeSetIds(example));
            pending.removeAll(applied);
            // Tags are changesets of their own, "tag-<name>": an update to a tag stops after it.
            toTag.map(tag -> pending.indexOf("tag-" + tag)).filter(i -> i >= 0)
                    .ifPresent(i -> pending.subList(i + 1, pending.size()).clear());
            return new MigrationPlan(example, Preflight.problems(c),
                    RoleProvisioner.plan(c, example, config.rolePasswords(), adoptRoles, !applied.isEmpty()), pending);
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SchemaException(describe(e), e);
        }
    }

    /**
     * Whether this database has (or gets) the blog example: fixed by its first migration, from
     * {@code SCHEMA_EXAMPLE} (default true) for a new one. Asking to change it is an error: the two
     * installations differ from their first changeset on.
     */
    private boolean withExample(Connection c) throws SQLException {
        return withExample(appliedIds(c));
    }

    private boolean withExample(List<String> applied) {
        Optional<Boolean> installed = applied.contains(EXAMPLE_FIRST_CHANGESET) ? Optional.of(true)
                : applied.contains(PIPELINE_FIRST_CHANGESET) ? Optional.of(false) : Optional.empty();
        if (installed.isPresent() && config.example().isPresent() && !installed.equals(config.example())) {
            throw new SchemaException("SCHEMA_EXAMPLE=" + config.example().get() + " but this database was first migrated "
                    + (installed.get() ? "with" : "without") + " the blog example, which cannot change; unset SCHEMA_EXAMPLE"
                    + " (or roll back to tag empty first)");
        }
        return installed.orElse(config.example().orElse(true));
    }

    public void rollbackToTag(String tag) throws SQLException {
        try (Connection c = connect()) {
            withMigrationLock(c, () -> runAsAdmin(c, withExample(c), runner -> runner.rollbackToTag(tag)));
        }
    }

    public void rollbackCount(int count) throws SQLException {
        try (Connection c = connect()) {
            withMigrationLock(c, () -> runAsAdmin(c, withExample(c), runner -> runner.rollbackCount(count)));
        }
    }

    public VerificationReport verify() throws SQLException {
        try (Connection c = connect()) {
            return SchemaVerifier.verify(c);
        }
    }

    public StatusReport status() throws SQLException {
        try (Connection c = connect()) {
            List<String> applied = appliedIds(c);
            List<String> pending = new ArrayList<>();
            runAsAdmin(c, withExample(applied), runner -> {
                for (ChangeSet changeSet : runner.pending()) {
                    pending.add(changeSet.getId());
                }
            }, false);
            try (Statement s = c.createStatement()) {
                s.execute("RESET ROLE");
            }
            return new StatusReport(applied, pending, lastTag(c));
        }
    }

    /** Runs {@code maintenance.ensure_all_partitions} as the owner; null arguments keep per-table defaults. */
    public List<PartitionAction> ensurePartitions(Integer monthsAhead, Integer retainMonths) throws SQLException {
        try (Connection c = connect()) {
            setRoleAdmin(c);
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT parent, action, partition_name, detail FROM maintenance.ensure_all_partitions(?, ?)")) {
                s.setObject(1, monthsAhead, java.sql.Types.INTEGER);
                s.setObject(2, retainMonths, java.sql.Types.INTEGER);
                List<PartitionAction> actions = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        actions.add(new PartitionAction(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
                actions.forEach(a -> LOG.info("partition {} {} ({})", a.action(), a.partition(), a.detail()));
                return actions;
            }
        }
    }

    Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(config.connection().jdbcUrl(), config.connection().driverProperties());
        c.setAutoCommit(true);
        return c;
    }

    private interface SqlWork {
        void run() throws Exception;
    }

    private interface RunnerWork {
        void run(LiquibaseRunner runner) throws Exception;
    }

    private void withMigrationLock(Connection c, SqlWork work) throws SQLException {
        long deadline = System.nanoTime() + config.lockTimeout().toNanos();
        boolean announced = false;
        while (!tryLock(c)) {
            if (System.nanoTime() > deadline) {
                throw new SchemaException("another migration has held the migration lock for longer than "
                        + config.lockTimeout().toSeconds() + " s (MIGRATION_LOCK_TIMEOUT); nothing was changed");
            }
            if (!announced) {
                LOG.info("another migration is running: waiting for it (up to {} s)", config.lockTimeout().toSeconds());
                announced = true;
            }
            sleep(250);
        }
        try {
            work.run();
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SchemaException(describe(e), e);
        } finally {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            try (Statement s = c.createStatement()) {
                s.execute("RESET ROLE");
                s.execute("SELECT pg_advisory_unlock(" + MIGRATION_LOCK + ")");
            }
        }
    }

    private void runAsAdmin(Connection c, boolean example, RunnerWork work) throws SQLException {
        runAsAdmin(c, example, work, true);
    }

    /** {@code holdingMigrationLock}: only then may a Liquibase lock row be judged stale and released. */
    private void runAsAdmin(Connection c, boolean example, RunnerWork work, boolean holdingMigrationLock) throws SQLException {
        setRoleAdmin(c);
        synchronized (LIQUIBASE_IN_JVM) {
            try (LiquibaseRunner runner = new LiquibaseRunner(c, example)) {
                if (holdingMigrationLock && staleLiquibaseLock(c)) {
                    LOG.warn("releasing a Liquibase lock left by a migrator that died (we hold the migration lock)");
                    runner.releaseLocks();
                }
                work.run(runner);
            } catch (SQLException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new SchemaException(describe(e), e);
            }
        }
    }

    private static void setRoleAdmin(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET ROLE admin_user");
        }
    }

    private static boolean tryLock(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + MIGRATION_LOCK + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static boolean staleLiquibaseLock(Connection c) throws SQLException {
        if (!RoleProvisioner.query(c, "SELECT to_regclass('" + RoleProvisioner.MIGRATIONS_SCHEMA + ".databasechangeloglock') IS NOT NULL")) {
            return false;
        }
        return RoleProvisioner.query(c, "SELECT coalesce(bool_or(locked), false) FROM "
                + RoleProvisioner.MIGRATIONS_SCHEMA + ".databasechangeloglock");
    }

    static List<String> appliedIds(Connection c) throws SQLException {
        List<String> ids = new ArrayList<>();
        if (!RoleProvisioner.query(c, "SELECT to_regclass('" + RoleProvisioner.MIGRATIONS_SCHEMA + ".databasechangelog') IS NOT NULL")) {
            return ids;
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT id FROM " + RoleProvisioner.MIGRATIONS_SCHEMA + ".databasechangelog ORDER BY orderexecuted")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static Optional<String> lastTag(Connection c) throws SQLException {
        if (!RoleProvisioner.query(c, "SELECT to_regclass('" + RoleProvisioner.MIGRATIONS_SCHEMA + ".databasechangelog') IS NOT NULL")) {
            return Optional.empty();
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT tag FROM "
                + RoleProvisioner.MIGRATIONS_SCHEMA + ".databasechangelog WHERE tag IS NOT NULL ORDER BY orderexecuted DESC LIMIT 1")) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    /** The innermost useful message of a Liquibase exception chain (Liquibase wraps several times). */
    static String describe(Throwable e) {
        Throwable t = e;
        String message = e.getMessage();
        String changeSet = "";
        while (t != null) {
            if (t instanceof liquibase.exception.MigrationFailedException && t.getMessage() != null) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("changeset \\S+::(\\S+)::").matcher(t.getMessage());
                if (m.find()) {
                    changeSet = "changeset " + m.group(1) + ": ";
                }
            }
            if (t instanceof liquibase.exception.PreconditionFailedException p) {
                StringBuilder text = new StringBuilder(changeSet + "precondition failed, so nothing of this changeset was"
                        + " applied (earlier changesets stay applied):");
                for (liquibase.precondition.FailedPrecondition failed : p.getFailedPreconditions()) {
                    text.append("\n  - ").append(failed.getMessage().replaceFirst("^.*? : ", ""));
                    if (failed.getPrecondition() instanceof liquibase.precondition.core.SqlPrecondition sql) {
                        text.append(" for: ").append(sql.getSql().trim());
                    }
                }
                if (changeSet.contains(EXAMPLE_FIRST_CHANGESET)) {
                    text.append("\n  (to install only the pipeline's own objects next to schemas of yours, set SCHEMA_EXAMPLE=false)");
                }
                return text.toString();
            }
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
            t = t.getCause();
        }
        return message;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaException("interrupted while waiting for the migration lock", e);
        }
    }
}
