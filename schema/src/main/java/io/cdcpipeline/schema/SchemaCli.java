package io.cdcpipeline.schema;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.cdcpipeline.common.cli.ServiceCommand;
import io.cdcpipeline.common.service.Periodic;
import io.cdcpipeline.common.service.ServiceRunner;
import io.cdcpipeline.schema.maintenance.MaintenanceConfig;
import io.cdcpipeline.schema.maintenance.MaintenanceReport;
import io.cdcpipeline.schema.maintenance.MaintenanceService;
import io.cdcpipeline.schema.maintenance.Maintainer;
import io.cdcpipeline.schema.monitor.MonitorService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * {@code schema migrate | rollback | verify | status | partitions ensure | monitor | maintain}. Connection settings
 * come from the {@code DB_*} environment variables. Exit codes: 0 ok, 1 failed (the message says
 * why), 2 usage or configuration error.
 */
@Command(name = "schema", mixinStandardHelpOptions = true,
        description = "Versioned migrations with rollback and verification for the cdc-pipeline database.",
        subcommands = {SchemaCli.Migrate.class, SchemaCli.Rollback.class, SchemaCli.Verify.class, SchemaCli.Status.class,
                SchemaCli.Partitions.class, SchemaCli.Monitor.class, SchemaCli.Maintain.class, SchemaCli.Enroll.class,
                SchemaCli.Unenroll.class})
public final class SchemaCli {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command with {@code env} as its environment; returns the exit code. */
    public static int run(java.util.Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        return commandLine(env, out, err).execute(args);
    }

    /** The {@code schema} command tree reading {@code env} (also a subcommand of the launcher's). */
    public static CommandLine commandLine(java.util.Map<String, String> env, PrintWriter out, PrintWriter err) {
        return ServiceCommand.configure(new CommandLine(new SchemaCli(), new Factory(env)), out, err, SchemaCli::describe);
    }

    /** The message of a failure: a migration's innermost useful one (Liquibase wraps several times). */
    public static String describe(Throwable e) {
        if (e instanceof SchemaException) {
            return e.getMessage();
        }
        return Migrator.describe(e);
    }

    /** Gives each command the environment it was started with (tests pass their own). */
    private record Factory(java.util.Map<String, String> env) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (EnvAware.class.isAssignableFrom(type)) {
                K command = CommandLine.defaultFactory().create(type);
                ((EnvAware) command).env = env;
                return command;
            }
            return CommandLine.defaultFactory().create(type);
        }
    }

    abstract static class EnvAware {
        java.util.Map<String, String> env;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Migrator migrator() {
            return new Migrator(SchemaConfig.from(env));
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    @Command(name = "migrate", description = "Create the roles and grant database privileges (each statement logged first),"
            + " apply pending changesets (up to --to TAG), then verify.")
    static final class Migrate extends EnvAware implements Callable<Integer> {
        @Option(names = "--to", paramLabel = "TAG", completionCandidates = ChangelogTags.MigrationTags.class,
                description = "stop after this tag (tags: ${COMPLETION-CANDIDATES})")
        String tag;

        @Option(names = "--dry-run", description = "print the cluster- and database-wide statements and the changesets"
                + " migrate would run, and what it would refuse; change nothing")
        boolean dryRun;

        @Option(names = "--adopt-roles", description = "take over existing roles of the pipeline's names that cdc-pipeline"
                + " did not create (they get its privileges and, if set, its passwords)")
        boolean adoptRoles;

        @Override
        public Integer call() throws Exception {
            if (tag != null) {
                ChangelogTags.requireKnown(tag, ChangelogTags.migrationTargets(), spec);
            }
            if (dryRun) {
                MigrationPlan plan = migrator().plan(Optional.ofNullable(tag), adoptRoles);
                out().print(plan.render());
                return plan.problems().isEmpty() && plan.provisioning().refusals().isEmpty() ? OK : FAILED;
            }
            VerificationReport report = migrator().migrate(Optional.ofNullable(tag), adoptRoles);
            out().println(report);
            return report.ok() ? OK : FAILED;
        }
    }

    @Command(name = "rollback", description = "Undo changesets: back to a tag (empty = everything), or the last N.")
    static final class Rollback extends EnvAware implements Callable<Integer> {
        @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--to", paramLabel = "TAG", required = true, completionCandidates = ChangelogTags.class,
                    description = "tag to return to (${COMPLETION-CANDIDATES})")
            String tag;

            @Option(names = "--count", paramLabel = "N", required = true, description = "number of changesets to undo")
            Integer count;
        }

        @Override
        public Integer call() throws Exception {
            if (target.tag != null) {
                ChangelogTags.requireKnown(target.tag, ChangelogTags.all(), spec);
                migrator().rollbackToTag(target.tag);
                out().println("rolled back to tag " + target.tag);
            } else {
                migrator().rollbackCount(target.count);
                out().println("rolled back " + target.count + " changesets");
            }
            return OK;
        }
    }

    /** enroll and unenroll: the tables, a dry run, and the plans each makes of them. */
    abstract static class TableCommand extends EnvAware implements Callable<Integer> {
        @Option(names = "--tables", paramLabel = "SPEC", required = true,
                description = "comma-separated schema.table; '*' matches any characters (e.g. public.orders,billing.*)")
        String tables;

        @Option(names = "--dry-run", description = "print the statements without running them")
        boolean dryRun;

        abstract List<Enrollment.Plan> plans(java.sql.Connection c, List<Enrollment.Table> tables) throws java.sql.SQLException;

        abstract boolean enroll();

        @Override
        public Integer call() throws Exception {
            try (java.sql.Connection c = migrator().connect()) {
                List<Enrollment.Plan> plans = plans(c, Enrollment.resolve(c, tables));
                return print(plans, dryRun, enroll() ? "enroll" : "unenroll", out(), () -> Enrollment.apply(c, plans, enroll()));
            }
        }
    }

    @Command(name = "enroll", description = "Prepare tables of your own for capture and audit: publication, REPLICA IDENTITY"
            + " FULL, read access for cdc_user, the audit_context trigger. Prints every statement; --dry-run changes nothing.")
    static final class Enroll extends TableCommand {
        @Override
        List<Enrollment.Plan> plans(java.sql.Connection c, List<Enrollment.Table> tables) throws java.sql.SQLException {
            return Enrollment.enrollPlans(c, tables);
        }

        @Override
        boolean enroll() {
            return true;
        }
    }

    @Command(name = "unenroll", description = "Undo what `schema enroll` changed on tables (as recorded in cdc.enrollments)."
            + " Prints every statement; --dry-run changes nothing.")
    static final class Unenroll extends TableCommand {
        @Override
        List<Enrollment.Plan> plans(java.sql.Connection c, List<Enrollment.Table> tables) throws java.sql.SQLException {
            return Enrollment.unenrollPlans(c, tables);
        }

        @Override
        boolean enroll() {
            return false;
        }
    }

    private interface SqlRun {
        void run() throws java.sql.SQLException;
    }

    private static int print(List<Enrollment.Plan> plans, boolean dryRun, String what, PrintWriter out, SqlRun apply)
            throws java.sql.SQLException {
        for (Enrollment.Plan plan : plans) {
            out.println("-- " + plan.table().display() + (plan.statements().isEmpty() ? ": nothing to change" : ""));
            plan.statements().forEach(sql -> out.println(sql + ";"));
        }
        if (dryRun) {
            out.println("-- dry run: nothing was changed");
            return OK;
        }
        apply.run();
        out.println("-- " + what + ": " + plans.size() + " table(s) done, in one transaction");
        return OK;
    }

    @Command(name = "verify", description = "Run the post-migration checks; non-zero exit when one fails.")
    static final class Verify extends EnvAware implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            VerificationReport report = migrator().verify();
            out().println(report);
            return report.ok() ? OK : FAILED;
        }
    }

    @Command(name = "status", description = "List applied and pending changesets.")
    static final class Status extends EnvAware implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            StatusReport status = migrator().status();
            out().println("applied: " + status.applied().size() + " changesets, last tag: " + status.lastTag().orElse("none"));
            out().println("pending: " + status.pending().size() + (status.pending().isEmpty() ? "" : " " + status.pending()));
            return OK;
        }
    }

    @Command(name = "partitions", description = "Partition upkeep.", subcommands = Partitions.Ensure.class)
    static final class Partitions {
        @Command(name = "ensure", description = "Create the coming months' partitions (moving rows out of the default"
                + " partition) and drop those past retention.")
        static final class Ensure extends EnvAware implements Callable<Integer> {
            @Option(names = "--months-ahead", paramLabel = "N", description = "months to premade (default: per table, 3)")
            Integer monthsAhead;

            @Option(names = "--retain-months", paramLabel = "M", description = "drop partitions older than M months"
                    + " (default: per table; audit and analytics keep everything)")
            Integer retainMonths;

            @Override
            public Integer call() throws Exception {
                if ((monthsAhead != null && monthsAhead < 0) || (retainMonths != null && retainMonths < 1)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--months-ahead must be >= 0 and --retain-months >= 1");
                }
                List<PartitionAction> actions = migrator().ensurePartitions(monthsAhead, retainMonths);
                actions.forEach(a -> out().println(a.action() + " " + a.partition() + " (" + a.detail() + ")"));
                out().println(actions.isEmpty() ? "partitions up to date" : actions.size() + " partition actions");
                return OK;
            }
        }
    }

    @Command(name = "monitor", description = "Serve database metrics on /metrics (connect as monitor_user);"
            + " --once prints one collection and exits.")
    static final class Monitor extends EnvAware implements Callable<Integer> {
        @Option(names = "--once", description = "collect once, print the metrics, exit")
        boolean once;

        @Override
        public Integer call() throws Exception {
            if (once) {
                MonitorService.Collection collection = MonitorService.collectOnce(env);
                out().print(collection.metrics());
                return collection.complete() ? OK : FAILED;
            }
            return ServiceRunner.runUntilStopped("db-monitor", MonitorService::create, env);
        }
    }

    @Command(name = "maintain", description = "ANALYZE, VACUUM and REINDEX CONCURRENTLY what is due, rebuild INVALID indexes,"
            + " ensure partitions; once, or --every DURATION (e.g. 30m, 6h, 1d) with metrics on /metrics.")
    static final class Maintain extends EnvAware implements Callable<Integer> {
        @Option(names = "--every", paramLabel = "DURATION", description = "run now and then every DURATION (s, m, h or d suffix)")
        String every;

        @Override
        public Integer call() throws Exception {
            if (every != null) {
                Duration interval = parseDuration(every);
                return ServiceRunner.runUntilStopped("db-maintain", e -> MaintenanceService.create(e, interval), env);
            }
            MaintenanceReport report = new Maintainer(MaintenanceConfig.from(env), SchemaConfig.from(env), new SimpleMeterRegistry())
                    .runOnce();
            out().println(report);
            return report.ok() ? OK : FAILED;
        }

        private Duration parseDuration(String text) {
            return Periodic.parseInterval(text).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                    "--every expects a positive duration such as 30m, 6h or 1d"));
        }
    }
}
