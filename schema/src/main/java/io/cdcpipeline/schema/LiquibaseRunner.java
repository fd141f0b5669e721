package io.cdcpipeline.schema;

import java.io.OutputStream;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.Scope;
import liquibase.UpdateSummaryEnum;
import liquibase.UpdateSummaryOutputEnum;
import liquibase.analytics.configuration.AnalyticsArgs;
import liquibase.change.Change;
import liquibase.change.core.TagDatabaseChange;
import liquibase.changelog.ChangeLogParameters;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.command.CommandScope;
import liquibase.command.core.ReleaseLocksCommandStep;
import liquibase.command.core.RollbackCommandStep;
import liquibase.command.core.RollbackCountCommandStep;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.UpdateToTagCommandStep;
import liquibase.command.core.helpers.DatabaseChangelogCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.command.core.helpers.ShowSummaryArgument;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.parser.ChangeLogParserFactory;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.resource.ResourceAccessor;
import liquibase.ui.LoggerUIService;

/**
 * Liquibase's commands on one prepared connection (migration lock held, role set). Liquibase
 * keeps JVM-wide state, so commands must not run concurrently in one JVM: {@link Migrator}
 * serializes them.
 */
final class LiquibaseRunner implements AutoCloseable {

    static final String CHANGELOG = "db/changelog/changelog-master.yaml";

    static {
        // Liquibase 4.33 would otherwise fetch its analytics settings over the network.
        System.setProperty("liquibase.analytics.enabled", "false");
        JulBridge.install();
    }

    /** Liquibase context of the changesets of the blog example; the pipeline's own variants are {@code !example}. */
    static final String EXAMPLE = "example";
    /** The context an installation without the example runs with (matches {@code !example} and every unmarked changeset). */
    static final String PIPELINE_ONLY = "pipeline";

    private final Database database;
    private final String contexts;

    /** {@code withExample}: which changesets updates apply (rollbacks undo whatever was applied). */
    LiquibaseRunner(Connection connection, boolean withExample) throws Exception {
        this.database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(connection));
        database.setLiquibaseSchemaName(RoleProvisioner.MIGRATIONS_SCHEMA);
        this.contexts = contexts(withExample);
    }

    static String contexts(boolean withExample) {
        return withExample ? EXAMPLE : PIPELINE_ONLY;
    }

    /** The ids of the changesets an installation with or without the example has, in order; reads no database. */
    static List<String> changeSetIds(boolean withExample) throws Exception {
        return inScope(() -> {
            DatabaseChangeLog changeLog = parseChangelog();
            Contexts contexts = new Contexts(contexts(withExample));
            List<String> ids = new ArrayList<>();
            for (ChangeSet changeSet : changeLog.getChangeSets()) {
                if (changeSet.getContextFilter() == null || changeSet.getContextFilter().matches(contexts)) {
                    ids.add(changeSet.getId());
                }
            }
            return ids;
        });
    }

    void update() throws Exception {
        inScope(() -> new CommandScope(UpdateCommandStep.COMMAND_NAME)
                .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, CHANGELOG)
                .addArgumentValue(UpdateCommandStep.CONTEXTS_ARG, contexts)
                .addArgumentValue(ShowSummaryArgument.SHOW_SUMMARY, UpdateSummaryEnum.OFF)
                .addArgumentValue(ShowSummaryArgument.SHOW_SUMMARY_OUTPUT, UpdateSummaryOutputEnum.LOG)
                .setOutput(OutputStream.nullOutputStream())
                .execute());
    }

    void updateToTag(String tag) throws Exception {
        inScope(() -> new CommandScope(UpdateToTagCommandStep.COMMAND_NAME)
                .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                .addArgumentValue(UpdateToTagCommandStep.CHANGELOG_FILE_ARG, CHANGELOG)
                .addArgumentValue(UpdateToTagCommandStep.CONTEXTS_ARG, contexts)
                .addArgumentValue(UpdateToTagCommandStep.TAG_ARG, tag)
                .addArgumentValue(ShowSummaryArgument.SHOW_SUMMARY, UpdateSummaryEnum.OFF)
                .setOutput(OutputStream.nullOutputStream())
                .execute());
    }

    void rollbackToTag(String tag) throws Exception {
        inScope(() -> new CommandScope(RollbackCommandStep.COMMAND_NAME)
                .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                .addArgumentValue(DatabaseChangelogCommandStep.CHANGELOG_FILE_ARG, CHANGELOG)
                .addArgumentValue(RollbackCommandStep.TAG_ARG, tag)
                .setOutput(OutputStream.nullOutputStream())
                .execute());
    }

    void rollbackCount(int count) throws Exception {
        inScope(() -> new CommandScope(RollbackCountCommandStep.COMMAND_NAME)
                .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                .addArgumentValue(DatabaseChangelogCommandStep.CHANGELOG_FILE_ARG, CHANGELOG)
                .addArgumentValue(RollbackCountCommandStep.COUNT_ARG, count)
                .setOutput(OutputStream.nullOutputStream())
                .execute());
    }

    /** Clears Liquibase's lock row. Only called while holding the migration advisory lock. */
    void releaseLocks() throws Exception {
        inScope(() -> new CommandScope(ReleaseLocksCommandStep.COMMAND_NAME)
                .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                .setOutput(OutputStream.nullOutputStream())
                .execute());
    }

    List<ChangeSet> pending() throws Exception {
        return inScope(() -> {
            Liquibase liquibase = new Liquibase(CHANGELOG, Scope.getCurrentScope().getResourceAccessor(), database);
            return liquibase.listUnrunChangeSets(new Contexts(contexts), new LabelExpression());
        });
    }

    /** The changelog's tags ({@code tagDatabase} changes), in the order they are applied: what {@code --to} accepts. */
    static List<String> tags() throws Exception {
        return inScope(() -> {
            DatabaseChangeLog changeLog = parseChangelog();
            List<String> tags = new ArrayList<>();
            for (ChangeSet changeSet : changeLog.getChangeSets()) {
                for (Change change : changeSet.getChanges()) {
                    if (change instanceof TagDatabaseChange tag) {
                        tags.add(tag.getTag());
                    }
                }
            }
            return tags;
        });
    }

    /** The changelog as Liquibase reads it, inside {@link #inScope}; reads no database. */
    private static DatabaseChangeLog parseChangelog() throws Exception {
        ResourceAccessor resources = Scope.getCurrentScope().getResourceAccessor();
        return ChangeLogParserFactory.getInstance().getParser(CHANGELOG, resources).parse(CHANGELOG, new ChangeLogParameters(), resources);
    }

    private static <T> T inScope(Scope.ScopedRunnerWithReturn<T> body) throws Exception {
        try (ClassLoaderResourceAccessor resources = new ClassLoaderResourceAccessor(LiquibaseRunner.class.getClassLoader())) {
            Map<String, Object> scope = new HashMap<>();
            scope.put(Scope.Attr.resourceAccessor.name(), resources);
            scope.put(Scope.Attr.ui.name(), new LoggerUIService());
            scope.put(AnalyticsArgs.ENABLED.getKey(), Boolean.FALSE);
            return Scope.child(scope, body);
        }
    }

    @Override
    public void close() throws Exception {
        // Liquibase switched the connection to autoCommit=false; the owner closes the connection itself.
        database.getConnection().setAutoCommit(true);
    }
}
